import { CrmError, FailureKind } from '../../src/domain/errors.ts';
import { fitText } from '../../src/domain/text-length.ts';
import type {
  FollowUpTask,
  LeadSink,
  TossUpFieldValues,
  TossUpUpdate,
  WriteOutcome,
} from '../../src/ports/lead-sink.ts';
import { sendIsolatingBadInputs } from './batch-split.ts';
import {
  type ClassifyContext,
  classifyBatchError,
  classifyFailure,
  type HubspotFailure,
  toCrmError,
} from './classify-error.ts';
import { type BatchAnswer, type BatchErrorEntry, type HubspotClient, HubspotHttpError } from './client.ts';
import { chunks, type PortalMemo } from './company-facts.ts';
import type { HubspotMapping, OptionMaps } from './mapping.ts';
import type { OwnerDirectory } from './owner-directory.ts';
import type { RequestRunner } from './request-runner.ts';
import { findTasksByKey } from './tasks-by-key.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * `LeadSink` for HubSpot contacts: toss-up fields by batch update (100 per call, only the fields
 * given), follow-up tasks by batch create (100 per call) with the task→contact association inline.
 *
 * Exactly one task per `FollowUpTask.key`, under retries, redelivery, crashes and concurrent runs:
 * HubSpot has no task upsert that is safe here (upsert would overwrite a task a rep already
 * worked, and cannot carry the association), so every task carries its key in a UNIQUE-value task
 * property. A repeat of the same key — our retry after a 5xx whose request did succeed, the next
 * run after a crash between task and flag, another run at the same moment — is refused by HubSpot
 * with a conflict naming the existing task, which this sink reports as success (`created: false`,
 * that task's id). That is also why task creation may be retried at all (request-runner.ts).
 */

export interface HubspotLeadSinkOptions {
  client: HubspotClient;
  runner: RequestRunner;
  meter: UsageMeter;
  mapping: HubspotMapping;
  options: OptionMaps;
  owners: OwnerDirectory;
  /** Remembers between runs that the task key property was checked (the portal cache). */
  memo?: PortalMemo;
  /** How long a remembered check is trusted. */
  memoMaxAgeMs: number;
  now: () => number;
}

export interface UpdateItem {
  /** The record id. */
  key: string;
  properties: Record<string, string>;
}

interface TaskItem {
  key: string;
  contactId: string;
  properties: Record<string, string>;
}

const BATCH = 100;

export class HubspotLeadSink implements LeadSink {
  /** The SLA status of a new hand-off goes with its toss-up fields (`TossUpUpdate.sla`). */
  readonly writesSlaStatus = true;
  readonly crm = 'hubspot' as const;
  private readonly o: HubspotLeadSinkOptions;
  private readonly classify: ClassifyContext;
  private keyPropertyChecked: Promise<void> | undefined;

  constructor(options: HubspotLeadSinkOptions) {
    this.o = options;
    const w = options.mapping.writeBack;
    this.classify = { mappedEnumerations: new Set([w.flag, w.nextAction, options.mapping.sla.status]) };
  }

  // ---- toss-up fields ------------------------------------------------------------------------

  async writeTossUp(updates: readonly TossUpUpdate[]): Promise<WriteOutcome[]> {
    // One input per contact: HubSpot refuses a batch naming an id twice.
    const merged = new Map<string, TossUpFieldValues>();
    const slaOf = new Map<string, NonNullable<TossUpUpdate['sla']>>();
    for (const u of updates) {
      merged.set(u.leadId, { ...merged.get(u.leadId), ...u.fields });
      if (u.sla) slaOf.set(u.leadId, u.sla);
    }
    const outcomes = new Map<string, WriteOutcome>();
    const items: UpdateItem[] = [];
    const sla = this.o.mapping.sla;
    for (const [leadId, fields] of merged) {
      const built = await this.contactProperties(leadId, fields);
      if ('fail' in built) {
        outcomes.set(leadId, built.fail);
        continue;
      }
      // A new hand-off's first SLA status, as the sweep writes it (episodes.ts `writeSlaFields`).
      const first = slaOf.get(leadId);
      if (first) {
        built.properties[sla.status] = sla.statusOptions[first.status].value;
        built.properties[sla.firstResponseAt] = '';
      }
      if (Object.keys(built.properties).length === 0) outcomes.set(leadId, { ok: true, id: leadId });
      else items.push({ key: leadId, properties: built.properties });
    }
    for (const [k, v] of await this.updateRecords('contacts', items)) outcomes.set(k, v);
    return updates.map(
      (u) =>
        outcomes.get(u.leadId) ??
        failed(u.leadId, FailureKind.Transient, 'no_result', 'HubSpot returned no result for this contact'),
    );
  }

  /**
   * Batch update (100 per call) of records by id with properties already in portal form, one
   * outcome per id: the toss-up fields, and the sweep's SLA fields, owner changes and task closes
   * (episodes.ts). Ids must be distinct (HubSpot refuses a batch naming one twice).
   */
  async updateRecords(
    type: 'contacts' | 'tasks',
    items: readonly UpdateItem[],
  ): Promise<Map<string, WriteOutcome>> {
    if (type === 'contacts') this.o.meter.noteContactsWritten(items.length);
    const out = new Map<string, WriteOutcome>();
    const results = await Promise.all(chunks(items, BATCH).map((chunk) => this.updateBatch(type, chunk)));
    for (const r of results) for (const [k, v] of r) out.set(k, v);
    return out;
  }

  private updateBatch(type: 'contacts' | 'tasks', items: UpdateItem[]): Promise<Map<string, WriteOutcome>> {
    const what = `${type === 'contacts' ? 'contact' : 'task'} batch update`;
    return sendIsolatingBadInputs(items, {
      send: async (batch) => {
        const answer = await this.o.runner.run(
          {
            endpoint: `${type}.batch.update`,
            what,
            kind: 'general',
            // Absolute values: writing them twice is the same as once.
            safeToRepeat: true,
            classify: this.classify,
          },
          () =>
            this.o.client.batchUpdate(
              type,
              batch.map((i) => ({ id: i.key, properties: i.properties, traceId: i.key })),
            ),
        );
        return this.perRecord(batch, answer, (r) => r.id);
      },
      isRecordRefusal: (f) => this.isRecordRefusal(f, what),
      refuse: (item, f) => refusal(item.key, f, this.classify),
    });
  }

  private async contactProperties(
    leadId: string,
    fields: TossUpFieldValues,
  ): Promise<{ properties: Record<string, string> } | { fail: WriteOutcome }> {
    const w = this.o.mapping.writeBack;
    const maps = this.o.options;
    const out: Record<string, string> = {};
    if (fields.flag !== undefined) out[w.flag] = maps.flagToPortal[fields.flag];
    if (fields.nextAction !== undefined) out[w.nextAction] = maps.nextActionToPortal[fields.nextAction];
    if (fields.reason !== undefined) out[w.reason] = fitText(fields.reason, w.reasonMaxLength);
    for (const key of ['attributeScore', 'behaviourScore'] as const) {
      const v = fields[key];
      if (v === undefined) continue;
      if (!Number.isFinite(v))
        return { fail: failed(leadId, FailureKind.InvalidRecord, 'invalid_score', `${key} is not a number`) };
      out[w[key]] = plainNumber(v);
    }
    // `""` clears a HubSpot value: a new episode without an SLA has no due date.
    if (fields.dueAt !== undefined) {
      const due = fields.dueAt === null ? Number.NaN : Date.parse(fields.dueAt);
      if (fields.dueAt !== null && Number.isNaN(due)) {
        return {
          fail: failed(
            leadId,
            FailureKind.InvalidRecord,
            'invalid_due',
            `the due time "${fields.dueAt}" is not a date-time`,
          ),
        };
      }
      out[w.dueAt] = fields.dueAt === null ? '' : new Date(due).toISOString();
    }
    if (fields.decisionKey !== undefined) out[w.decisionKey] = fields.decisionKey;
    if (fields.ownerId !== undefined && w.owner) {
      const owner = await this.o.owners.resolve(fields.ownerId);
      if (!owner.ok)
        return { fail: failed(leadId, FailureKind.InvalidRecord, 'invalid_owner', owner.reason) };
      out[w.owner] = owner.ownerId;
    }
    return { properties: out };
  }

  // ---- tasks ---------------------------------------------------------------------------------

  async createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]> {
    if (tasks.length === 0) return [];
    await this.checkKeyProperty();
    const outcomes = new Map<string, WriteOutcome>();
    const items: TaskItem[] = [];
    const seen = new Set<string>();
    for (const t of tasks) {
      if (seen.has(t.key)) continue; // The same key twice in one call is one task.
      seen.add(t.key);
      if (Number.isNaN(Date.parse(t.dueAt))) {
        outcomes.set(
          t.key,
          failed(
            t.leadId,
            FailureKind.InvalidRecord,
            'invalid_due',
            `the task's due time "${t.dueAt}" is not a date-time`,
          ),
        );
        continue;
      }
      const owner = await this.o.owners.resolve(t.ownerId);
      if (!owner.ok) {
        outcomes.set(t.key, failed(t.leadId, FailureKind.InvalidRecord, 'invalid_owner', owner.reason));
        continue;
      }
      items.push({ key: t.key, contactId: t.leadId, properties: this.taskProperties(t, owner.ownerId) });
    }
    this.o.meter.noteTasksRequested(items.length);
    const results = await Promise.all(chunks(items, BATCH).map((chunk) => this.createBatch(chunk)));
    for (const r of results) for (const [k, v] of r) outcomes.set(k, v);
    return tasks.map(
      (t) =>
        outcomes.get(t.key) ??
        failed(t.leadId, FailureKind.Transient, 'no_result', 'HubSpot returned no result for this task'),
    );
  }

  private taskProperties(t: FollowUpTask, ownerId: string): Record<string, string> {
    const cfg = this.o.mapping.tasks;
    return {
      hs_task_subject: t.subject,
      hs_task_body: plainTextToHtml(t.body),
      hs_timestamp: new Date(t.dueAt).toISOString(),
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: cfg.priorities[t.priority],
      hs_task_type: cfg.type,
      hubspot_owner_id: ownerId,
      [cfg.keyProperty]: t.key,
    };
  }

  private createBatch(items: TaskItem[]): Promise<Map<string, WriteOutcome>> {
    const keyProperty = this.o.mapping.tasks.keyProperty;
    return sendIsolatingBadInputs(items, {
      send: async (batch) => {
        let answer: BatchAnswer;
        try {
          answer = await this.o.runner.run(
            {
              endpoint: 'tasks.batch.create',
              what: 'task batch create',
              kind: 'general',
              // Safe only because the key property is unique: a repeat is refused as a conflict.
              safeToRepeat: true,
            },
            () =>
              this.o.client.batchCreateTasks(
                batch.map((i) => ({ properties: i.properties, contactId: i.contactId, traceId: i.key })),
              ),
          );
        } catch (e) {
          // Some portals may refuse a whole batch on one taken key instead of answering 207.
          if (e instanceof HubspotHttpError && e.failure.status === 409)
            return this.createAroundExisting(batch);
          throw e;
        }
        const byKey = (r: { properties: Record<string, string | null> }) =>
          r.properties[keyProperty] ?? undefined;
        const outcomes = this.perRecord(batch, answer, byKey, (_item, id) => ({
          ok: true,
          id,
          created: true,
        }));
        // Conflicts on the key: the task exists (an earlier attempt or run made it) — that is success.
        const missingIds: TaskItem[] = [];
        for (const item of batch) {
          const o = outcomes.get(item.key);
          if (o && !o.ok && o.code === 'task_exists') {
            const existing = existingIdOf(answer.errors, item.key);
            if (existing) outcomes.set(item.key, { ok: true, id: existing, created: false });
            else missingIds.push(item);
          }
        }
        if (missingIds.length > 0) {
          const found = await this.findTasksByKey(missingIds.map((i) => i.key));
          for (const item of missingIds) {
            const id = found.get(item.key);
            outcomes.set(
              item.key,
              id
                ? { ok: true, id, created: false }
                : failed(
                    item.contactId,
                    FailureKind.Transient,
                    'task_exists',
                    'HubSpot reports the task key as taken but the task was not found yet (search index lag); the next run settles it',
                  ),
            );
          }
        }
        return outcomes;
      },
      isRecordRefusal: (f) => {
        if (keyPropertyGone(f, keyProperty)) throw this.forgetKeyCheck();
        return this.isRecordRefusal(f, 'task batch create');
      },
      refuse: (item, f) => refusal(item.contactId, f, {}),
    });
  }

  /**
   * The key property was checked (maybe runs ago, see the memo) but HubSpot says it no longer
   * exists: forget the check, so the next run reads the property again instead of trusting the
   * memo, and stop creating tasks with the same advice the check gives. Nothing is created, so
   * nothing is lost: the caller records the refusal and its next run retries the step.
   */
  private forgetKeyCheck(): CrmError {
    if (this.o.memo) delete this.o.memo.taskKey;
    this.keyPropertyChecked = undefined;
    return keyPropertyError(this.o.mapping.tasks.keyProperty, 'task_key_missing');
  }

  /** Fallback for a whole-batch 409: find the keys that exist, create only the others. */
  private async createAroundExisting(batch: TaskItem[]): Promise<Map<string, WriteOutcome>> {
    const found = await this.findTasksByKey(batch.map((i) => i.key));
    const out = new Map<string, WriteOutcome>();
    for (const item of batch) {
      const id = found.get(item.key);
      if (id) out.set(item.key, { ok: true, id, created: false });
    }
    const rest = batch.filter((i) => !found.has(i.key));
    if (rest.length === batch.length) {
      // The conflict is not about the key (or the index lags): report rather than loop.
      for (const item of rest)
        out.set(
          item.key,
          failed(
            item.contactId,
            FailureKind.InvalidRecord,
            'conflict',
            'HubSpot refused the task as a conflict',
          ),
        );
      return out;
    }
    if (rest.length > 0) for (const [k, v] of await this.createBatch(rest)) out.set(k, v);
    return out;
  }

  /** Task ids by key, through search (100 keys per call). */
  private findTasksByKey(keys: readonly string[]): Promise<Map<string, string>> {
    return findTasksByKey(this.o, this.o.mapping.tasks.keyProperty, keys);
  }

  /** Once per connector: the key property must exist on tasks and hold unique values. */
  private checkKeyProperty(): Promise<void> {
    this.keyPropertyChecked ??= (async () => {
      const name = this.o.mapping.tasks.keyProperty;
      const remembered = this.o.memo?.taskKey;
      if (remembered?.property === name && this.o.now() - remembered.at <= this.o.memoMaxAgeMs) return;
      const def = await this.o.runner.run(
        { endpoint: 'properties.get', what: 'task key property read', kind: 'general', safeToRepeat: true },
        () => this.o.client.getProperty('tasks', name),
      );
      if (!def?.hasUniqueValue)
        throw keyPropertyError(name, def ? 'task_key_not_unique' : 'task_key_missing');
      if (this.o.memo) this.o.memo.taskKey = { at: this.o.now(), property: name };
    })();
    this.keyPropertyChecked.catch(() => {
      this.keyPropertyChecked = undefined;
    });
    return this.keyPropertyChecked;
  }

  // ---- shared --------------------------------------------------------------------------------

  /**
   * One outcome per input from a 200/207 answer: success when the input is among the results; the
   * matching `errors[]` entry (by id, by trace id) otherwise.
   */
  private perRecord<I extends { key: string; contactId?: string }>(
    batch: readonly I[],
    answer: BatchAnswer,
    keyOf: (r: { id: string; properties: Record<string, string | null> }) => string | undefined,
    success: (item: I, id: string) => WriteOutcome = (item) => ({ ok: true, id: item.key }),
  ): Map<string, WriteOutcome> {
    const out = new Map<string, WriteOutcome>();
    const ok = new Map<string, string>();
    for (const r of answer.results) {
      const key = keyOf(r);
      if (key !== undefined) ok.set(key, r.id);
    }
    const keyProperty = this.o.mapping.tasks.keyProperty;
    for (const item of batch) {
      const id = ok.get(item.key);
      if (id !== undefined) {
        out.set(item.key, success(item, id));
        continue;
      }
      const error = answer.errors.find((e) => errorMentions(e, item.key, item.contactId));
      const recordId = item.contactId ?? item.key;
      if (!error) {
        out.set(
          item.key,
          failed(
            recordId,
            FailureKind.Transient,
            'no_result',
            'HubSpot returned neither a result nor an error for this record',
          ),
        );
        continue;
      }
      if (error.category === 'CONFLICT' && conflictOn(error, keyProperty)) {
        out.set(item.key, failed(recordId, FailureKind.InvalidRecord, 'task_exists', error.message));
        continue;
      }
      const c = classifyBatchError(error.category, this.classify, error.propertyIssues);
      if (c.kind === FailureKind.Config)
        throw toCrmError(c, 'write', { status: 400, propertyIssues: error.propertyIssues });
      out.set(item.key, failed(recordId, c.kind, c.code, error.message));
    }
    return out;
  }

  /** A whole-batch failure: config problems stop the run; record-value problems are split out. */
  private isRecordRefusal(f: HubspotFailure, what: string): boolean {
    const c = classifyFailure(f, this.classify);
    if (c.kind === FailureKind.Config) throw toCrmError(c, what, f);
    if (f.status === 400 && c.kind === FailureKind.InvalidRecord) return true;
    throw toCrmError(c, what, f);
  }
}

function keyPropertyError(name: string, code: 'task_key_missing' | 'task_key_not_unique'): CrmError {
  return new CrmError(
    `HubSpot task property "${name}" ${code === 'task_key_not_unique' ? 'does not require unique values' : 'does not exist'}: without it a retried task could be created twice, so no task is created — run "tossup setup hubspot" (or create it as a single-line text property with "unique values")`,
    { kind: FailureKind.Config, crm: 'hubspot', code },
  );
}

/** A create refused because the task key property is not in the portal (400 `PROPERTY_DOESNT_EXIST`). */
function keyPropertyGone(f: HubspotFailure, keyProperty: string): boolean {
  return (
    f.status === 400 &&
    (f.propertyIssues ?? []).some((i) => i.name === keyProperty && i.code === 'PROPERTY_DOESNT_EXIST')
  );
}

function refusal(recordId: string, f: HubspotFailure, ctx: ClassifyContext): WriteOutcome {
  const c = classifyFailure(f, ctx);
  const issues = (f.propertyIssues ?? []).map((i) => `${i.name}: ${i.message}`).join('; ');
  return failed(
    recordId,
    c.kind,
    c.code,
    issues || f.message || `HubSpot refused the record (HTTP ${f.status})`,
  );
}

function failed(id: string, kind: FailureKind, code: string, message: string): WriteOutcome {
  return { ok: false, id, kind, code, message };
}

function errorMentions(e: BatchErrorEntry, key: string, contactId: string | undefined): boolean {
  const lists = [e.context.ids, e.context.id, e.context.objectWriteTraceId, e.context.fromObjectId];
  return lists.some((l) => l?.includes(key) || (contactId !== undefined && l?.includes(contactId)));
}

function conflictOn(e: BatchErrorEntry, keyProperty: string): boolean {
  return (e.context.propertyName?.includes(keyProperty) ?? false) || e.message.includes(keyProperty);
}

/** The id of the task holding `key`, from a conflict entry (`context.existingId` or the message). */
function existingIdOf(errors: readonly BatchErrorEntry[], key: string): string | undefined {
  const e = errors.find((x) => x.category === 'CONFLICT' && x.context.objectWriteTraceId?.includes(key));
  if (!e) return undefined;
  return e.context.existingId?.[0] ?? /Existing ID:\s*(\d+)/i.exec(e.message)?.[1];
}

/** HubSpot number properties refuse "1,200" and padded values: plain numerals only. */
function plainNumber(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** `hs_task_body` is rich text: escape, keep the line breaks of the hand-off note. */
export function plainTextToHtml(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped
    .split(/\r?\n/)
    .map((line) => (line === '' ? '<br>' : `<p>${line}</p>`))
    .join('');
}
