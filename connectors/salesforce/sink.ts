import { fitText } from '../../src/domain/text-length.ts';
import type {
  FollowUpTask,
  LeadSink,
  TossUpFieldValues,
  TossUpUpdate,
  WriteOutcome,
} from '../../src/ports/lead-sink.ts';
import type { CallRunner } from './call-runner.ts';
import {
  CollectionsWriter,
  personUpdateWork,
  type SfRecord,
  updateRequest,
  type Work,
} from './collections-writer.ts';
import { type SalesforceMapping, type ValueMaps, valueMaps } from './mapping.ts';
import type { UsageMeter } from './usage-meter.ts';
import { changedSinceReadOutcome, idsByPersonObject, type WriteGuard } from './write-guard.ts';

export { CHANGED_SINCE_READ } from '../../src/ports/lead-sink.ts';

/**
 * Write-back and tasks through sObject Collections (crm-apis.md A3) with collections-writer.ts:
 * - toss-up fields: `PATCH /composite/sobjects` with only the changed fields; Leads and Contacts share
 *   calls. Setting the same values twice is harmless, so the call runner may repeat a failed call.
 * - tasks: `PATCH /composite/sobjects/Task/<keyField>` — an upsert on the toss-up key, so a retry, a
 *   redelivery or a crash between the task and the flag write updates the one task instead of
 *   creating a second.
 * The writer classifies per-record errors, resends transient ones and narrows a whole-request 400
 * down to the records that caused it.
 */

const SUBJECT_MAX = 255;
const DESCRIPTION_MAX = 32_000;

export class SalesforceLeadSink implements LeadSink {
  /** The SLA status of a new hand-off goes with its toss-up fields (`TossUpUpdate.sla`). */
  readonly writesSlaStatus = true;
  readonly crm = 'salesforce' as const;
  private readonly writer: CollectionsWriter;
  private readonly mapping: SalesforceMapping;
  private readonly maps: ValueMaps;
  private readonly meter: UsageMeter;

  private readonly writeGuard: WriteGuard | null;

  constructor(
    runner: CallRunner,
    mapping: SalesforceMapping,
    options: { writeBatchSize: number },
    meter: UsageMeter,
    writeGuard: WriteGuard | null = null,
  ) {
    this.writer = new CollectionsWriter(runner, options.writeBatchSize);
    this.writeGuard = writeGuard;
    this.mapping = mapping;
    this.maps = valueMaps(mapping);
    this.meter = meter;
  }

  async writeTossUp(updates: readonly TossUpUpdate[]): Promise<WriteOutcome[]> {
    const raced = await this.changedSinceRead(updates);
    const { outcomes, work } = personUpdateWork(updates, 'toss-up fields', (u) =>
      // Nothing changed, nothing to send; the record itself is made when its call is.
      raced.has(u.leadId) || (!this.writesAny(u.fields) && !u.sla) ? undefined : () => this.updateRecord(u),
    );
    this.meter.recordsUpdated += work.length;
    await this.writer.send(work, outcomes, 'update', updateRequest);
    this.writeGuard?.settled();
    updates.forEach((u, i) => {
      if (raced.has(u.leadId)) outcomes[i] = changedSinceReadOutcome(u.leadId, 'read');
    });
    return outcomes;
  }

  /** Leads and Contacts of `updates` someone else changed after they were read (write-guard.ts). */
  private async changedSinceRead(updates: readonly TossUpUpdate[]): Promise<Set<string>> {
    if (!this.writeGuard) return new Set();
    return this.writeGuard.changedSinceRead(idsByPersonObject(updates));
  }

  async createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = new Array(tasks.length);
    const keyField = this.mapping.tasks.keyField;
    // One key twice in a call would be refused as DUPLICATE_EXTERNAL_ID; it is one task anyway.
    const firstOfKey = new Map<string, number>();
    const work: Work[] = [];
    tasks.forEach((t, index) => {
      if (firstOfKey.has(t.key)) return;
      firstOfKey.set(t.key, index);
      work.push({ index, make: () => this.taskRecord(t), ref: t.key });
    });
    this.meter.tasksUpserted += work.length;
    await this.writer.send(work, outcomes, 'task upsert', (records) => ({
      method: 'PATCH',
      path: `/composite/sobjects/Task/${encodeURIComponent(keyField)}`,
      body: { allOrNone: false, records },
    }));
    tasks.forEach((t, index) => {
      const first = firstOfKey.get(t.key)!;
      if (first !== index) outcomes[index] = outcomes[first]!;
    });
    return outcomes;
  }

  /** Whether `updateRecord` carries any field besides `attributes` and `Id`. */
  private writesAny(f: TossUpFieldValues): boolean {
    for (const [field, value] of Object.entries(f)) {
      if (value !== undefined && (field !== 'ownerId' || this.mapping.writeBack.owner)) return true;
    }
    return false;
  }

  /** Only the changed fields, mapped to the org's names and picklist values. */
  private updateRecord(u: TossUpUpdate): SfRecord {
    const w = this.mapping.writeBack;
    const f = u.fields;
    const r: SfRecord = { attributes: { type: u.objectType }, Id: u.leadId };
    if (f.flag !== undefined) r[w.flag] = this.maps.flagToOrg[f.flag];
    if (f.reason !== undefined) r[w.reason] = fitText(f.reason, w.reasonMaxLength);
    if (f.nextAction !== undefined) r[w.nextAction] = this.maps.nextActionToOrg[f.nextAction];
    if (f.attributeScore !== undefined) r[w.attributeScore] = f.attributeScore;
    if (f.behaviourScore !== undefined) r[w.behaviourScore] = f.behaviourScore;
    if (f.dueAt !== undefined) r[w.dueAt] = f.dueAt;
    if (f.decisionKey !== undefined) r[w.decisionKey] = f.decisionKey;
    if (f.ownerId !== undefined && w.owner) r[w.owner] = f.ownerId;
    // A new hand-off's first SLA status, as the sweep writes it (episodes.ts `writeSlaFields`).
    if (u.sla) {
      r[this.mapping.sla.status] = u.sla.status;
      r[this.mapping.sla.firstResponseAt] = u.sla.firstResponseAt;
    }
    return r;
  }

  private taskRecord(t: FollowUpTask): SfRecord {
    const m = this.mapping.tasks;
    return {
      attributes: { type: 'Task' },
      [m.keyField]: t.key,
      OwnerId: t.ownerId,
      WhoId: t.leadId,
      Subject: fitText(t.subject, SUBJECT_MAX),
      Description: fitText(t.body, DESCRIPTION_MAX),
      // A date: the business date in the SLA time zone, sent as is (Salesforce stores it at UTC midnight).
      ActivityDate: t.dueDate,
      Status: m.status,
      Priority: m.priorities[t.priority],
      ...(m.reminder ? { ReminderDateTime: t.dueAt, IsReminderSet: true } : {}),
    };
  }
}
