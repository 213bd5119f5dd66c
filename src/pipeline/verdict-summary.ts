import type { Locale } from '../reasons/messages.ts';
import type { VerdictTally } from './run-report.ts';
import { numbers } from './summary-columns.ts';

/**
 * The sync summary's "rep verdicts" block (docs/sales-in-the-loop.md): how many leads read this run
 * had their outcome shaped by a rep's verdict. Nothing when none did.
 */
const WORDS: Readonly<Record<Locale, { title: string } & Readonly<Record<keyof VerdictTally, string>>>> = {
  ja: {
    title: '営業の判断 (読み込んだリード)',
    stands: '差し戻し・失注のため判定を保留',
    released: '判断後の新たな行動で再判定',
    keep_hand_off: '受入・商談化のためトスアップを維持',
  },
  en: {
    title: 'Rep verdicts (leads read)',
    stands: 'sent back or lost: left as they are',
    released: 'new intent after the verdict: decided again',
    keep_hand_off: 'accepted or opportunity: hand-off kept',
  },
};

export function verdictSummary(
  tally: VerdictTally | undefined,
  locale: Locale,
  n: (v: number) => string,
): string[] {
  if (!tally) return [];
  const w = WORDS[locale];
  const rows = (['stands', 'released', 'keep_hand_off'] as const)
    .filter((k) => (tally[k] ?? 0) > 0)
    .map((k): [string, number] => [w[k], tally[k] ?? 0]);
  return rows.length === 0 ? [] : [w.title, ...numbers(rows, n), ''];
}
