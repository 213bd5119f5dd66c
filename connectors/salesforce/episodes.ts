import { FailureKind } from '../../src/domain/errors.ts';
import { fitText } from '../../src/domain/text-length.ts';
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
import type { CallRunner } from './call-runner.ts';
import { prefetchFirstPages, queryAllRows, RestQuery } from './change-streams.ts';
import {
  CollectionsWriter,
  failure,
  personUpdateWork,
  type SfRecord,
  updateRequest,
  type Work,
} from './collections-writer.ts';
import type { SalesforceMapping } from './mapping.ts';
import type { SfRow } from './record-to-lead.ts';
import type { SalesforceLeadSink } from './sink.ts';
import {
  chunkIdsForUrl,
  closedTasksByIdSoql,
  eventsByWhoSoql,
  isSalesforceId,
  managersSoql,
  personsExistSoql,
  tasksByWhoSoql,
} from './soql.ts';
import type { UsageMeter } from './usage-meter.ts';
import { changedSinceReadOutcome, idsByPersonObject, type WriteGuard } from './write-guard.ts';

/**
 * The Salesforce side of the SLA sweep (src/ports/episode-crm.ts; BEHAVIOR.md §9 has the why):
 * - `readFacts`: per 200 leads/contacts, one Task query and one Event query by `WhoId IN (…)`, page
 *   one of both in one Composite call. The
 *   toss-up task is found by id or by its key field; the first response is the earliest closed Task
 *   or Event of the owner at or after the hand-off. Whether the lead/contact is gone is derived from
 *   the toss-up task: Salesforce deletes a record's activities with it and moves them to the contact
 *   on conversion, so only episodes whose task vanished cost a look-up (`Id IN (…)` per 200).
 * - writes go through sObject Collections (200 per call, one outcome per input, classified like the
 *   sink's); tasks are upserted on the toss-up key by the sink itself. Lead/contact field writes (SLA
 *   fields, owner) skip what others changed since the sync's cursor (write-guard.ts, BEHAVIOR.md "No
 *   echo"): such a record keeps its last modifier, the next sync reads it, a later sweep writes.
 */

const WHO_BATCH = 200;
const DESCRIPTION_MAX = 32_000;
const LEAD_PREFIX = '00Q';
const CONTACT_PREFIX = '003';
const USER_PREFIX = '005';

interface TaskRow {
  Id: string;
  WhoId: string | null;
  OwnerId: string | null;
  IsClosed: boolean;
  CompletedDateTime: string | null;
  LastModifiedDate: string;
  TaskSubtype: string | null;
  Type: string | null;
  [field: string]: unknown;
}

interface EventRow {
  Id: string;
  WhoId: string | null;
  OwnerId: string | null;
  StartDateTime: string | null;
  CreatedDate: string;
}

/** 15 characters identify a record; 18-character ids add a case-safe suffix. */
const idKey = (id: string): string => id.slice(0, 15);

export class SalesforceEpisodeCrm implements EpisodeCrm {
  /**
   * Any batch costs two queries (one Composite call) per 200 ids; a bigger one also gathers the rare gone-record
   * look-ups into fewer calls, so the sweep may hand over 1,000 at a time.
   */
  readonly batchSize = 1000;
  private readonly runner: CallRunner;
  private readonly mapping: SalesforceMapping;
  private readonly sink: SalesforceLeadSink;
  private readonly writer: CollectionsWriter;
  private readonly meter: UsageMeter;
  private readonly writeGuard: WriteGuard | null;

  constructor(
    runner: CallRunner,
    mapping: SalesforceMapping,
    sink: SalesforceLeadSink,
    options: { writeBatchSize: number },
    meter: UsageMeter,
    writeGuard: WriteGuard | null = null,
  ) {
    this.writeGuard = writeGuard;
    this.runner = runner;
    this.mapping = mapping;
    this.sink = sink;
    this.writer = new CollectionsWriter(runner, options.writeBatchSize);
    this.meter = meter;
  }

  async readFacts(refs: readonly EpisodeRef[]): Promise<EpisodeFacts[]> {
    const keyField = this.mapping.tasks.keyField;
    const readable = refs.filter((r) => isSalesforceId(r.leadId));
    this.meter.episodesChecked += readable.length;
    const whoIds = [...new Map(readable.map((r) => [idKey(r.leadId), r.leadId])).values()];
    const tasksByWho = new Map<string, TaskRow[]>();
    const eventsByWho = new Map<string, EventRow[]>();
    const sinceOf = new Map<string, number>();
    for (const r of readable) {
      // An unreadable `since` bounds nothing (and matches no activity below).
      const since = Date.parse(r.since);
      const k = idKey(r.leadId);
      sinceOf.set(
        k,
        Math.min(sinceOf.get(k) ?? Number.POSITIVE_INFINITY, Number.isFinite(since) ? since : 0),
      );
    }
    await Promise.all(
      this.batches(whoIds, (chunk) => tasksByWhoSoql(keyField, chunk, 0)).map(async (chunk) => {
        // Rows older than the earliest hand-off of the chunk cannot be a response: not read.
        const since = Math.min(...chunk.map((id) => sinceOf.get(idKey(id))!));
        // Page one of both in one Composite call (one call against the allowance, not two).
        const taskQuery = this.restQuery(tasksByWhoSoql(keyField, chunk, since), 'Task by WhoId');
        const eventQuery = this.restQuery(eventsByWhoSoql(chunk, since), 'Event by WhoId');
        await prefetchFirstPages(this.runner, [taskQuery, eventQuery]);
        const [tasks, events] = await Promise.all([
          allRows<TaskRow>(taskQuery),
          allRows<EventRow>(eventQuery),
        ]);
        for (const t of tasks) if (t.WhoId) push(tasksByWho, idKey(t.WhoId), t);
        for (const e of events) if (e.WhoId) push(eventsByWho, idKey(e.WhoId), e);
      }),
    );

    const facts = refs.map((ref): EpisodeFacts & { taskSeen: boolean } => {
      const empty = { key: ref.key, taskCompletedAt: null, firstActivity: null, recordGone: false };
      if (!isSalesforceId(ref.leadId)) return { ...empty, taskSeen: true };
      const tasks = tasksByWho.get(idKey(ref.leadId)) ?? [];
      const tossUp = tasks.find((t) => this.isTossUpTask(t, ref));
      const since = Date.parse(ref.since);
      const owner = idKey(ref.ownerId);
      let first: { at: number; activity: FirstResponseActivity } | null = null;
      const consider = (at: number, activity: FirstResponseActivity) => {
        if (at >= since && (first === null || at < first.at)) first = { at, activity };
      };
      for (const t of tasks) {
        // The connector's own tasks (toss-up, manager, reassignment) are not the owner's activity.
        if (t === tossUp || t[keyField] != null || !t.IsClosed || !sameOwner(t.OwnerId, owner)) continue;
        consider(closedAt(t), taskActivity(t));
      }
      for (const e of eventsByWho.get(idKey(ref.leadId)) ?? []) {
        if (!sameOwner(e.OwnerId, owner) || !e.StartDateTime) continue;
        const created = Date.parse(e.CreatedDate);
        const start = Date.parse(e.StartDateTime);
        // A meeting logged after the hand-off counts from when it took place, one booked ahead
        // from when it was booked; one that took place before the hand-off does not count.
        if (created >= since && start >= since) consider(Math.min(created, start), 'meeting');
      }
      const found = first as { at: number; activity: FirstResponseActivity } | null;
      return {
        key: ref.key,
        taskCompletedAt: tossUp?.IsClosed ? iso(closedAt(tossUp)) : null,
        firstActivity: found ? { at: iso(found.at), activity: found.activity } : null,
        recordGone: false,
        taskSeen: tossUp !== undefined,
      };
    });

    const suspects = refs.filter((_, i) => !facts[i]!.taskSeen);
    const gone = suspects.length > 0 ? await this.goneRecords(suspects) : new Set<string>();
    return facts.map(({ taskSeen: _, ...f }, i) => ({ ...f, recordGone: gone.has(idKey(refs[i]!.leadId)) }));
  }

  async writeSlaFields(updates: readonly SlaFieldUpdate[]): Promise<WriteOutcome[]> {
    const sla = this.mapping.sla;
    return this.updatePersons(updates, 'SLA fields', (u) => ({
      [sla.status]: u.status,
      [sla.firstResponseAt]: u.firstResponseAt,
    }));
  }

  createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]> {
    return this.sink.createTasks(tasks);
  }

  /**
   * Reads the tasks first (one query per 200): a closed one is left alone (the note is not appended
   * twice when a sweep is repeated), an open one gets the closed status and the note appended.
   */
  async closeTasks(closures: readonly TaskClosure[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = new Array(closures.length);
    const ids: string[] = [];
    closures.forEach((c, i) => {
      if (isSalesforceId(c.taskId)) ids.push(c.taskId);
      else
        outcomes[i] = failure(
          c.taskId,
          FailureKind.InvalidRecord,
          'MALFORMED_ID',
          `not a Task id: ${c.taskId}`,
        );
    });
    const current = new Map<string, { IsClosed: boolean; Description: string | null }>();
    await Promise.all(
      this.batches([...new Set(ids)], closedTasksByIdSoql).map(async (chunk) => {
        const rows = await this.query<{ Id: string; IsClosed: boolean; Description: string | null }>(
          closedTasksByIdSoql(chunk),
          'Task by id',
        );
        for (const r of rows) current.set(idKey(r.Id), r);
      }),
    );
    const work: (Work & { record: SfRecord })[] = [];
    const firstOf = new Map<string, number>();
    closures.forEach((c, index) => {
      if (outcomes[index]) return;
      const task = current.get(idKey(c.taskId));
      // Gone (deleted) or already closed: nothing is open any more, which is what was asked.
      if (!task || task.IsClosed) {
        outcomes[index] = { ok: true, id: c.taskId };
        return;
      }
      const first = firstOf.get(idKey(c.taskId));
      if (first !== undefined) {
        // Two notes for one task in one call: both lines, one update.
        const record = work[first]!.record;
        record.Description = appendNote(record.Description as string, c.note);
        return;
      }
      firstOf.set(idKey(c.taskId), work.length);
      work.push({
        index,
        ref: c.taskId,
        record: {
          attributes: { type: 'Task' },
          Id: c.taskId,
          Status: this.mapping.tasks.closedStatus,
          Description: appendNote(task.Description ?? '', c.note),
        },
      });
    });
    this.meter.recordsUpdated += work.length;
    await this.writer.send(work, outcomes, 'task close', updateRequest);
    closures.forEach((c, index) => {
      if (outcomes[index]) return;
      outcomes[index] = outcomes[work[firstOf.get(idKey(c.taskId))!]!.index]!;
    });
    return outcomes;
  }

  reassign(
    updates: readonly { leadId: string; objectType: string; ownerId: string }[],
  ): Promise<WriteOutcome[]> {
    const m = this.mapping;
    return this.updatePersons(updates, 'owner', (u) => ({
      [u.objectType === 'Lead' ? m.lead.owner : m.contact.owner]: u.ownerId,
    }));
  }

  /** The manager's approval fields (connectors/salesforce/approvals.ts). */
  readApprovals(refs: readonly EpisodeRef[]): Promise<ApprovalFacts[]> {
    return readApprovals(this.runner, this.mapping, this.meter, refs);
  }

  async managersOf(userIds: readonly string[]): Promise<Map<string, string | null>> {
    const wanted = [
      ...new Map(
        userIds.filter((id) => id.startsWith(USER_PREFIX) && isSalesforceId(id)).map((id) => [idKey(id), id]),
      ).values(),
    ];
    const found = new Map<string, string | null>();
    await Promise.all(
      this.batches(wanted, managersSoql).map(async (chunk) => {
        for (const r of await this.query<{ Id: string; ManagerId: string | null }>(
          managersSoql(chunk),
          'User',
        ))
          found.set(idKey(r.Id), r.ManagerId ?? null);
      }),
    );
    const out = new Map<string, string | null>();
    for (const id of userIds) {
      const k = idKey(id);
      if (found.has(k)) out.set(id, found.get(k)!);
    }
    return out;
  }

  /**
   * Lead/Contact updates through Collections, one outcome per input; other objects are refused, and
   * records others changed since the sync's cursor are held back (`CHANGED_SINCE_READ`).
   */
  private async updatePersons<U extends { leadId: string; objectType: string }>(
    updates: readonly U[],
    what: string,
    fields: (u: U) => Record<string, unknown>,
  ): Promise<WriteOutcome[]> {
    const held = this.writeGuard
      ? await this.writeGuard.changedSinceSync(idsByPersonObject(updates))
      : new Set<string>();
    const { outcomes, work } = personUpdateWork(updates, what, (u) =>
      held.has(u.leadId) ? undefined : { attributes: { type: u.objectType }, Id: u.leadId, ...fields(u) },
    );
    this.meter.recordsUpdated += work.length;
    await this.writer.send(work, outcomes, `${what} update`, updateRequest);
    updates.forEach((u, i) => {
      if (held.has(u.leadId)) outcomes[i] = changedSinceReadOutcome(u.leadId, 'sync');
    });
    return outcomes;
  }

  /**
   * The leads/contacts among `refs` that no longer exist or were converted. `query` leaves deleted
   * rows out; a converted lead stays queryable with IsConverted = true.
   */
  private async goneRecords(refs: readonly EpisodeRef[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (const object of ['Lead', 'Contact'] as const) {
      const ids = [
        ...new Set(
          refs.filter((r) => objectOf(r) === object && isSalesforceId(r.leadId)).map((r) => r.leadId),
        ),
      ];
      const build = (chunk: readonly string[]) => personsExistSoql(object, chunk);
      await Promise.all(
        this.batches(ids, build).map(async (chunk) => {
          for (const r of await this.query<{ Id: string; IsConverted?: boolean }>(
            build(chunk),
            `${object} by id`,
          ))
            if (r.IsConverted !== true) present.add(idKey(r.Id));
        }),
      );
    }
    return new Set(
      refs
        .filter((r) => isSalesforceId(r.leadId) && objectOf(r) !== null && !present.has(idKey(r.leadId)))
        .map((r) => idKey(r.leadId)),
    );
  }

  /**
   * The episode's current task: by id when known (after a reassignment the episode key still names
   * the first owner's task, now closed by the sweep, so the key must not be used then). Without an
   * id, the task upserted on the episode key, if its owner is the episode's owner.
   */
  private isTossUpTask(t: TaskRow, ref: EpisodeRef): boolean {
    if (ref.taskId) return idKey(t.Id) === idKey(ref.taskId);
    const key = t[this.mapping.tasks.keyField];
    // The upsert matches keys case-insensitively, so the lookup does too.
    return (
      typeof key === 'string' &&
      key.toLowerCase() === ref.key.toLowerCase() &&
      sameOwner(t.OwnerId, idKey(ref.ownerId))
    );
  }

  /** Chunks of at most 200 ids that also fit the query URL. */
  private batches(ids: readonly string[], build: (chunk: readonly string[]) => string): string[][] {
    const out: string[][] = [];
    for (let i = 0; i < ids.length; i += WHO_BATCH)
      out.push(...chunkIdsForUrl(ids.slice(i, i + WHO_BATCH), build));
    return out;
  }

  private restQuery(soql: string, what: string): RestQuery {
    return new RestQuery(this.runner, { soql, scanAll: false, batchSize: 2000, what });
  }

  private async query<T>(soql: string, what: string): Promise<T[]> {
    // Counted as episodes checked (usage-meter.ts), not as records read.
    return (await queryAllRows(this.runner, soql, what)) as SfRow[] as unknown as T[];
  }
}

/** Every page of a query whose page one may already be prefetched. */
async function allRows<T>(query: RestQuery): Promise<T[]> {
  const rows: SfRow[] = [];
  do rows.push(...(await query.page()));
  while (!query.done);
  return rows as unknown as T[];
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sameOwner(ownerId: string | null, ownerKey: string): boolean {
  return ownerId !== null && idKey(ownerId) === ownerKey;
}

/** When a closed task was done: CompletedDateTime (API v49+), else its last change. */
function closedAt(t: TaskRow): number {
  return Date.parse(t.CompletedDateTime ?? t.LastModifiedDate);
}

/** TaskSubtype says what the UI logged (Log a Call, e-mail); older orgs only fill the Type picklist. */
function taskActivity(t: TaskRow): FirstResponseActivity {
  const subtype = t.TaskSubtype ?? '';
  if (subtype === 'Call') return 'call';
  if (subtype === 'Email' || subtype === 'ListEmail') return 'email';
  if (subtype === 'Task' || subtype === '') {
    if (t.Type === 'Call') return 'call';
    if (t.Type === 'Email') return 'email';
    if (t.Type === 'Meeting') return 'meeting';
  }
  return 'other';
}

function objectOf(ref: EpisodeRef): 'Lead' | 'Contact' | null {
  if (ref.leadId.startsWith(LEAD_PREFIX)) return 'Lead';
  if (ref.leadId.startsWith(CONTACT_PREFIX)) return 'Contact';
  return ref.objectType === 'Lead' || ref.objectType === 'Contact' ? ref.objectType : null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The note on its own line after what the task already says; the note survives a long description. */
function appendNote(description: string, note: string): string {
  const line = fitText(note, 1000);
  if (description === '') return line;
  return `${fitText(description, DESCRIPTION_MAX - line.length - 1)}\n${line}`;
}
