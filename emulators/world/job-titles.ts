import { TITLE_RANKS, type TitleRank } from '../../src/domain/lead.ts';
import { type SeededRandom, WeightedChoice } from './seeded-random.ts';

/**
 * Job titles as people type them into forms and business-card scanners: plain Japanese ranks,
 * department-qualified ranks (営業部長, 情報システム部 課長), board-plus-function compounds
 * (取締役 営業本部長, 執行役員 CIO), English titles at foreign-affiliated and IT companies, mixed forms,
 * and blanks. The rank ladder is the product's `TitleRank`.
 */

// Ranks follow the product's title normalizer (src/normalize/title-rank.ts): ゼネラルマネージャー and
// Head of X are division heads, 副 lowers a title one step, VPs are officers, CxOs are executives.
const JA_CORE: Readonly<Record<TitleRank, readonly string[]>> = {
  staff: ['担当', '一般', 'スタッフ', '担当者', 'メンバー'],
  senior_staff: ['主任', '主事', 'シニアスタッフ'],
  supervisor: ['係長', '課長代理', 'リーダー', 'チームリーダー', 'グループリーダー', '主査'],
  manager: ['課長', 'マネージャー', 'マネジャー', 'グループ長'],
  deputy_head: ['次長', '部長代理', '副部長', 'シニアマネージャー'],
  department_head: ['部長', '部門長', '副本部長'],
  division_head: ['本部長', '事業部長', '統括部長', 'ゼネラルマネージャー'],
  officer: ['執行役員', '取締役', '常務取締役', '専務取締役', '常務執行役員', '副社長'],
  executive: ['代表取締役', '代表取締役社長', '社長', '代表', '会長'],
};

const EN_CORE: Readonly<Record<TitleRank, readonly string[]>> = {
  staff: ['Staff', 'Sales Representative', 'Engineer', 'Associate', 'Specialist'],
  senior_staff: ['Senior Engineer', 'Senior Specialist', 'Account Manager'],
  supervisor: ['Team Leader', 'Supervisor', 'Team Lead'],
  manager: ['Manager', 'Sales Manager', 'IT Manager', 'Marketing Manager'],
  deputy_head: ['Senior Manager', 'Deputy General Manager'],
  department_head: ['Director', 'Sales Director', 'IT Director'],
  division_head: ['Senior Director', 'Head of IT', 'Head of Sales', 'General Manager', 'Head of Marketing'],
  officer: ['Executive Officer', 'Board Director', 'Managing Director', 'Vice President', 'VP of Sales'],
  executive: ['CEO', 'President', 'President & CEO', 'Founder & CEO', 'CIO', 'CTO', 'CFO', 'COO', 'CMO'],
};

/** Function heads that follow a board title: 取締役 営業本部長. */
const BOARD_FUNCTIONS: readonly string[] = [
  '営業本部長',
  '管理本部長',
  '事業本部長',
  '経営企画本部長',
  'DX推進担当',
];

/**
 * Who fills in B2B forms, by company size: at small firms the president often is the contact;
 * at enterprises most contacts are staff to manager level. Weights follow the product's ladder
 * (`TITLE_RANKS` in src/domain/lead.ts), most junior first.
 */
const RANK_BY_SIZE: ReadonlyArray<readonly [maxEmployees: number, WeightedChoice<TitleRank>]> = [
  [29, new WeightedChoice(zipRanks([30, 8, 8, 11, 3, 11, 3, 7, 19]))],
  [299, new WeightedChoice(zipRanks([27, 9, 10, 19, 5, 15, 5, 5, 5]))],
  [Number.POSITIVE_INFINITY, new WeightedChoice(zipRanks([27, 10, 11, 23, 7, 13, 5, 3, 1]))],
];

function zipRanks(weights: readonly number[]): Array<readonly [TitleRank, number]> {
  return TITLE_RANKS.map((rank, i) => [rank, weights[i] ?? 0] as const);
}

export function pickTitleRank(random: SeededRandom, employees: number): TitleRank {
  for (const [max, choice] of RANK_BY_SIZE) if (employees <= max) return choice.pick(random);
  return 'staff';
}

function separator(random: SeededRandom): string {
  const roll = random.next();
  return roll < 0.7 ? ' ' : roll < 0.9 ? '　' : '';
}

/**
 * The title text for a person of `rank` in `department`; `null` or `''` for the blanks CRMs
 * are full of (about 5%).
 */
export function composeTitle(
  random: SeededRandom,
  rank: TitleRank,
  department: string | null,
  english: boolean,
): string | null {
  const blank = random.next();
  if (blank < 0.025) return null;
  if (blank < 0.05) return '';
  if (english || random.chance(0.08)) {
    const core = random.pick(EN_CORE[rank]);
    const mixed = random.next();
    if (mixed < 0.08 && rank === 'manager')
      return `マネージャー (${random.pick(['Sales', 'IT', 'Marketing'])})`;
    if (mixed < 0.14 && department) return `${department} ${core}`;
    return core;
  }
  const core = random.pick(JA_CORE[rank]);
  const style = random.next();
  if ((rank === 'officer' || rank === 'executive') && style < 0.35) {
    if (rank === 'executive') return random.chance(0.5) ? `${core} CEO` : `${core} 兼 CEO`;
    return `${core}${separator(random)}${random.pick(BOARD_FUNCTIONS)}`;
  }
  if (department && rank !== 'executive' && rank !== 'officer' && style < 0.3) {
    if (rank === 'department_head' && department.endsWith('部') && random.chance(0.5))
      return `${department}長`;
    if (rank === 'division_head' && department.endsWith('本部')) return `${department}長`;
    return `${department}${separator(random)}${core}`;
  }
  if (rank === 'department_head' && style < 0.36)
    return `${core} 兼 ${random.pick(['情報システム室長', '営業企画室長', 'DX推進室長'])}`;
  return random.chance(0.01) ? `${core} ` : core;
}
