import { FailureKind } from '../../src/domain/errors.ts';
import type { RepFeedback } from '../../src/domain/rep-feedback.ts';
import type { FirstResponseActivity } from '../../src/episodes/episode.ts';
import type {
  EpisodeCrm,
  EpisodeFacts,
  EpisodeRef,
  SlaFieldUpdate,
  SlaStatus,
  TaskClosure,
} from '../../src/ports/episode-crm.ts';
import { CHANGED_SINCE_READ, type FollowUpTask, type WriteOutcome } from '../../src/ports/lead-sink.ts';

export interface FakeTask {
  id: string;
  key: string;
  leadId: string;
  ownerId: string;
  subject: string;
  status: 'open' | 'completed';
  completedAt: string | null;
  notes: string[];
}

type Method = 'readFacts' | 'writeSlaFields' | 'createTasks' | 'closeTasks' | 'reassign' | 'managersOf';

/**
 * An in-memory CRM for the sweep: leads with owners, tasks with an idempotency key, activities logged
 * by reps, the SLA fields, and the CRM's own managers. Failures are injected per method (a whole call
 * throwing, or one record failing), so tests can show a failed write is reported and retried.
 */
export class FakeEpisodeCrm implements EpisodeCrm {
  readonly leads = new Map<string, { ownerId: string; gone: boolean; name: string; company?: string }>();
  readonly tasks = new Map<string, FakeTask>();
  readonly activities: { leadId: string; ownerId: string; at: string; activity: FirstResponseActivity }[] =
    [];
  readonly slaFields = new Map<string, { status: SlaStatus; firstResponseAt: string | null }>();
  readonly slaWrites: SlaFieldUpdate[] = [];
  readonly calls: Record<Method, number> = {
    readFacts: 0,
    writeSlaFields: 0,
    createTasks: 0,
    closeTasks: 0,
    reassign: 0,
    managersOf: 0,
  };
  /** userId → manager userId (the CRM's own hierarchy, e.g. Salesforce User.ManagerId). */
  readonly managers = new Map<string, string | null>();
  /**
   * Whether `readFacts` names the lead (`EpisodeFacts.lead`); false = as the real connectors do, the
   * sweep then takes the name recorded with the hand-off.
   */
  factsNameLeads = true;
  /** The rep's feedback fields per lead, returned as `EpisodeFacts.feedback` (a lead without any: null). */
  readonly feedback = new Map<string, RepFeedback>();
  readonly #failures: { method: Method; mode: 'throw' | 'record' | 'held'; times: number }[] = [];
  #seq = 0;

  addLead(leadId: string, ownerId: string, name = 'Lead Name'): void {
    this.leads.set(leadId, { ownerId, gone: false, name, company: 'Company KK' });
  }

  /** The toss-up task the sync created (key = episode key), under `taskId` when the CRM gave it one. */
  addTask(key: string, leadId: string, ownerId: string, taskId?: string): string {
    const id = taskId ?? `00T${String(++this.#seq).padStart(4, '0')}`;
    this.tasks.set(id, {
      id,
      key,
      leadId,
      ownerId,
      subject: 'toss-up',
      status: 'open',
      completedAt: null,
      notes: [],
    });
    return id;
  }

  completeTask(id: string, at: string): void {
    const t = this.tasks.get(id)!;
    t.status = 'completed';
    t.completedAt = at;
  }

  logActivity(leadId: string, ownerId: string, at: string, activity: FirstResponseActivity = 'call'): void {
    this.activities.push({ leadId, ownerId, at, activity });
  }

  /**
   * The next `times` calls of `method` fail: `throw` = the whole call, `record` = each record
   * (transient), `held` = each record held back by the no-echo guard (`CHANGED_SINCE_READ`).
   */
  failNext(method: Method, mode: 'throw' | 'record' | 'held', times = 1): void {
    this.#failures.push({ method, mode, times });
  }

  tasksByKey(prefix: string): FakeTask[] {
    return [...this.tasks.values()].filter((t) => t.key.startsWith(prefix));
  }

  /** Every call yields once, as a network call would, so concurrent sweeps interleave. */
  #failure(method: Method): 'record' | 'held' | null {
    const f = this.#failures.find((x) => x.method === method && x.times > 0);
    if (!f) return null;
    f.times--;
    if (f.mode === 'throw')
      throw Object.assign(new Error(`${method}: service unavailable`), { name: 'FakeCrmError' });
    return f.mode;
  }

  #recordFailure(id: string, mode: 'record' | 'held' = 'record'): WriteOutcome {
    if (mode === 'held')
      return {
        ok: false,
        id,
        kind: FailureKind.InvalidRecord,
        code: CHANGED_SINCE_READ,
        message: 'changed by another user since the last sync read',
      };
    return { ok: false, id, kind: FailureKind.Transient, code: 'UNAVAILABLE', message: 'try again later' };
  }

  async readFacts(refs: readonly EpisodeRef[]): Promise<EpisodeFacts[]> {
    this.calls.readFacts++;
    await new Promise((r) => setImmediate(r));
    this.#failure('readFacts');
    return refs.map((ref) => {
      const lead = this.leads.get(ref.leadId);
      if (!lead || lead.gone)
        return { key: ref.key, taskCompletedAt: null, firstActivity: null, recordGone: true };
      const task = ref.taskId ? this.tasks.get(ref.taskId) : undefined;
      const since = Date.parse(ref.since);
      const first = this.activities
        .filter((a) => a.leadId === ref.leadId && a.ownerId === ref.ownerId && Date.parse(a.at) >= since)
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
      return {
        key: ref.key,
        taskCompletedAt: task?.status === 'completed' ? task.completedAt : null,
        firstActivity: first ? { at: first.at, activity: first.activity } : null,
        recordGone: false,
        ...(this.factsNameLeads
          ? { lead: { name: lead.name, ...(lead.company ? { company: lead.company } : {}) } }
          : {}),
        feedback: this.feedback.get(ref.leadId) ?? null,
      };
    });
  }

  async writeSlaFields(updates: readonly SlaFieldUpdate[]): Promise<WriteOutcome[]> {
    this.calls.writeSlaFields++;
    await new Promise((r) => setImmediate(r));
    const fail = this.#failure('writeSlaFields');
    return updates.map((u) => {
      if (fail) return this.#recordFailure(u.leadId, fail);
      this.slaWrites.push(u);
      this.slaFields.set(u.leadId, { status: u.status, firstResponseAt: u.firstResponseAt });
      return { ok: true, id: u.leadId };
    });
  }

  async createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]> {
    this.calls.createTasks++;
    await new Promise((r) => setImmediate(r));
    const fail = this.#failure('createTasks');
    return tasks.map((t) => {
      if (fail) return this.#recordFailure(t.key);
      const existing = [...this.tasks.values()].find((x) => x.key === t.key);
      if (existing) return { ok: true, id: existing.id, created: false };
      const id = this.addTask(t.key, t.leadId, t.ownerId);
      this.tasks.get(id)!.subject = t.subject;
      return { ok: true, id, created: true };
    });
  }

  async closeTasks(closures: readonly TaskClosure[]): Promise<WriteOutcome[]> {
    this.calls.closeTasks++;
    await new Promise((r) => setImmediate(r));
    const fail = this.#failure('closeTasks');
    return closures.map((c) => {
      if (fail) return this.#recordFailure(c.taskId);
      const t = this.tasks.get(c.taskId);
      if (!t)
        return {
          ok: false,
          id: c.taskId,
          kind: FailureKind.InvalidRecord,
          code: 'NOT_FOUND',
          message: 'no task',
        };
      if (t.status === 'open') {
        t.status = 'completed';
        t.notes.push(c.note);
      }
      return { ok: true, id: c.taskId };
    });
  }

  async reassign(
    updates: readonly { leadId: string; objectType: string; ownerId: string }[],
  ): Promise<WriteOutcome[]> {
    this.calls.reassign++;
    await new Promise((r) => setImmediate(r));
    const fail = this.#failure('reassign');
    return updates.map((u) => {
      if (fail) return this.#recordFailure(u.leadId, fail);
      const lead = this.leads.get(u.leadId);
      if (!lead)
        return {
          ok: false,
          id: u.leadId,
          kind: FailureKind.InvalidRecord,
          code: 'NOT_FOUND',
          message: 'gone',
        };
      lead.ownerId = u.ownerId;
      return { ok: true, id: u.leadId };
    });
  }

  async managersOf(userIds: readonly string[]): Promise<Map<string, string | null>> {
    this.calls.managersOf++;
    await new Promise((r) => setImmediate(r));
    this.#failure('managersOf');
    return new Map(userIds.map((id) => [id, this.managers.get(id) ?? null]));
  }
}
