import type { EngagementTier } from './generate-activities.ts';
import { type SeededRandom, WeightedChoice } from './seeded-random.ts';
import type { WorldAnswer, WorldHearing } from './world.ts';
import { isoFromSeconds } from './world-time.ts';

/**
 * What inside sales wrote down after a BANT-style hearing call. Answers correlate the way they do
 * in practice: seniority drives "decision maker", engagement drives a clear problem and a short
 * timeline, and a short timeline usually comes with a budget. Plenty stay `unknown`.
 */

/** Chance a person of rank index 0 (staff) .. 8 (executive) says they decide. */
const DECISION_MAKER_YES = [0.02, 0.03, 0.06, 0.18, 0.3, 0.5, 0.62, 0.75, 0.88] as const;

const TIMELINE_COOL = new WeightedChoice<number>([
  [1, 6],
  [2, 7],
  [3, 16],
  [4, 4],
  [6, 24],
  [9, 6],
  [12, 37],
]);
const TIMELINE_HOT = new WeightedChoice<number>([
  [1, 14],
  [2, 14],
  [3, 28],
  [4, 6],
  [6, 20],
  [9, 4],
  [12, 14],
]);

const PROBLEMS = [
  'Excelでのリード管理に限界',
  'MQLの引き渡し基準が曖昧',
  '営業からのフィードバックが戻らない',
  'インサイドセールス立ち上げ中',
  'SFAが定着していない',
  '商談化率が低い',
  'リードが放置されがち',
] as const;
const SITUATIONS = [
  '競合(他社MA)と比較中',
  '情報収集段階',
  '来期予算で検討',
  '決裁者は営業本部長',
  '稟議は四半期ごと',
  'トライアル希望',
  '担当者が異動予定',
  'PoC実施を検討中',
] as const;
const ENGLISH_NOTES = [
  'Evaluating 2 vendors, decision next quarter',
  'Budget not secured yet',
  'Wants a demo for the sales team',
] as const;

function answer(random: SeededRandom, yes: number, unknown: number): WorldAnswer {
  const roll = random.next();
  return roll < yes ? 'yes' : roll < yes + unknown ? 'unknown' : 'no';
}

function notes(random: SeededRandom, timelineMonths: number | null): string | null {
  if (random.chance(0.25)) return null;
  if (random.chance(0.05)) return random.pick(ENGLISH_NOTES);
  const parts: string[] = [random.pick(PROBLEMS)];
  if (random.chance(0.6)) parts.push(random.pick(SITUATIONS));
  if (timelineMonths !== null && timelineMonths <= 3 && random.chance(0.5))
    parts.push(`導入時期: ${timelineMonths}ヶ月以内`);
  return `${parts.join('。')}。`;
}

export function generateHearing(
  random: SeededRandom,
  rankIndex: number,
  tier: EngagementTier,
  heardAtSeconds: number,
): WorldHearing {
  // Engaged prospects are more often the ones driving (and authorised for) the project.
  const decisionMaker = answer(
    random,
    Math.min(0.95, (DECISION_MAKER_YES[rankIndex] ?? 0.05) + 0.06 * tier),
    0.2,
  );
  const decisionInvolved =
    decisionMaker === 'yes' ? 'yes' : answer(random, Math.min(0.75, 0.22 + 0.06 * rankIndex), 0.2);
  const clearProblem = answer(random, 0.25 + 0.13 * tier, 0.25);
  const timelineMonths = random.chance(0.47 - 0.09 * tier)
    ? null
    : (tier >= 2 ? TIMELINE_HOT : TIMELINE_COOL).pick(random);
  const budget =
    timelineMonths === null
      ? answer(random, 0.08, 0.52)
      : timelineMonths <= 3
        ? answer(random, 0.55, 0.3)
        : answer(random, 0.28, 0.4);
  return {
    heardAt: isoFromSeconds(heardAtSeconds),
    budget,
    decisionMaker,
    decisionInvolved,
    clearProblem,
    timelineMonths,
    notes: notes(random, timelineMonths),
  };
}
