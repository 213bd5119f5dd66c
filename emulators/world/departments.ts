import type { TitleRank } from '../../src/domain/lead.ts';
import type { IndustryCode } from './industries.ts';
import { type SeededRandom, WeightedChoice } from './seeded-random.ts';

/**
 * Departments of the people a sales-automation SaaS vendor meets: sales, sales planning,
 * marketing, IT and corporate planning dominate; line functions (製造部, 物流部 ...) appear in the
 * industries that have them; a few are typed in English; about 8% are blank.
 */

const COMMON: ReadonlyArray<readonly [string, number]> = [
  ['営業部', 18],
  ['営業本部', 3],
  ['第一営業部', 2],
  ['営業企画部', 8],
  ['マーケティング部', 8],
  ['情報システム部', 12],
  ['経営企画部', 8],
  ['DX推進室', 4],
  ['総務部', 6],
  ['人事部', 3],
  ['経理部', 2],
  ['管理部', 3],
  ['事業開発部', 4],
  ['カスタマーサクセス部', 2],
  ['技術部', 3],
  ['購買部', 2],
  ['Sales', 1],
  ['IT', 1],
  ['Marketing', 1],
];

const BY_INDUSTRY: Readonly<Partial<Record<IndustryCode, ReadonlyArray<readonly [string, number]>>>> = {
  manufacturing: [
    ['製造部', 7],
    ['品質管理部', 3],
    ['生産管理部', 3],
  ],
  it_software: [
    ['開発部', 6],
    ['インサイドセールス部', 2],
  ],
  logistics: [['物流部', 6]],
  construction: [['工事部', 5]],
  healthcare: [['医事課', 4]],
  retail: [['店舗運営部', 4]],
  public: [
    ['総務課', 6],
    ['情報政策課', 6],
    ['企画課', 4],
  ],
};

const choices = new Map<IndustryCode | 'unknown', WeightedChoice<string>>();

function choiceFor(industry: IndustryCode | null): WeightedChoice<string> {
  const key = industry ?? 'unknown';
  let choice = choices.get(key);
  if (!choice) {
    const extra = industry ? (BY_INDUSTRY[industry] ?? []) : [];
    choice = new WeightedChoice([...COMMON, ...extra]);
    choices.set(key, choice);
  }
  return choice;
}

/** Top management rarely states a department; when they do it is corporate planning. */
export function pickDepartment(
  random: SeededRandom,
  industry: IndustryCode | null,
  rank: TitleRank,
): string | null {
  if (rank === 'executive') return random.chance(0.7) ? null : '経営企画部';
  if (rank === 'officer' && random.chance(0.4)) return null;
  if (random.chance(0.08)) return null;
  return choiceFor(industry).pick(random);
}

/** Departments that buy or sponsor a sales-automation tool; their people engage more. */
export const TARGET_DEPARTMENT_PATTERN =
  /営業|マーケティング|情報システム|経営企画|DX|インサイドセールス|Sales|Marketing|IT/;
