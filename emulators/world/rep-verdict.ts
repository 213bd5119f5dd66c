import type { SentBackReason } from '../../src/domain/rep-feedback.ts';
import type { LeadQuality } from './lead-quality.ts';
import { SeededRandom } from './seeded-random.ts';
import type { SalesRole, WorldUser } from './world.ts';

/**
 * How a rep judges the toss-ups they answered (issue 14): after the first response they set the
 * toss-up result in the CRM — accepted or sent back with a reason and a note — and some accepted
 * toss-ups become an opportunity (Salesforce: the lead converted with an opportunity, or an opportunity
 * on the contact's account; HubSpot: a deal on the contact) or are lost. The chances follow the lead's
 * quality (`lead-quality.ts`) and the rep's style: generous reps accept weaker leads and convert fewer
 * of them, picky reps send more back and convert more of what they keep. Delays are business hours.
 */

export const VERDICT_STYLES = ['generous', 'balanced', 'picky'] as const;
export type VerdictStyle = (typeof VERDICT_STYLES)[number];

export interface RepVerdictProfile {
  style: VerdictStyle;
  /** Share of their answered toss-ups the rep gives a verdict on at all (the rest stay without one). */
  verdictShare: number;
  /** Added to the lead's quality score before the accept draw. */
  acceptBias: number;
  /** Multiplies the chance that an accepted toss-up becomes an opportunity. */
  opportunityFactor: number;
  /** Typical business hours from the first response to the verdict. */
  verdictDelayHours: number;
  /** Typical business hours from acceptance to the opportunity (or the loss). */
  opportunityDelayHours: number;
}

const PROFILES: Readonly<Record<VerdictStyle, RepVerdictProfile>> = {
  generous: {
    style: 'generous',
    verdictShare: 0.85,
    acceptBias: 0.15,
    opportunityFactor: 0.8,
    verdictDelayHours: 3,
    opportunityDelayHours: 8,
  },
  balanced: {
    style: 'balanced',
    verdictShare: 0.9,
    acceptBias: 0,
    opportunityFactor: 1,
    verdictDelayHours: 4,
    opportunityDelayHours: 10,
  },
  picky: {
    style: 'picky',
    verdictShare: 0.95,
    acceptBias: -0.15,
    opportunityFactor: 1.3,
    verdictDelayHours: 2,
    opportunityDelayHours: 12,
  },
};

export function verdictProfile(style: VerdictStyle): RepVerdictProfile {
  return { ...PROFILES[style] };
}

/** Styles handed out per role, in turn, so every team has a mix. */
const STYLE_TURNS: Readonly<Record<SalesRole, readonly VerdictStyle[]>> = {
  field_sales: ['balanced', 'picky', 'generous'],
  inside_sales: ['generous', 'balanced'],
  account_manager: ['balanced', 'generous'],
  sales_planning: ['picky', 'balanced'],
};

/**
 * A verdict profile for every active user, from its own random stream so that adding verdicts changed
 * no other record of a world. Departed users get none (they answer nothing).
 */
export function assignVerdictProfiles(seed: number, users: readonly WorldUser[]): WorldUser[] {
  const random = new SeededRandom(seed, 'rep-verdict');
  const order = users.map((_u, i) => ({ i, key: random.next() })).sort((a, b) => a.key - b.key || a.i - b.i);
  const turn = new Map<SalesRole, number>();
  const styles = new Array<VerdictStyle | undefined>(users.length);
  for (const { i } of order) {
    const u = users[i] as WorldUser;
    if (!u.active) continue;
    const turns = STYLE_TURNS[u.role];
    const n = turn.get(u.role) ?? 0;
    styles[i] = turns[n % turns.length] as VerdictStyle;
    turn.set(u.role, n + 1);
  }
  return users.map((u, i) => {
    const style = styles[i];
    return style === undefined ? u : { ...u, verdict: verdictProfile(style) };
  });
}

/** What comes of an accepted toss-up later on. */
export interface LaterOutcome {
  result: 'opportunity' | 'lost';
  /** Business hours after the verdict. */
  afterHours: number;
  /** Opportunities: the amount in JPY. */
  amountJpy: number;
}

export type VerdictPlan =
  | { gives: false }
  | {
      gives: true;
      /** Business hours after the first response. */
      afterHours: number;
      result: 'accepted' | 'sent_back';
      sentBackReason: SentBackReason | null;
      /** The rep's comment (sent back only), in Japanese as the world's reps write. */
      note: string | null;
      later: LaterOutcome | null;
    };

/** The rep's comment on a sent-back toss-up: no names, nothing personal. */
export const SENT_BACK_NOTES: Readonly<Record<SentBackReason, string>> = {
  too_early: '検討は来期以降とのこと。時期を見て再アプローチ。',
  no_decision_maker: '決裁者に繋がらず。担当者レベルの情報収集段階。',
  no_budget: '今期は予算化されていないとのこと。',
  not_our_target: '規模・用途とも当社の対象外。',
  duplicate: '別のリードで商談中のため重複。',
  unreachable: '架電・メールとも応答なし。',
  other: '先方都合で保留。',
};

/**
 * The rep's verdict on one toss-up, a pure function of the world seed, the task's key, the lead's
 * quality and the profile: the same on every run, whatever order tasks are looked at in.
 *
 * - accepted with probability quality + bias (within 5–95 %);
 * - sent back otherwise, with the first of the lead's gaps (or, rarely, duplicate / other);
 * - accepted ones become an opportunity with 0.1 + 0.7 × (quality − 0.3), at most 0.6, times the
 *   rep's factor; a fifth of the rest of the good ones is lost.
 */
export function verdictPlan(
  seed: number,
  taskKey: string,
  quality: LeadQuality,
  profile: RepVerdictProfile,
): VerdictPlan {
  const random = new SeededRandom(seed, `rep-verdict:${taskKey}`);
  const giveDraw = random.next();
  const acceptDraw = random.next();
  const delayDraw = random.next();
  const reasonDraw = random.next();
  const laterDraw = random.next();
  const laterDelayDraw = random.next();
  const amountDraw = random.next();
  if (giveDraw >= profile.verdictShare) return { gives: false };
  const afterHours = Math.max(0.5, profile.verdictDelayHours * (0.5 + delayDraw));
  const acceptChance = clamp(quality.score + profile.acceptBias, 0.05, 0.95);
  if (acceptDraw >= acceptChance) {
    const reason = sentBackReasonOf(quality, reasonDraw);
    return {
      gives: true,
      afterHours,
      result: 'sent_back',
      sentBackReason: reason,
      note: SENT_BACK_NOTES[reason],
      later: null,
    };
  }
  const opportunityChance =
    Math.min(0.6, Math.max(0, 0.1 + 0.7 * (quality.score - 0.3))) * profile.opportunityFactor;
  const lostChance = quality.band === 'low' ? 0 : 0.2 * (1 - opportunityChance);
  const laterAfter = profile.opportunityDelayHours * (0.5 + laterDelayDraw);
  const later: LaterOutcome | null =
    laterDraw < opportunityChance
      ? { result: 'opportunity', afterHours: laterAfter, amountJpy: amountOf(quality, amountDraw) }
      : laterDraw < opportunityChance + lostChance
        ? { result: 'lost', afterHours: laterAfter, amountJpy: 0 }
        : null;
  return { gives: true, afterHours, result: 'accepted', sentBackReason: null, note: null, later };
}

/** The lead's most telling gap; without one, "too early" (the usual answer), rarely duplicate / other. */
function sentBackReasonOf(quality: LeadQuality, draw: number): SentBackReason {
  if (draw < 0.04) return 'duplicate';
  if (draw < 0.08) return 'other';
  return quality.gaps[0] ?? 'too_early';
}

/** Deal sizes from ¥1M to ¥12M, larger for better leads; rounded to ¥100k. */
function amountOf(quality: LeadQuality, draw: number): number {
  const yen = 1_000_000 + 11_000_000 * Math.min(1, quality.score * 0.6 + draw * 0.5);
  return Math.round(yen / 100_000) * 100_000;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
