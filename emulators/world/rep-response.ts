import { SeededRandom } from './seeded-random.ts';
import type { SalesRole, WorldUser } from './world.ts';

/**
 * How a rep answers the toss-ups they are given, so the demo's multi-day run and the SLA tests see
 * reps who are prompt, steady, often late or never answer — as real sales teams are. Delays are in
 * business hours from the moment the task reached the rep (hand-off or reassignment); whether an
 * answer is on time is the SLA's business, not the profile's (a 12-hour answer is late for field
 * sales' one business day, on time for inside sales' three).
 */

export const RESPONSE_STYLES = ['prompt', 'steady', 'late', 'never'] as const;
export type ResponseStyle = (typeof RESPONSE_STYLES)[number];

/** What a rep does as the first response. */
export const RESPONSE_VIAS = ['task', 'call', 'meeting'] as const;
export type ResponseVia = (typeof RESPONSE_VIAS)[number];

export interface RepResponseProfile {
  style: ResponseStyle;
  /** Share of their tasks the rep acts on at all (0 for `never`). */
  answerShare: number;
  /** Typical delay of an answer, in business hours. */
  typicalDelayHours: number;
  /** Share of the answers that come late: after `lateDelayHours` instead of around the typical delay. */
  lateShare: number;
  /** Delay of a late answer, in business hours. */
  lateDelayHours: number;
  /**
   * How an answer is made, as weights: complete the toss-up task, or log a call / a meeting (and leave
   * the task open, which still counts as the first response).
   */
  via: Readonly<Record<ResponseVia, number>>;
}

const PROFILES: Readonly<Record<ResponseStyle, RepResponseProfile>> = {
  prompt: {
    style: 'prompt',
    answerShare: 0.95,
    typicalDelayHours: 2,
    lateShare: 0.05,
    lateDelayHours: 14,
    via: { task: 3, call: 2, meeting: 1 },
  },
  steady: {
    style: 'steady',
    answerShare: 0.85,
    typicalDelayHours: 4,
    lateShare: 0.15,
    lateDelayHours: 16,
    via: { task: 2, call: 2, meeting: 1 },
  },
  late: {
    style: 'late',
    answerShare: 0.7,
    typicalDelayHours: 8,
    lateShare: 0.6,
    lateDelayHours: 20,
    via: { task: 1, call: 2, meeting: 0 },
  },
  never: {
    style: 'never',
    answerShare: 0,
    typicalDelayHours: 0,
    lateShare: 0,
    lateDelayHours: 0,
    via: { task: 0, call: 0, meeting: 0 },
  },
};

export function responseProfile(style: ResponseStyle): RepResponseProfile {
  return { ...PROFILES[style], via: { ...PROFILES[style].via } };
}

/**
 * Styles handed out per role, in turn: every team gets a mix, and the field-sales team (who receive
 * most toss-ups) always includes one rep who never answers, so the ladder has something to escalate.
 */
const STYLE_TURNS: Readonly<Record<SalesRole, readonly ResponseStyle[]>> = {
  field_sales: ['steady', 'never', 'prompt', 'late'],
  inside_sales: ['prompt', 'late', 'steady'],
  account_manager: ['steady', 'late'],
  sales_planning: ['prompt', 'steady'],
};

/**
 * A profile for every user, from its own random stream, so adding profiles changed no other record
 * of a world. Departed (inactive) users never answer.
 */
export function assignResponseProfiles(seed: number, users: readonly WorldUser[]): WorldUser[] {
  const random = new SeededRandom(seed, 'rep-response');
  const order = users.map((_u, i) => ({ i, key: random.next() })).sort((a, b) => a.key - b.key || a.i - b.i);
  const turn = new Map<SalesRole, number>();
  const styles = new Array<ResponseStyle>(users.length);
  for (const { i } of order) {
    const u = users[i] as WorldUser;
    if (!u.active) {
      styles[i] = 'never';
      continue;
    }
    const turns = STYLE_TURNS[u.role];
    const n = turn.get(u.role) ?? 0;
    styles[i] = turns[n % turns.length] as ResponseStyle;
    turn.set(u.role, n + 1);
  }
  return users.map((u, i) => ({ ...u, response: responseProfile(styles[i] as ResponseStyle) }));
}

/** What one rep does about one task: nothing, or answer after `afterHours` business hours via `via`. */
export type ResponsePlan =
  | { answers: false }
  | { answers: true; afterHours: number; late: boolean; via: ResponseVia };

/**
 * The rep's plan for one task, a pure function of the world seed, the task's identity and the
 * profile: the same task gets the same answer whichever order tasks are looked at in, on every run.
 */
export function responsePlan(seed: number, taskKey: string, profile: RepResponseProfile): ResponsePlan {
  const random = new SeededRandom(seed, `rep-response:${taskKey}`);
  const answerDraw = random.next();
  const lateDraw = random.next();
  const spread = random.next();
  const viaDraw = random.next();
  if (answerDraw >= profile.answerShare) return { answers: false };
  const late = lateDraw < profile.lateShare;
  // ±50 % around the typical delay (at least a quarter hour); late answers 1×–1.5× the late delay.
  const afterHours = late
    ? profile.lateDelayHours * (1 + 0.5 * spread)
    : Math.max(0.25, profile.typicalDelayHours * (0.5 + spread));
  return { answers: true, afterHours, late, via: pickVia(profile.via, viaDraw) };
}

function pickVia(weights: Readonly<Record<ResponseVia, number>>, draw: number): ResponseVia {
  const total = RESPONSE_VIAS.reduce((s, v) => s + weights[v], 0);
  let point = draw * total;
  for (const v of RESPONSE_VIAS) {
    point -= weights[v];
    if (point < 0) return v;
  }
  return 'task';
}
