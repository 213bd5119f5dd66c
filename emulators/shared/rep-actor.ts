import type { CrmStore } from '../hubspot/crm-store.ts';
import { completeTask, logEngagement } from '../hubspot/rep-actions.ts';
import type { SalesforceStore } from '../salesforce/store.ts';
import { type ResponsePlan, type ResponseVia, responsePlan } from '../world/rep-response.ts';
import type { World, WorldUser } from '../world/world.ts';
import type { RepVerdictAction, RepVerdicts } from './rep-verdicts.ts';

/**
 * The emulated sales reps of the demo (and of tests that want reps): at each step of the emulators'
 * clock, every rep looks at the open toss-up tasks assigned to them and, as their response profile
 * (`world/rep-response.ts`) says, completes the task or logs a call or meeting on the lead — or does
 * nothing. They act in the CRM emulators' stores as a CRM user would in the UI (the acting user, the
 * step's time), so the connector reads the response exactly as it would read a real one.
 *
 * A task's plan is fixed by the world seed and the task's key, and a rep acts once the business hours
 * since the task reached them (hand-off or reassignment) pass the plan's delay: the same world and the
 * same steps give the same actions on every run. With `verdicts`, each answered toss-up is handed on to
 * the rep's verdict (`rep-verdicts.ts`: accepted / sent back, later an opportunity), which `judge` acts on.
 */

export type RepActorCrm = 'salesforce' | 'hubspot';

export interface RepAction {
  crm: RepActorCrm;
  /** The toss-up task's key (the episode key for a hand-off's task). */
  taskKey: string;
  taskId: string;
  /** World user key of the rep who acted. */
  repKey: string;
  via: ResponseVia;
  /** ISO UTC: when the rep acted (the step's instant). */
  at: string;
  /** Business hours from the task's creation to the action. */
  afterHours: number;
}

export interface RepActorOptions {
  world: Pick<World, 'seed' | 'users'>;
  /** Business hours between two instants on the SLA calendar (sla.yaml), which the delays count in. */
  businessHoursBetween(from: Date, to: Date): number;
  salesforce?: {
    store: SalesforceStore;
    /** World user key → Salesforce User id (the seeded ids). */
    users: ReadonlyMap<string, string>;
    /** The Task field holding the toss-up key (mappings/salesforce.yaml `tasks.keyField`). */
    keyField: string;
  };
  hubspot?: {
    store: CrmStore;
    /** World user key → HubSpot owner id. */
    owners: ReadonlyMap<string, string>;
    /** The task property holding the toss-up key (mappings/hubspot.yaml `tasks.keyProperty`). */
    keyProperty: string;
  };
  /** The reps' verdicts on what they answered; absent = they answer and judge nothing. */
  verdicts?: RepVerdicts;
  /**
   * When a task created at `createdAtMs` reached its rep, which the delays count from; absent = the
   * creation instant. The demo gives the step the task was created in: the emulators' clocks run on
   * at real speed within a step, so a creation a few seconds (or, on a loaded machine, minutes) into
   * it would put a delay ending just before a later step one step later, by machine speed.
   */
  reachedAt?(createdAtMs: number): number;
}

/** An open toss-up task, as both CRMs have it. */
interface OpenTask {
  crm: RepActorCrm;
  id: string;
  key: string;
  /** CRM owner id (Salesforce User id, HubSpot owner id). */
  ownerId: string;
  /** The lead/contact the task is about. */
  whoId: string | null;
  createdAtMs: number;
}

export class RepActor {
  private readonly acted = new Set<string>();
  private readonly repByCrmId = new Map<string, WorldUser>();
  private readonly options: RepActorOptions;

  constructor(options: RepActorOptions) {
    this.options = options;
    const byKey = new Map(options.world.users.map((u) => [u.key, u]));
    for (const [key, id] of options.salesforce?.users ?? []) {
      const u = byKey.get(key);
      if (u) {
        this.repByCrmId.set(`salesforce:${id}`, u);
        this.repByCrmId.set(`salesforce:${id.slice(0, 15)}`, u);
      }
    }
    for (const [key, id] of options.hubspot?.owners ?? []) {
      const u = byKey.get(key);
      if (u) this.repByCrmId.set(`hubspot:${id}`, u);
    }
  }

  /** What one rep will do about one task (for tests and reports: the plan behind an action). */
  planFor(taskKey: string, rep: WorldUser): ResponsePlan {
    if (!rep.response) return { answers: false };
    return responsePlan(this.options.world.seed, taskKey, rep.response);
  }

  /** Every rep acts on what is due by `atMs`; returns the actions taken, in a stable order. */
  act(atMs: number): RepAction[] {
    const now = new Date(atMs);
    const actions: RepAction[] = [];
    for (const task of this.openTasks()) {
      if (this.acted.has(`${task.crm}:${task.id}`)) continue;
      const rep = this.repByCrmId.get(`${task.crm}:${task.ownerId}`);
      if (!rep || task.whoId === null) continue;
      const plan = this.planFor(task.key, rep);
      if (!plan.answers) continue;
      const reached = this.options.reachedAt?.(task.createdAtMs) ?? task.createdAtMs;
      const elapsed = this.options.businessHoursBetween(new Date(reached), now);
      if (elapsed < plan.afterHours) continue;
      this.perform(task, plan.via, atMs);
      this.acted.add(`${task.crm}:${task.id}`);
      this.options.verdicts?.answered({
        crm: task.crm,
        taskKey: task.key,
        recordId: task.whoId,
        ownerId: task.ownerId,
        rep,
        answeredAtMs: atMs,
      });
      actions.push({
        crm: task.crm,
        taskKey: task.key,
        taskId: task.id,
        repKey: rep.key,
        via: plan.via,
        at: now.toISOString(),
        afterHours: elapsed,
      });
    }
    return actions;
  }

  /** The verdicts (and opportunities) due by `atMs` on the toss-ups answered so far, in a stable order. */
  judge(atMs: number): RepVerdictAction[] {
    return this.options.verdicts?.judge(atMs) ?? [];
  }

  private openTasks(): OpenTask[] {
    const out: OpenTask[] = [];
    const sf = this.options.salesforce;
    if (sf) {
      for (const t of sf.store.all('Task')) {
        const key = t[sf.keyField];
        if (typeof key !== 'string' || key === '' || t.Status === 'Completed') continue;
        out.push({
          crm: 'salesforce',
          id: t.Id,
          key,
          ownerId: String(t.OwnerId),
          whoId: typeof t.WhoId === 'string' ? t.WhoId : null,
          createdAtMs: msOf(t.CreatedDate),
        });
      }
    }
    const hs = this.options.hubspot;
    if (hs) {
      for (const t of hs.store.list('tasks')) {
        const key = t.props[hs.keyProperty];
        if (!key || t.props.hs_task_status === 'COMPLETED') continue;
        const contact = hs.store.associationsOf('tasks', t.id, 'contacts')[0];
        out.push({
          crm: 'hubspot',
          id: t.id,
          key,
          ownerId: t.props.hubspot_owner_id ?? '',
          whoId: contact?.to ?? null,
          createdAtMs: t.createdAt,
        });
      }
    }
    // By CRM and key, not creation time: creation times differ by milliseconds between runs.
    return out.sort((x, y) => (x.crm + x.key < y.crm + y.key ? -1 : x.crm + x.key > y.crm + y.key ? 1 : 0));
  }

  private perform(task: OpenTask, via: ResponseVia, atMs: number): void {
    if (task.crm === 'salesforce') this.performSalesforce(task, via, atMs);
    else this.performHubspot(task, via, atMs);
  }

  private performSalesforce(task: OpenTask, via: ResponseVia, atMs: number): void {
    const store = (this.options.salesforce as NonNullable<RepActorOptions['salesforce']>).store;
    const meta = { at: atMs, userId: task.ownerId };
    if (via === 'task') {
      store.update('Task', task.id, { Status: 'Completed' }, meta);
      return;
    }
    const day = new Date(atMs).toISOString().slice(0, 10);
    if (via === 'meeting' && hasObject(store, 'Event')) {
      store.insert(
        'Event',
        {
          Subject: '打ち合わせ',
          WhoId: task.whoId,
          OwnerId: task.ownerId,
          StartDateTime: new Date(atMs).toISOString(),
          EndDateTime: new Date(atMs + 3_600_000).toISOString(),
          ...(hasField(store, 'Event', 'DurationInMinutes') ? { DurationInMinutes: 60 } : {}),
          ...(hasField(store, 'Event', 'ActivityDateTime')
            ? { ActivityDateTime: new Date(atMs).toISOString() }
            : {}),
        },
        meta,
      );
      return;
    }
    // A logged call is a completed Task of type Call (Salesforce's "Log a Call").
    store.insert(
      'Task',
      {
        Subject: via === 'meeting' ? '打ち合わせ' : '架電',
        WhoId: task.whoId,
        OwnerId: task.ownerId,
        Status: 'Completed',
        Type: via === 'meeting' ? 'Meeting' : 'Call',
        ActivityDate: day,
        ...(hasField(store, 'Task', 'TaskSubtype') && via === 'call' ? { TaskSubtype: 'Call' } : {}),
      },
      meta,
    );
  }

  private performHubspot(task: OpenTask, via: ResponseVia, atMs: number): void {
    const store = (this.options.hubspot as NonNullable<RepActorOptions['hubspot']>).store;
    if (via === 'task') completeTask(store, task.id, atMs);
    else
      logEngagement(store, { kind: via, contactId: task.whoId as string, ownerId: task.ownerId, at: atMs });
  }
}

function msOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  return Number.NaN;
}

// An org without Event (or a field) is one whose schema predates it: log what the org can hold.
function hasObject(store: SalesforceStore, name: string): boolean {
  try {
    store.objectSchema(name);
    return true;
  } catch {
    return false;
  }
}

function hasField(store: SalesforceStore, object: string, field: string): boolean {
  return hasObject(store, object) && store.objectSchema(object).fieldByLower.has(field.toLowerCase());
}
