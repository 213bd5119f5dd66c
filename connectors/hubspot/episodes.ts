import { FailureKind } from '../../src/domain/errors.ts';
import type { FirstResponseActivity } from '../../src/episodes/episode.ts';
import type {
  ApprovalFacts,
  EpisodeCrm,
  EpisodeFacts,
  EpisodeRef,
  SlaFieldUpdate,
  TaskClosure,
} from '../../src/ports/episode-crm.ts';
import type { FollowUpTask, WriteOutcome } from '../../src/ports/lead-sink.ts';
import { readApprovals } from './approvals.ts';
import type { CrmObjectType, EngagementType, HubspotClient, HubspotRecord } from './client.ts';
import { chunks } from './company-facts.ts';
import type { HubspotMapping } from './mapping.ts';
import type { OwnerDirectory } from './owner-directory.ts';
import type { RequestRunner } from './request-runner.ts';
import { type HubspotLeadSink, plainTextToHtml, type UpdateItem } from './sink.ts';
import { findTasksByKey } from './tasks-by-key.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * `EpisodeCrm` for HubSpot (issue 13): what the SLA sweep reads and writes after the hand-off.
 *
 * Facts for N episodes cost, whatever N (BEHAVIOR.md §12):
 *   4·⌈C/1000⌉ v4 association batch reads (contacts → tasks, calls, emails, meetings; C contacts)
 *   + ⌈T/100⌉ task batch reads (T = the contacts' tasks ∪ the toss-up task ids)
 *   + ⌈K/100⌉ + ⌈E/100⌉ + ⌈M/100⌉ call, e-mail and meeting batch reads
 *   + ⌈G/100⌉ contact batch reads (G = contacts with no association at all: deleted, or bare)
 *   + ⌈U/100⌉ task searches by key (U = episodes without a task id whose task is not on the contact)
 *   + one more association read per 500 activities of one type on one contact
 *   + the owner list once per connector (500 owners per call; kept 6 h in the facts cache file).
 * 1,000 episodes with one toss-up task each and a few hundred logged activities: 4 + 10 + 3 + 1 = 18.
 * Never one call per episode.
 *
 * First response = the earliest of: a call, a meeting, an e-mail SENT by the owner (not a reply from
 * the contact), or another task the owner completed — owned by the episode's owner
 * (`hubspot_owner_id`), at or after `since`. Tasks carrying a toss-up key are the connector's own
 * (manager tasks, other episodes' toss-up tasks it closed) and never count as the rep's response;
 * the episode's own task counts through `taskCompletedAt`.
 */

export interface HubspotEpisodeCrmOptions {
  client: HubspotClient;
  runner: RequestRunner;
  meter: UsageMeter;
  mapping: HubspotMapping;
  owners: OwnerDirectory;
  /** Task creation and contact/task batch updates are the sink's (same de-duplication by key). */
  sink: HubspotLeadSink;
}

const ACTIVITY_TYPES = ['tasks', 'calls', 'emails', 'meetings'] as const satisfies readonly CrmObjectType[];
type ActivityType = (typeof ACTIVITY_TYPES)[number];

const ACTIVITY_OF: Readonly<Record<EngagementType, FirstResponseActivity>> = {
  calls: 'call',
  emails: 'email',
  meetings: 'meeting',
};

/** v4 batch association reads take up to 1,000 ids (crm-apis.md; the emulator enforces it). */
const ASSOCIATION_BATCH = 1000;
const READ_BATCH = 100;

/** Engagement properties read: when, who, when logged; an e-mail's direction tells a reply from a send. */
const ENGAGEMENT_PROPERTIES = ['hs_timestamp', 'hubspot_owner_id', 'hs_createdate'];
const TASK_PROPERTIES = [
  'hs_task_status',
  'hs_task_completion_date',
  'hs_timestamp',
  'hubspot_owner_id',
  'hs_createdate',
  'hs_lastmodifieddate',
];

interface Activity {
  type: EngagementType | 'tasks';
  record: HubspotRecord;
}

export class HubspotEpisodeCrm implements EpisodeCrm {
  /** Four association reads serve up to 1,000 contacts: smaller sweep batches repeat them. */
  readonly batchSize = ASSOCIATION_BATCH;
  private readonly o: HubspotEpisodeCrmOptions;

  constructor(options: HubspotEpisodeCrmOptions) {
    this.o = options;
  }

  // ---- facts ---------------------------------------------------------------------------------

  async readFacts(refs: readonly EpisodeRef[]): Promise<EpisodeFacts[]> {
    if (refs.length === 0) return [];
    const sinceOf = new Map<string, number>();
    for (const ref of refs) {
      const since = Date.parse(ref.since);
      if (Number.isNaN(since)) throw new Error(`episode ${ref.key}: since "${ref.since}" is not a date-time`);
      sinceOf.set(ref.key, since);
    }
    const contactIds = [...new Set(refs.map((r) => r.leadId))];
    this.o.meter.noteEpisodesChecked(refs.length, contactIds.length);

    // 1. Which activities hang off each contact (four reads per 1,000 contacts, in parallel), and
    // the owners as HubSpot writes them on activities (the sink accepts a user id and translates it).
    const linked = new Map<ActivityType, Map<string, string[]>>();
    const withAny = new Set<string>();
    const ownerOf = new Map<string, string>();
    await Promise.all([
      ...ACTIVITY_TYPES.map(async (type) => {
        const byContact = await this.associated(type, contactIds);
        linked.set(type, byContact);
        for (const id of byContact.keys()) withAny.add(id);
      }),
      ...[...new Set(refs.map((r) => r.ownerId))].map(async (id) => {
        const owner = await this.o.owners.resolve(id);
        // A deactivated owner is no longer listed; their activities still carry the id as given.
        ownerOf.set(id, owner.ok ? owner.ownerId : id);
      }),
    ]);

    // 2. The activities themselves (100 per call), the toss-up tasks included even when detached.
    const keyProperty = this.o.mapping.tasks.keyProperty;
    const taskIds = new Set<string>();
    for (const ids of linked.get('tasks')!.values()) for (const id of ids) taskIds.add(id);
    for (const r of refs) if (r.taskId) taskIds.add(r.taskId);
    const [tasks, calls, emails, meetings, gone] = await Promise.all([
      this.readRecords('tasks', [...taskIds], [...TASK_PROPERTIES, keyProperty]),
      this.readRecords('calls', idsOf(linked.get('calls')!), ENGAGEMENT_PROPERTIES),
      this.readRecords('emails', idsOf(linked.get('emails')!), [
        ...ENGAGEMENT_PROPERTIES,
        'hs_email_direction',
      ]),
      this.readRecords('meetings', idsOf(linked.get('meetings')!), ENGAGEMENT_PROPERTIES),
      // 3. A contact with no association at all is deleted, merged away or bare: read those only.
      this.missingContacts(contactIds.filter((id) => !withAny.has(id))),
    ]);
    const records: Readonly<Record<ActivityType, Map<string, HubspotRecord>>> = {
      tasks,
      calls,
      emails,
      meetings,
    };

    // 4. The toss-up task of episodes that do not name it: by key among the contact's tasks, else a search.
    const tossUpTask = new Map<string, string>();
    const unplaced: EpisodeRef[] = [];
    for (const ref of refs) {
      if (ref.taskId) {
        tossUpTask.set(ref.key, ref.taskId);
        continue;
      }
      const own = (linked.get('tasks')!.get(ref.leadId) ?? []).find(
        (id) => tasks.get(id)?.properties[keyProperty] === ref.key,
      );
      if (own) tossUpTask.set(ref.key, own);
      else unplaced.push(ref);
    }
    if (unplaced.length > 0) {
      const found = await this.tasksByKey(unplaced.map((r) => r.key));
      for (const ref of unplaced) {
        const id = found.get(ref.key);
        if (id !== undefined) tossUpTask.set(ref.key, id);
      }
      const unread = [...new Set(found.values())].filter((id) => !tasks.has(id));
      for (const [id, task] of await this.readRecords('tasks', unread, [...TASK_PROPERTIES, keyProperty]))
        tasks.set(id, task);
    }

    return refs.map((ref) => {
      const taskId = tossUpTask.get(ref.key);
      const task = taskId === undefined ? undefined : tasks.get(taskId);
      const activities: Activity[] = [];
      for (const type of ACTIVITY_TYPES) {
        for (const id of linked.get(type)!.get(ref.leadId) ?? []) {
          const record = records[type].get(id);
          if (record && id !== taskId) activities.push({ type, record });
        }
      }
      return {
        key: ref.key,
        taskCompletedAt: task ? completedAt(task) : null,
        firstActivity: earliestResponse(
          activities,
          ownerOf.get(ref.ownerId)!,
          sinceOf.get(ref.key)!,
          keyProperty,
        ),
        recordGone: gone.has(ref.leadId),
      };
    });
  }

  /** contact id → associated ids of `type`, following per-record paging; contacts without any are left out. */
  private async associated(
    type: ActivityType,
    contactIds: readonly string[],
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    await Promise.all(
      chunks(contactIds, ASSOCIATION_BATCH).map(async (chunk) => {
        let ids: readonly string[] = chunk;
        let after: Map<string, string> | undefined;
        while (ids.length > 0) {
          const page = after;
          const answer = await this.o.runner.run(
            {
              endpoint: `associations.contacts-${type}.batch.read`,
              what: `contact→${type} associations`,
              kind: 'general',
              safeToRepeat: true,
            },
            () => this.o.client.batchReadAssociations('contacts', type, ids, page),
          );
          for (const r of answer.results) out.set(r.fromId, [...(out.get(r.fromId) ?? []), ...r.toIds]);
          after = new Map(answer.more.map((m) => [m.fromId, m.after]));
          ids = [...after.keys()];
        }
      }),
    );
    return out;
  }

  /** Batch read, 100 per call; ids HubSpot does not find (deleted) are simply absent. */
  private async readRecords(
    type: CrmObjectType,
    ids: readonly string[],
    properties: readonly string[],
  ): Promise<Map<string, HubspotRecord>> {
    const out = new Map<string, HubspotRecord>();
    await Promise.all(
      chunks(ids, READ_BATCH).map(async (chunk) => {
        const answer = await this.o.runner.run(
          { endpoint: `${type}.batch.read`, what: `${type} batch read`, kind: 'general', safeToRepeat: true },
          () => this.o.client.batchRead(type, chunk, properties),
        );
        for (const r of answer.results) out.set(r.id, r);
      }),
    );
    return out;
  }

  /**
   * Of these contacts, the ones HubSpot no longer has. A merged-away id comes back as the surviving
   * record under ANOTHER id, so "gone" is: no result carrying the id asked for.
   */
  private async missingContacts(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = await this.readRecords('contacts', ids, ['hs_object_id']);
    return new Set(ids.filter((id) => !found.has(id)));
  }

  private tasksByKey(keys: readonly string[]): Promise<Map<string, string>> {
    return findTasksByKey(this.o, this.o.mapping.tasks.keyProperty, keys);
  }

  /** The manager's approval properties (connectors/hubspot/approvals.ts). */
  readApprovals(refs: readonly EpisodeRef[]): Promise<ApprovalFacts[]> {
    return readApprovals(this.o, refs);
  }

  // ---- writes --------------------------------------------------------------------------------

  async writeSlaFields(updates: readonly SlaFieldUpdate[]): Promise<WriteOutcome[]> {
    const sla = this.o.mapping.sla;
    const byContact = new Map<string, Record<string, string>>();
    const invalid = new Map<string, WriteOutcome>();
    for (const u of updates) {
      let firstResponse = '';
      if (u.firstResponseAt !== null) {
        const at = Date.parse(u.firstResponseAt);
        if (Number.isNaN(at)) {
          byContact.delete(u.leadId);
          invalid.set(
            u.leadId,
            failed(
              u.leadId,
              'invalid_first_response',
              `the first-response time "${u.firstResponseAt}" is not a date-time`,
            ),
          );
          continue;
        }
        firstResponse = new Date(at).toISOString();
      }
      // `""` clears the time (no response yet); the last update of a contact in one call wins.
      invalid.delete(u.leadId);
      byContact.set(u.leadId, {
        [sla.status]: sla.statusOptions[u.status].value,
        [sla.firstResponseAt]: firstResponse,
      });
    }
    const written = await this.o.sink.updateRecords('contacts', itemsOf(byContact));
    return updates.map((u) => invalid.get(u.leadId) ?? written.get(u.leadId) ?? noResult(u.leadId));
  }

  createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]> {
    return this.o.sink.createTasks(tasks);
  }

  async closeTasks(closures: readonly TaskClosure[]): Promise<WriteOutcome[]> {
    const ids = [...new Set(closures.map((c) => c.taskId))];
    const current = await this.readRecords('tasks', ids, ['hs_task_status', 'hs_task_body']);
    const notes = new Map<string, string[]>();
    for (const c of closures) notes.set(c.taskId, [...(notes.get(c.taskId) ?? []), c.note]);
    const toClose = new Map<string, Record<string, string>>();
    const done = new Map<string, WriteOutcome>();
    for (const id of ids) {
      const task = current.get(id);
      // Deleted, or completed already (by the rep, or by an earlier close whose answer was lost): closed.
      if (!task || task.properties.hs_task_status === 'COMPLETED') {
        done.set(id, { ok: true, id });
        continue;
      }
      const note = plainTextToHtml([...new Set(notes.get(id))].join('\n'));
      toClose.set(id, {
        hs_task_status: 'COMPLETED',
        hs_task_body: `${task.properties.hs_task_body ?? ''}${note}`,
      });
    }
    const written = await this.o.sink.updateRecords('tasks', itemsOf(toClose));
    return closures.map((c) => done.get(c.taskId) ?? written.get(c.taskId) ?? noResult(c.taskId));
  }

  async reassign(
    updates: readonly { leadId: string; objectType: string; ownerId: string }[],
  ): Promise<WriteOutcome[]> {
    const ownerProperty = this.o.mapping.contact.owner;
    const byContact = new Map<string, Record<string, string>>();
    const invalid = new Map<string, WriteOutcome>();
    // The last update of a contact in one call wins, as in `writeSlaFields`.
    for (const u of updates) {
      const owner = await this.o.owners.resolve(u.ownerId);
      if (owner.ok) {
        invalid.delete(u.leadId);
        byContact.set(u.leadId, { [ownerProperty]: owner.ownerId });
      } else {
        byContact.delete(u.leadId);
        invalid.set(u.leadId, failed(u.leadId, 'invalid_owner', owner.reason));
      }
    }
    const written = await this.o.sink.updateRecords('contacts', itemsOf(byContact));
    return updates.map((u) => invalid.get(u.leadId) ?? written.get(u.leadId) ?? noResult(u.leadId));
  }
}

/** The earliest response by `ownerId` at or after `since`, or null. */
function earliestResponse(
  activities: readonly Activity[],
  ownerId: string,
  since: number,
  keyProperty: string,
): { at: string; activity: FirstResponseActivity } | null {
  let best: { at: number; activity: FirstResponseActivity } | null = null;
  for (const { type, record } of activities) {
    const p = record.properties;
    if (p.hubspot_owner_id !== ownerId) continue;
    let at: number;
    let activity: FirstResponseActivity;
    if (type === 'tasks') {
      if (p[keyProperty] || p.hs_task_status !== 'COMPLETED') continue;
      at = Date.parse(p.hs_task_completion_date ?? p.hs_lastmodifieddate ?? '');
      activity = 'other';
    } else {
      if (type === 'emails' && p.hs_email_direction === 'INCOMING_EMAIL') continue;
      at = Date.parse(p.hs_timestamp ?? '');
      // A meeting booked ahead counts from the booking (when it was logged), not from its start.
      const logged = Date.parse(p.hs_createdate ?? '');
      if (type === 'meetings' && logged < at) at = logged;
      activity = ACTIVITY_OF[type];
    }
    if (Number.isNaN(at) || at < since) continue;
    if (!best || at < best.at) best = { at, activity };
  }
  return best ? { at: new Date(best.at).toISOString(), activity: best.activity } : null;
}

function completedAt(task: HubspotRecord): string | null {
  const p = task.properties;
  if (p.hs_task_status !== 'COMPLETED') return null;
  // Portals always set the completion date on completion; the modification time is a fallback only.
  const at = Date.parse(p.hs_task_completion_date ?? p.hs_lastmodifieddate ?? '');
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

function idsOf(byContact: ReadonlyMap<string, readonly string[]>): string[] {
  const out = new Set<string>();
  for (const ids of byContact.values()) for (const id of ids) out.add(id);
  return [...out];
}

function itemsOf(byId: ReadonlyMap<string, Record<string, string>>): UpdateItem[] {
  return [...byId].map(([key, properties]) => ({ key, properties }));
}

function failed(id: string, code: string, message: string): WriteOutcome {
  return { ok: false, id, kind: FailureKind.InvalidRecord, code, message };
}

function noResult(id: string): WriteOutcome {
  return {
    ok: false,
    id,
    kind: FailureKind.Transient,
    code: 'no_result',
    message: 'HubSpot returned no result for this record',
  };
}
