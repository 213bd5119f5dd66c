import type { SlackEmulator } from '../../../emulators/chat/slack-emulator.ts';
import { repActorCrms } from '../../../emulators/rep-actor-crms.ts';
import { RepActor } from '../../../emulators/shared/rep-actor.ts';
import { RepVerdicts } from '../../../emulators/shared/rep-verdicts.ts';
import type { RunningEmulators } from '../../../emulators/start-emulators.ts';
import type { CrmName } from '../../domain/lead.ts';
import type { Episode } from '../../episodes/episode.ts';
import {
  type AfterHandoffReport,
  type AfterHandoffStep,
  mergeOutcomes,
  mergeRates,
  type PostedMessage,
  summarizeMessages,
} from '../../pipeline/after-handoff-report.ts';
import { type HandoffOutcomes, handoffOutcomes } from '../../pipeline/handoff-outcomes.ts';
import { tossUpRates } from '../../pipeline/toss-up-rates.ts';
import { type Clock, fixedClock } from '../../ports/clock.ts';
import type { Locale } from '../../reasons/messages.ts';
import type { BusinessCalendar } from '../../sla/business-calendar.ts';
import { calendarFor } from '../../sla/due-date.ts';
import type { SlaConfig } from '../../sla/sla-config.ts';
import { FileEpisodeStore } from '../../state/file-episode-store.ts';
import type { SweepReport } from '../../sweep/run-sweep.ts';

/**
 * The demo's days after the hand-off: from the sync's instant, step by step through the next
 * business days on the emulators' clock; at each step the emulated reps act on their tasks (as their
 * world profiles say), give their verdicts on what they answered and open opportunities, and the SLA
 * sweep runs on both CRMs, posting to the Slack emulator. What came of it is judged from the episodes
 * the sweep recorded (on-time rates; acceptance and opportunity rates), and the chat messages as Slack
 * received them.
 */

export const CRMS = ['salesforce', 'hubspot'] as const;

export interface AfterHandoffOptions {
  emulators: RunningEmulators;
  slack: SlackEmulator;
  /** The sync's state directory: the episodes are read from there. */
  stateDir: string;
  sla: SlaConfig;
  /** The demo's instant (the sync ran at it); the first step is `stepHours` business hours later. */
  startMs: number;
  stepHours: number;
  businessDays: number;
  /** One sweep of one CRM at the given instant (the same composition as `tossup sweep`); null = it failed. */
  sweep(crm: CrmName, clock: Clock): Promise<SweepReport | null>;
  /**
   * One incremental sync of one CRM at the given instant (the same composition as `tossup sync`); false =
   * it failed. It reads what the reps changed, so the episodes record their verdicts (the sync records
   * them, docs/sales-in-the-loop.md). Absent = no sync after the hand-off.
   */
  sync?(crm: CrmName, clock: Clock): Promise<boolean>;
  /**
   * Steps between two syncs; absent = at the last step of each business day (as an evening scheduled
   * sync would) and at the last step.
   */
  syncEvery?: number;
  /** Called once per step, for the progress lines. */
  onStep?(step: AfterHandoffStep): void;
  /** World user key → display name and response style. */
  repOf(key: string): { name: string; style?: string };
  locale: Locale;
}

/** The instants of the steps: every `stepHours` business hours, for `businessDays` business days. */
export function demoSteps(
  cal: BusinessCalendar,
  startMs: number,
  stepHours: number,
  businessDays: number,
): number[] {
  const out: number[] = [];
  const count = Math.round((businessDays * cal.hoursPerDay) / stepHours);
  let t = new Date(startMs);
  for (let i = 0; i < count; i++) {
    t = cal.addBusinessHours(t, stepHours);
    out.push(t.getTime());
  }
  return out;
}

export async function runAfterHandoff(o: AfterHandoffOptions): Promise<AfterHandoffReport> {
  const cal = calendarFor(o.sla);
  const e = o.emulators;
  const sfSeeded = e.salesforce.seeded;
  // The reps' verdicts on what they answered, from the lead's quality in the world (rep-verdicts.ts).
  const verdicts = new RepVerdicts({
    world: e.world,
    businessHoursBetween: (a, b) => cal.businessHoursBetween(a, b),
    ...(sfSeeded
      ? {
          salesforce: {
            store: e.salesforce.store,
            people: new Map([...sfSeeded.leads, ...sfSeeded.contacts]),
            accounts: sfSeeded.accounts,
          },
        }
      : {}),
    ...(e.hubspot.seedSummary
      ? { hubspot: { store: e.hubspot.store, contacts: e.hubspot.seedSummary.ids.contacts } }
      : {}),
  });
  const instants = demoSteps(cal, o.startMs, o.stepHours, o.businessDays);
  const stepStarts = [o.startMs, ...instants];
  const actor = new RepActor({
    world: e.world,
    verdicts,
    businessHoursBetween: (a, b) => cal.businessHoursBetween(a, b),
    // A task reached its rep at the step it was created in (the instant its run decided as of).
    reachedAt: (createdAtMs) => stepAtOrBefore(stepStarts, createdAtMs),
    ...repActorCrms(e),
  });
  const byVia: Record<string, number> = {};
  const verdictsDone: NonNullable<AfterHandoffReport['verdictActions']> = {
    total: 0,
    byResult: {},
    byQuality: {},
  };
  const steps: AfterHandoffStep[] = [];
  for (const [index, at] of instants.entries()) {
    // Every emulator's clock to the step (they go on at real speed within it, as servers do).
    for (const clock of [e.salesforce.clock, e.hubspot.clock, o.slack.clock]) clock.advance(at - clock.now());
    const posted = o.slack.messages.length;
    const actions = actor.act(at);
    for (const a of actions) byVia[a.via] = (byVia[a.via] ?? 0) + 1;
    const judged = actor.judge(at);
    for (const v of judged) {
      verdictsDone.total++;
      verdictsDone.byResult[v.result] = (verdictsDone.byResult[v.result] ?? 0) + 1;
      const q = verdictsDone.byQuality[v.quality] ?? {};
      q[v.result] = (q[v.result] ?? 0) + 1;
      verdictsDone.byQuality[v.quality] = q;
    }
    const step: AfterHandoffStep = {
      at: new Date(at).toISOString(),
      acted: actions.length,
      judged: judged.length,
      reminders: 0,
      escalations: 0,
      reassignments: 0,
      messages: 0,
      failed: 0,
    };
    // The sync and the sweeps run as of the step itself, on a clock that does not move: on a running
    // clock a sweep would check at the step plus however long its start took on this machine, and an
    // escalation due exactly at a step (the hand-off + 2 business days) would fall in this step or the
    // next by machine speed. The emulators' clocks still run (sessions, rate-limit windows).
    const asOf = fixedClock(new Date(at).toISOString());
    if (o.sync && syncsAt(instants, index, cal, o.syncEvery)) {
      step.synced = true;
      for (const crm of CRMS) if (!(await o.sync(crm, asOf))) step.failed++;
    }
    for (const crm of CRMS) {
      const r = await o.sweep(crm, asOf);
      if (!r) {
        step.failed++;
        continue;
      }
      step.reminders += r.steps.remind_owner ?? 0;
      step.escalations += r.steps.notify_manager ?? 0;
      step.reassignments += r.steps.reassign ?? 0;
      step.failed += r.counts.failed + (r.stop ? 1 : 0);
    }
    step.messages = o.slack.messages.length - posted;
    steps.push(step);
    o.onStep?.(step);
  }
  const end = instants.at(-1) ?? o.startMs;
  const perCrm: Array<{ crm: CrmName; outcomes: HandoffOutcomes }> = [];
  const episodes = await readEpisodes(o.stateDir, taskKeys(e));
  const rates = CRMS.map((crm) => ({ crm, rates: tossUpRates(episodes.filter((x) => x.crm === crm)) }));
  for (const crm of CRMS) {
    perCrm.push({
      crm,
      outcomes: handoffOutcomes(
        episodes.filter((x) => x.crm === crm),
        o.sla,
        new Date(end),
      ),
    });
  }
  return {
    from: new Date(o.startMs).toISOString(),
    to: new Date(end).toISOString(),
    stepHours: o.stepHours,
    steps,
    repActions: { total: Object.values(byVia).reduce((a, b) => a + b, 0), byVia },
    verdictActions: verdictsDone,
    ...mergeOutcomes(perCrm, o.repOf),
    verdicts: mergeRates(rates, o.repOf),
    messages: summarizeMessages(postedMessages(o.slack)),
  };
}

/** The latest of `instants` (ascending) at or before `ms`; `ms` itself when it is before them all. */
export function stepAtOrBefore(instants: readonly number[], ms: number): number {
  let out = ms;
  for (const t of instants) {
    if (t > ms) break;
    out = t;
  }
  return out;
}

/**
 * Whether the demo syncs at step `index`: by default once per business day, at its last step (the
 * first incremental sync re-reads every lead the hand-off wrote, the later ones what reps and sweeps
 * changed; once a day records the verdicts within the days shown and keeps `npm start` short).
 */
export function syncsAt(
  instants: readonly number[],
  index: number,
  cal: BusinessCalendar,
  every?: number,
): boolean {
  if (index === instants.length - 1) return true;
  if (every !== undefined) return (index + 1) % every === 0;
  const next = instants[index + 1] as number;
  return cal.localDate(new Date(instants[index] as number)) !== cal.localDate(new Date(next));
}

/** The toss-up tasks' keys in both CRMs: a hand-off's task carries its episode key. */
function taskKeys(e: RunningEmulators): string[] {
  const keys = new Set<string>();
  for (const t of e.salesforce.store.all('Task'))
    if (typeof t.TossUp_Key__c === 'string') keys.add(t.TossUp_Key__c);
  for (const t of e.hubspot.store.list('tasks'))
    if (t.props.tossup_task_key) keys.add(t.props.tossup_task_key);
  return [...keys].sort();
}

async function readEpisodes(stateDir: string, keys: readonly string[]): Promise<Episode[]> {
  const store = new FileEpisodeStore(stateDir);
  const out: Episode[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const got = await store.getMany(keys.slice(i, i + 100));
    for (const s of got.values()) out.push(s.episode);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The Slack emulator's messages: channel by name (`#field-sales`) or `DM`, the event, the text. */
export function postedMessages(slack: SlackEmulator): PostedMessage[] {
  const names = new Map([
    ['C0FIELDSALES', '#field-sales'],
    ['C0INSIDESALES', '#inside-sales'],
    ['C0SALESMGMT', '#sales-managers'],
  ]);
  return slack.messages.map((m) => ({
    channel: m.channel.startsWith('D') ? 'DM' : (names.get(m.channel) ?? m.channel),
    event: String(m.metadata?.event_payload.event ?? ''),
    text: m.text ?? '',
    at: new Date(m.atMs).toISOString(),
  }));
}
