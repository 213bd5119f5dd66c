import type { CrmName } from '../domain/lead.ts';
import {
  addLadder,
  addTally,
  emptyLadderTally,
  emptyTally,
  type HandoffOutcomes,
  type LadderTally,
  type OutcomeTally,
} from './handoff-outcomes.ts';
import { addRateTally, emptyRateTally, type RateTally, type TossUpRates } from './toss-up-rates.ts';

/**
 * What the demo shows after the hand-off ("After the hand-off" in the summary and out/report.html):
 * business days of emulated reps and SLA sweeps, judged from the episodes (`handoffOutcomes`) and the
 * chat messages as the Slack emulator received them. Plain data, built by the demo, rendered twice.
 */

export interface AfterHandoffStep {
  /** ISO UTC instant of the step. */
  at: string;
  /** Tasks the emulated reps acted on at this step. */
  acted: number;
  /** Verdicts, opportunities and losses the emulated reps set at this step. */
  judged?: number;
  /** An incremental sync of both CRMs ran at this step (before the sweeps). */
  synced?: boolean;
  reminders: number;
  escalations: number;
  reassignments: number;
  /** Chat messages posted during the step. */
  messages: number;
  failed: number;
}

export interface AfterHandoffRep {
  /** Routing key (the rep), else the CRM owner id. */
  key: string;
  name: string;
  /** The emulated rep's response style (`prompt`, `steady`, `late`, `never`), when known. */
  style?: string;
  tally: OutcomeTally;
  ladder: LadderTally;
}

/** Acceptance and opportunity rates from the episodes (`tossUpRates`), both CRMs merged. */
export interface VerdictRates {
  total: RateTally;
  byCrm: Array<{ crm: CrmName; total: RateTally }>;
  /** By the hand-off's most decisive reason code, most toss-ups first. */
  reasons: Array<{ reason: string; tally: RateTally }>;
  /** By rep (routing key, else CRM owner id), most toss-ups first. */
  reps: Array<{ key: string; name: string; tally: RateTally }>;
  sentBackReasons: Record<string, number>;
}

export interface PostedMessage {
  /** Channel name (`#field-sales`) or `DM` for a direct message. */
  channel: string;
  event: string;
  /** The message's fallback text as posted. */
  text: string;
  at: string;
}

export interface AfterHandoffReport {
  from: string;
  to: string;
  stepHours: number;
  steps: AfterHandoffStep[];
  repActions: { total: number; byVia: Record<string, number> };
  /**
   * What the emulated reps set in the CRMs (the ground truth the episodes should come to show): results
   * by kind, and by the lead's quality band in the world (`high` / `medium` / `low`) → result → count.
   */
  verdictActions?: {
    total: number;
    byResult: Record<string, number>;
    byQuality: Record<string, Record<string, number>>;
  };
  /** Acceptance and opportunity rates per reason and per rep, from the episodes. */
  verdicts?: VerdictRates;
  total: OutcomeTally;
  ladder: LadderTally;
  byCrm: Array<{ crm: CrmName; total: OutcomeTally; ladder: LadderTally; episodes: number }>;
  reps: AfterHandoffRep[];
  nextActions: Array<{ action: string; tally: OutcomeTally }>;
  messages: {
    total: number;
    byEvent: Record<string, number>;
    byChannel: Record<string, number>;
    /** A few messages as posted, the first of each event kind first. */
    samples: PostedMessage[];
  };
}

/** Merges the per-CRM outcomes by rep (the same routing key on both CRMs) and by next action. */
export function mergeOutcomes(
  perCrm: ReadonlyArray<{ crm: CrmName; outcomes: HandoffOutcomes }>,
  names: (key: string) => { name: string; style?: string },
): Pick<AfterHandoffReport, 'total' | 'ladder' | 'byCrm' | 'reps' | 'nextActions'> {
  const total = emptyTally();
  const ladder = emptyLadderTally();
  const reps = new Map<string, AfterHandoffRep>();
  const actions = new Map<string, OutcomeTally>();
  const rep = (key: string) => {
    let r = reps.get(key);
    if (!r) {
      r = { key, ...names(key), tally: emptyTally(), ladder: emptyLadderTally() };
      reps.set(key, r);
    }
    return r;
  };
  for (const { outcomes } of perCrm) {
    addTally(total, outcomes.total);
    addLadder(ladder, outcomes.ladder);
    for (const [key, t] of Object.entries(outcomes.byOwner)) addTally(rep(key).tally, t);
    for (const [key, l] of Object.entries(outcomes.ladderByOwner)) addLadder(rep(key).ladder, l);
    for (const [action, t] of Object.entries(outcomes.byNextAction)) {
      const into = actions.get(action) ?? emptyTally();
      addTally(into, t);
      actions.set(action, into);
    }
  }
  return {
    total,
    ladder,
    byCrm: perCrm.map(({ crm, outcomes }) => ({
      crm,
      total: outcomes.total,
      ladder: outcomes.ladder,
      episodes: outcomes.episodes,
    })),
    // Most toss-ups first; then by name, so the order is the same on every run.
    reps: [...reps.values()].sort((a, b) => b.tally.turns - a.tally.turns || (a.name < b.name ? -1 : 1)),
    nextActions: [...actions.entries()]
      .map(([action, tally]) => ({ action, tally }))
      .sort((a, b) => b.tally.turns - a.tally.turns || (a.action < b.action ? -1 : 1)),
  };
}

/** Messages by event and channel, and a few samples: the first of each event, then the earliest. */
export function summarizeMessages(
  messages: readonly PostedMessage[],
  samples = 4,
): AfterHandoffReport['messages'] {
  const byEvent: Record<string, number> = {};
  const byChannel: Record<string, number> = {};
  for (const m of messages) {
    byEvent[m.event] = (byEvent[m.event] ?? 0) + 1;
    byChannel[m.channel] = (byChannel[m.channel] ?? 0) + 1;
  }
  const picked: PostedMessage[] = [];
  const seen = new Set<string>();
  for (const m of messages) {
    if (picked.length >= samples) break;
    if (seen.has(m.event)) continue;
    seen.add(m.event);
    picked.push(m);
  }
  for (const m of messages) {
    if (picked.length >= samples) break;
    if (!picked.includes(m)) picked.push(m);
  }
  return { total: messages.length, byEvent, byChannel, samples: picked };
}

/** Merges the per-CRM rates by reason and by rep (the same routing key on both CRMs). */
export function mergeRates(
  perCrm: ReadonlyArray<{ crm: CrmName; rates: TossUpRates }>,
  names: (key: string) => { name: string },
): VerdictRates {
  const total = emptyRateTally();
  const reasons = new Map<string, RateTally>();
  const reps = new Map<string, RateTally>();
  const sentBackReasons: Record<string, number> = {};
  const into = (m: Map<string, RateTally>, k: string, t: RateTally) => {
    const x = m.get(k) ?? emptyRateTally();
    addRateTally(x, t);
    m.set(k, x);
  };
  for (const { rates } of perCrm) {
    addRateTally(total, rates.total);
    for (const [k, t] of Object.entries(rates.byReason)) into(reasons, k, t);
    for (const [k, t] of Object.entries(rates.byOwner)) into(reps, k, t);
    for (const [k, v] of Object.entries(rates.sentBackReasons))
      sentBackReasons[k] = (sentBackReasons[k] ?? 0) + v;
  }
  const byCount = <T extends { tally: RateTally }>(a: T, b: T, ka: string, kb: string) =>
    b.tally.handedOff - a.tally.handedOff || (ka < kb ? -1 : ka > kb ? 1 : 0);
  return {
    total,
    byCrm: perCrm.map(({ crm, rates }) => ({ crm, total: rates.total })),
    reasons: [...reasons.entries()]
      .map(([reason, tally]) => ({ reason, tally }))
      .sort((a, b) => byCount(a, b, a.reason, b.reason)),
    reps: [...reps.entries()]
      .map(([key, tally]) => ({ key, name: names(key).name, tally }))
      .sort((a, b) => byCount(a, b, a.name, b.name)),
    sentBackReasons,
  };
}
