import { createHash } from 'node:crypto';
import { leadQuality } from '../../../emulators/world/lead-quality.ts';
import { personAsOf } from '../../../emulators/world/person-as-of.ts';
import { responsePlan } from '../../../emulators/world/rep-response.ts';
import { verdictPlan } from '../../../emulators/world/rep-verdict.ts';
import type { World, WorldCompany, WorldPerson, WorldUser } from '../../../emulators/world/world.ts';
import { worldPersonToLeadInput } from '../../../emulators/world/world-lead-input.ts';
import { type CurrentTossUp, EMPTY_CURRENT, type Lead } from '../../domain/lead.ts';
import type { RepFeedback } from '../../domain/rep-feedback.ts';
import { type EpisodeEvent, episodeEvent } from '../../episodes/episode.ts';
import { flushLedger, type LedgerWiring } from '../../ledger/flush-ledger.ts';
import type { LedgerRecord } from '../../ledger/ledger-record.ts';
import { ledgeredEpisodeStore } from '../../ledger/ledgered-episode-store.ts';
import { normalizeLead } from '../../normalize/lead-input.ts';
import { processLeads } from '../../pipeline/process-leads.ts';
import type { LeadSink, TossUpFieldValues } from '../../ports/lead-sink.ts';
import { MemoryRoutingState } from '../../routing/memory-routing-state.ts';
import { calendarFor } from '../../sla/due-date.ts';
import { nextCheckAt, pendingLadderSteps } from '../../sla/escalation-ladder.ts';
import { MemoryEpisodeStore } from '../../state/memory-episode-store.ts';
import { MemoryLedger, MemoryLedgerOutbox } from '../../state/memory-ledger.ts';
import { MemoryStateStore } from '../../state/memory-state-store.ts';
import type { CrmRunConfig } from '../crm-run-config.ts';

/**
 * The demo's 90 days of history (issue 15): what the ledger would hold had the connector run on the
 * Salesforce side of the generated world for the days before the demo's instant.
 *
 * Decisions go through the real batch step (`processLeads`: rules, routing with daily capacities,
 * SLA due dates, episode keys, verdicts standing, the ledger's outbox and record builders) against an
 * in-memory stand-in of the CRM, at the top of every hour in which a person had an activity — the
 * person as they stood then (`personAsOf`). What people do after a hand-off is generated, not read
 * from a CRM: each rep's response and verdict plans (`rep-response.ts`, `rep-verdict.ts`, from the
 * lead's true quality, which the rules do not see) become the episode events the sweep would record,
 * and unanswered toss-ups climb the sla.yaml ladder as the sweep would (a reassignment is recorded as
 * skipped: the history has no second task to create). See docs/ledger.md, "The demo's history".
 */

export const HISTORY_DAYS = 90;

/**
 * What the stand-in CRM shows for a lead never decided in the history: no toss-up fields, and a
 * decision key naming the history. Episode keys chain on the key before them (episode-key.ts); the
 * emulators start at the demo's instant without the history's fields, so a chain starting from an
 * empty key would give the demo's first hand-off of a lead the key of its first one in the history.
 */
const FIRST_CURRENT = { ...EMPTY_CURRENT, decisionKey: 'demo-history' };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface DemoHistoryInput {
  world: World;
  /** Salesforce ids of the seeded world, by world key. */
  ids: {
    users: ReadonlyMap<string, string>;
    leads: ReadonlyMap<string, string>;
    contacts: ReadonlyMap<string, string>;
  };
  config: Pick<CrmRunConfig, 'rules' | 'renderer' | 'routing' | 'sla'>;
  /** The demo's instant: the history ends just before it. */
  endMs: number;
  days?: number;
}

export interface DemoHistory {
  /** Every ledger row of the history, decisions and episode events, in the order recorded. */
  records: LedgerRecord[];
  /** Decision instants (hours) the batch step ran at, and leads it decided. */
  batches: number;
  decided: number;
  handOffs: number;
}

interface Pending {
  at: number;
  key: string;
  leadId: string;
  event: EpisodeEvent;
  /** What the rep set in the CRM's feedback fields with it. */
  feedback?: RepFeedback;
}

export async function buildDemoHistory(input: DemoHistoryInput): Promise<DemoHistory> {
  const { world, ids, config, endMs } = input;
  const startMs = endMs - (input.days ?? HISTORY_DAYS) * DAY_MS;
  const cal = calendarFor(config.sla);
  const companies = new Map(world.companies.map((c) => [c.key, c]));
  const users = new Map(world.users.map((u) => [u.key, u]));
  const crmUser = <K extends string | null>(key: K): K => (key ? ((ids.users.get(key) ?? key) as K) : key);

  // The CRM's toss-up fields and record owner per lead, as the stand-in holds them.
  const crm = new Map<string, { current: CurrentTossUp; ownerId: string | null }>();
  const people = new Map<string, { person: WorldPerson; company: WorldCompany; objectType: string }>();
  const byHour = new Map<number, string[]>();
  for (const person of world.people) {
    const id = person.kind === 'lead' ? ids.leads.get(person.key) : ids.contacts.get(person.key);
    const company = companies.get(person.companyKey);
    if (!id || !company) continue;
    people.set(id, { person, company, objectType: person.kind === 'lead' ? 'Lead' : 'Contact' });
    const hours = new Set<number>();
    for (const a of person.activities) {
      const t = Date.parse(a.at);
      // Read by the first hourly run after the activity.
      const hour = Math.floor(t / HOUR_MS) * HOUR_MS + HOUR_MS;
      if (t >= startMs && hour < endMs) hours.add(hour);
    }
    for (const h of hours) byHour.set(h, [...(byHour.get(h) ?? []), id]);
  }

  const leadAt = (id: string, t: number): Lead | null => {
    const p = people.get(id)!;
    const past = personAsOf(p.person, new Date(t).toISOString());
    if (!past) return null;
    // The world names reps by key; the CRM by user id.
    const li = worldPersonToLeadInput(
      { ...past, ownerKey: crmUser(past.ownerKey), manualRequestByKey: crmUser(past.manualRequestByKey) },
      { ...p.company, ownerKey: crmUser(p.company.ownerKey) },
    );
    const normalized = normalizeLead(
      { ...li, id, objectType: p.objectType },
      { crm: 'salesforce', objectType: p.objectType },
    );
    if (!normalized.ok) return null;
    const held = crm.get(id);
    return {
      ...normalized.lead,
      crm: 'salesforce',
      ...(held ? { current: held.current, ownerId: held.ownerId } : { current: { ...FIRST_CURRENT } }),
    };
  };

  const sink: LeadSink = {
    crm: 'salesforce',
    async writeTossUp(updates) {
      return updates.map((u) => {
        const held = crm.get(u.leadId) ?? { current: { ...FIRST_CURRENT }, ownerId: null };
        crm.set(u.leadId, applyFields(held, u.fields));
        return { ok: true as const, id: u.leadId };
      });
    },
    async createTasks(tasks) {
      return tasks.map((t) => ({ ok: true as const, id: `hist-task-${shortHash(t.key)}`, created: true }));
    },
  };

  const memory = new MemoryLedger();
  const wiring: LedgerWiring = { ledger: memory, outbox: new MemoryLedgerOutbox() };
  const episodes = new MemoryEpisodeStore();
  const store = ledgeredEpisodeStore(episodes, wiring, config.sla);
  const schedule = (ep: Parameters<typeof nextCheckAt>[0]) => nextCheckAt(ep, config.sla);
  const routingState = new MemoryRoutingState();
  // Quota counters and skip records expire on the history's clock, not the machine's.
  let simulatedNow = startMs;
  const state = new MemoryStateStore({ clock: { now: () => new Date(simulatedNow) } });
  const pending: Pending[] = [];
  let batches = 0;
  let decided = 0;
  let handOffs = 0;

  /** What the rep will do about a new hand-off, from their plans (events past the end are dropped). */
  const planRep = (key: string, leadId: string, handedOffAt: string, ownerKey: string | undefined) => {
    const rep: WorldUser | undefined = ownerKey ? users.get(ownerKey) : undefined;
    if (!rep?.response) return;
    const response = responsePlan(world.seed, key, rep.response);
    if (!response.answers) return;
    const respondedAt = cal.addBusinessHours(new Date(handedOffAt), response.afterHours);
    const push = (at: Date, event: EpisodeEvent, feedback?: RepFeedback) => {
      if (at.getTime() < endMs)
        pending.push({ at: at.getTime(), key, leadId, event, ...(feedback ? { feedback } : {}) });
    };
    const respondedIso = respondedAt.toISOString();
    push(
      respondedAt,
      response.via === 'task'
        ? episodeEvent({ type: 'task_completed', at: respondedIso, cause: 'rep' })
        : episodeEvent({ type: 'first_response', at: respondedIso, cause: 'rep', activity: response.via }),
    );
    const p = people.get(leadId)!;
    const then = personAsOf(p.person, handedOffAt);
    if (!rep.verdict || !then) return;
    const verdict = verdictPlan(world.seed, key, leadQuality(then, p.company, handedOffAt), rep.verdict);
    if (!verdict.gives) return;
    const verdictAt = cal.addBusinessHours(respondedAt, verdict.afterHours);
    const v = { result: verdict.result, sentBackReason: verdict.sentBackReason };
    push(verdictAt, episodeEvent({ type: 'verdict', at: verdictAt.toISOString(), cause: 'rep', ...v }), {
      ...v,
      note: verdict.note,
    });
    if (!verdict.later) return;
    const laterAt = cal.addBusinessHours(verdictAt, verdict.later.afterHours);
    const laterIso = laterAt.toISOString();
    if (verdict.later.result === 'opportunity') {
      push(
        laterAt,
        episodeEvent({
          type: 'opportunity',
          at: laterIso,
          cause: 'crm_change',
          opportunityId: `hist-opp-${shortHash(key)}`,
          source: p.objectType === 'Lead' ? 'lead_conversion' : 'account',
        }),
        { result: 'opportunity', sentBackReason: null, note: null },
      );
    } else {
      const lost = { result: 'lost' as const, sentBackReason: null };
      push(laterAt, episodeEvent({ type: 'verdict', at: laterIso, cause: 'rep', ...lost }), {
        ...lost,
        note: null,
      });
    }
  };

  /** Rep events and ladder steps due by `until`, in time order, as the sweep would record them. */
  const runAfterHandOffs = async (until: number) => {
    pending.sort((a, b) => a.at - b.at);
    while (pending.length > 0 && pending[0]!.at <= until) {
      const p = pending.shift()!;
      const stored = await episodes.get(p.key);
      // A toss-up replaced by a newer decision is no longer the rep's to answer.
      if (!stored || stored.episode.status === 'closed') continue;
      await store.recordStep(p.key, p.event, schedule);
      if (p.feedback) {
        const held = crm.get(p.leadId);
        if (held) crm.set(p.leadId, { ...held, current: { ...held.current, feedback: p.feedback } });
      }
    }
    for (const due of await episodes.dueBefore(new Date(until), 10_000)) {
      const stored = await episodes.get(due.key);
      if (!stored) continue;
      for (const step of pendingLadderSteps(stored.episode, config.sla)) {
        if (Date.parse(step.dueAt) > until) break;
        await store.recordStep(
          due.key,
          episodeEvent({
            type: 'ladder_step',
            at: step.dueAt,
            cause: 'sweep',
            round: step.round,
            stepId: step.id,
            action: step.action,
            ...(step.action === 'manager_task' ? { managerTaskId: null } : {}),
            ...(step.action === 'reassign' ? { skipped: 'the history does not reassign' } : {}),
          }),
          schedule,
        );
      }
    }
  };

  for (let t = Math.ceil(startMs / HOUR_MS) * HOUR_MS; t < endMs; t += HOUR_MS) {
    simulatedNow = t;
    await runAfterHandOffs(t);
    const leads = (byHour.get(t) ?? []).flatMap((id) => {
      const lead = leadAt(id, t);
      return lead ? [lead] : [];
    });
    if (leads.length === 0) continue;
    batches++;
    decided += leads.length;
    const result = await processLeads(leads, {
      crm: 'salesforce',
      sink,
      rules: config.rules,
      renderer: config.renderer,
      routing: config.routing,
      routingState,
      sla: config.sla,
      state,
      now: new Date(t),
      scope: 'history',
      episodes: { store, schedule },
      ledger: wiring,
    });
    if (result.stop)
      throw new Error(`the history's batch at ${new Date(t).toISOString()} stopped: ${result.stop.message}`);
    for (const o of result.outcomes) {
      if (!o.newEpisode || !o.episodeKey || o.status !== 'written') continue;
      const ep = (await episodes.get(o.episodeKey))?.episode;
      if (!ep || ep.handedOffAt !== new Date(t).toISOString()) continue;
      handOffs++;
      planRep(ep.key, o.leadId, ep.handedOffAt, ep.owner.key);
    }
  }
  await runAfterHandOffs(endMs - 1);
  await flushLedger(wiring);
  return { records: memory.records(), batches, decided, handOffs };
}

function applyFields(
  held: { current: CurrentTossUp; ownerId: string | null },
  f: TossUpFieldValues,
): { current: CurrentTossUp; ownerId: string | null } {
  const { ownerId, ...fields } = f;
  return { current: { ...held.current, ...fields }, ownerId: ownerId ?? held.ownerId };
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}
