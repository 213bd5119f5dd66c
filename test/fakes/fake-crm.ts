import { CrmError, type FailureKind } from '../../src/domain/errors.ts';
import type { CrmName, Lead } from '../../src/domain/lead.ts';
import type { ApiUsage, CrmConnector } from '../../src/ports/crm-connector.ts';
import type { FollowUpTask, LeadSink, TossUpUpdate, WriteOutcome } from '../../src/ports/lead-sink.ts';
import type { LeadPage, LeadSource, ReadOptions, SyncCursor } from '../../src/ports/lead-source.ts';

/**
 * An in-memory CRM that honours the same contracts the real connectors must:
 * - the change stream is ordered by (modifiedAt, id) and paged with the inclusive, tie-safe cursor;
 * - every write bumps the record's modifiedAt (like SystemModstamp / lastmodifieddate), so written
 *   leads come back in the next read, and must then plan no change;
 * - deletions appear in the stream as `deletedIds`;
 * - `createTasks` is idempotent per key; outcomes come one per input, in input order;
 * - failures can be injected per record (`failRecord`) or for a whole call (`failCall`, `crashCall`).
 */
export class FakeCrm {
  readonly crm: CrmName;
  pageSize: number;
  readonly records = new Map<string, Lead>();
  readonly tombstones = new Map<string, string>();
  readonly tasks = new Map<string, { id: string; task: FollowUpTask }>();
  readonly calls = { query: 0, update: 0, task: 0 };
  /** Every update as received (field names only matter to the tests). */
  readonly updates: TossUpUpdate[] = [];
  /** createTasks inputs, including repeats that found an existing task. */
  readonly taskRequests: FollowUpTask[] = [];
  #clockMs: number;
  readonly #recordFailures = new Map<
    string,
    { kind: FailureKind; code: string; times: number; message: string }
  >();
  readonly #callFailures: { op: 'read' | 'update' | 'task'; error: Error; callsLeft: number }[] = [];

  /** As the real connectors: a new hand-off's first SLA status goes with its fields (`TossUpUpdate.sla`). */
  readonly writesSlaStatus: boolean;

  constructor(
    options: { crm?: CrmName; pageSize?: number; startAt?: string; writesSlaStatus?: boolean } = {},
  ) {
    this.writesSlaStatus = options.writesSlaStatus ?? false;
    this.crm = options.crm ?? 'salesforce';
    this.pageSize = options.pageSize ?? 3;
    this.#clockMs = Date.parse(options.startAt ?? '2026-11-01T00:00:00Z');
  }

  /** Adds or replaces a lead; keeps its modifiedAt when given (ties are set up that way). */
  put(lead: Lead): void {
    const modifiedAt = lead.modifiedAt ?? this.#tick();
    this.records.set(lead.id, structuredClone({ ...lead, crm: this.crm, modifiedAt }));
  }

  /** A change made in the CRM by a person: applies `change` and bumps modifiedAt. */
  edit(id: string, change: (lead: Lead) => void): void {
    const lead = this.records.get(id);
    if (!lead) throw new Error(`no lead ${id}`);
    change(lead);
    lead.modifiedAt = this.#tick();
  }

  delete(id: string): void {
    this.records.delete(id);
    this.tombstones.set(id, this.#tick());
  }

  lead(id: string): Lead {
    const lead = this.records.get(id);
    if (!lead) throw new Error(`no lead ${id}`);
    return lead;
  }

  /** The next `times` writes (`op`) of `leadId` fail with `kind`. */
  failRecord(
    op: 'update' | 'task',
    leadId: string,
    kind: FailureKind,
    code = kind.toUpperCase(),
    times = 1,
    message = `simulated ${kind} for taro@example.co.jp`,
  ): void {
    this.#recordFailures.set(`${op}|${leadId}`, { kind, code, times, message });
  }

  /**
   * The `nth` call of `op` from now (1 = the next; for `read`, the nth page) throws `error`: a CrmError,
   * or a plain Error to simulate the process crashing at that point.
   */
  failCall(op: 'read' | 'update' | 'task', error: Error, nth = 1): void {
    this.#callFailures.push({ op, error, callsLeft: nth });
  }

  crmError(kind: FailureKind, code = kind.toUpperCase()): CrmError {
    return new CrmError(`simulated ${kind}`, { kind, crm: this.crm, code });
  }

  connector(): CrmConnector & { closed: boolean } {
    const source: LeadSource = { crm: this.crm, readChanges: (o) => this.#read(o) };
    const sink: LeadSink = {
      ...(this.writesSlaStatus ? { writesSlaStatus: true } : {}),
      crm: this.crm,
      writeTossUp: (u) => this.#write(u),
      createTasks: (t) => this.#createTasks(t),
    };
    return {
      crm: this.crm,
      source,
      sink,
      closed: false,
      recordUrl: (lead) => `https://crm.example/${lead.objectType}/${lead.id}`,
      usage: (): ApiUsage => ({
        calls: { ...this.calls },
        minimum: Math.ceil(this.updates.length / 200) + Math.ceil(this.tasks.size / 200) + 1,
      }),
      async close() {
        this.closed = true;
      },
    };
  }

  async *#read(options: ReadOptions): AsyncGenerator<LeadPage> {
    let cursor = options.since;
    let handed = 0;
    for (;;) {
      this.#throwIfFailing('read');
      this.calls.query++;
      // Computed per page from the live data, like a real query: writes made while the run goes on
      // are visible to later pages.
      const stream = [
        ...[...this.records.values()].map((l) => ({ id: l.id, at: l.modifiedAt!, lead: l })),
        ...[...this.tombstones].map(([id, at]) => ({ id, at, lead: null })),
      ]
        .filter((e) => after(e.at, e.id, cursor))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id.localeCompare(b.id))
        .slice(0, this.pageSize);
      if (stream.length === 0) return;
      const last = stream.at(-1)!.at;
      const tied = stream.filter((e) => Date.parse(e.at) === Date.parse(last)).map((e) => e.id);
      const carried =
        cursor && Date.parse(cursor.modifiedAt) === Date.parse(last) ? cursor.idsAtModifiedAt : [];
      const next: SyncCursor = { modifiedAt: last, idsAtModifiedAt: [...carried, ...tied] };
      yield {
        leads: stream.filter((e) => e.lead).map((e) => structuredClone(e.lead!)),
        deletedIds: stream.filter((e) => !e.lead).map((e) => e.id),
        cursor: next,
      };
      handed += stream.length;
      if (options.limit !== undefined && handed >= options.limit) return;
      cursor = next;
    }
  }

  async #write(updates: readonly TossUpUpdate[]): Promise<WriteOutcome[]> {
    this.#throwIfFailing('update');
    this.calls.update += Math.ceil(updates.length / 200);
    return updates.map((u) => {
      const failure = this.#takeFailure('update', u.leadId);
      if (failure) return failure;
      const lead = this.records.get(u.leadId);
      if (!lead) {
        return {
          ok: false,
          id: u.leadId,
          kind: 'invalid_record',
          code: 'ENTITY_IS_DELETED',
          message: 'deleted',
        };
      }
      this.updates.push(structuredClone(u));
      const { ownerId, ...fields } = u.fields;
      Object.assign(lead.current, fields);
      if (ownerId !== undefined) lead.ownerId = ownerId;
      lead.modifiedAt = this.#tick();
      return { ok: true, id: u.leadId };
    });
  }

  async #createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]> {
    this.#throwIfFailing('task');
    this.calls.task += Math.ceil(tasks.length / 200);
    return tasks.map((t) => {
      this.taskRequests.push(structuredClone(t));
      const failure = this.#takeFailure('task', t.leadId);
      if (failure) return failure;
      const existing = this.tasks.get(t.key);
      if (existing) return { ok: true, id: existing.id, created: false };
      const id = `00T${String(this.tasks.size + 1).padStart(15, '0')}`;
      this.tasks.set(t.key, { id, task: structuredClone(t) });
      return { ok: true, id, created: true };
    });
  }

  #takeFailure(op: 'update' | 'task', leadId: string): WriteOutcome | null {
    const f = this.#recordFailures.get(`${op}|${leadId}`);
    if (!f || f.times <= 0) return null;
    f.times--;
    return {
      ok: false,
      id: leadId,
      kind: f.kind,
      code: f.code,
      message: f.message,
    };
  }

  #throwIfFailing(op: 'read' | 'update' | 'task'): void {
    const i = this.#callFailures.findIndex((f) => f.op === op);
    if (i < 0) return;
    const f = this.#callFailures[i]!;
    if (--f.callsLeft > 0) return;
    this.#callFailures.splice(i, 1);
    throw f.error;
  }

  #tick(): string {
    this.#clockMs += 1000;
    return new Date(this.#clockMs).toISOString();
  }
}

function after(at: string, id: string, cursor: SyncCursor | null): boolean {
  if (!cursor) return true;
  const t = Date.parse(at);
  const c = Date.parse(cursor.modifiedAt);
  return t > c || (t === c && !cursor.idsAtModifiedAt.includes(id));
}
