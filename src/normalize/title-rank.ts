import { TITLE_RANK_ORDER, TITLE_RANKS, type TitleRank } from '../domain/lead.ts';
import { toMatchText } from './match-text.ts';

/**
 * Seniority of a job title, Japanese or English, on the `TitleRank` ladder.
 *
 * Choices where titles are ambiguous (documented in docs/lead-model.md):
 * - "Director" → `department_head`. The domain equates "director level" with 部長, and Japanese
 *   business cards translate 部長 as Director; a bare Director therefore meets "部長以上" but not
 *   "本部長以上". Senior Director, Head of X and General Manager → `division_head`; Managing,
 *   Executive and Board Director → `officer`; Representative Director (代表取締役) → `executive`.
 * - A CxO title is `executive` even inside an officer title ("執行役員 兼 CIO"): the C-level
 *   role is what the prospect decides as.
 * - Compound titles take their most senior part ("取締役 営業本部長" → officer).
 * - 代理/補佐 after a title and 副 / Assistant / Deputy / Associate / Vice before it lower it one
 *   step ("部長代理" → deputy_head, "副社長" → officer, "Assistant Manager" → supervisor).
 * - Role titles that manage a thing, not people (Account/Product/Project Manager, Product
 *   Owner) are `senior_staff`.
 * - Former roles ("元社長", "ex-CEO") count for nothing.
 * Unknown titles are `null`, never a guess.
 *
 * @example
 * titleRank('取締役 営業本部長'); // 'officer'
 * titleRank('Head of Sales, Japan'); // 'division_head'
 */
export function titleRank(raw: string | null | undefined): TitleRank | null {
  if (typeof raw !== 'string') return null;
  const text = toMatchText(raw)
    .replace(/v\.\s?p\./gu, 'vp')
    // Dots only shorten words ("Sr.", "Mgr."); none of our keywords contain one.
    .replace(/\./gu, ' ');
  let best: TitleRank | null = null;
  for (const part of text.split(PART_SEPARATOR)) {
    const trimmed = part.trim();
    if (trimmed === '' || FORMER.test(trimmed)) continue;
    best = higher(
      best,
      higher(japaneseRank(trimmed.replace(/\s+/gu, '')), englishRank(expand(latinOnly(trimmed)))),
    );
  }
  return best;
}

const LABELS: Readonly<Record<'ja' | 'en', Readonly<Record<TitleRank, string>>>> = {
  ja: {
    staff: '担当者',
    senior_staff: '主任',
    supervisor: '係長',
    manager: '課長',
    deputy_head: '次長',
    department_head: '部長',
    division_head: '本部長',
    officer: '役員',
    executive: '経営者',
  },
  en: {
    staff: 'Staff',
    senior_staff: 'Senior staff',
    supervisor: 'Supervisor',
    manager: 'Manager',
    deputy_head: 'Senior Manager',
    department_head: 'Director',
    division_head: 'Head of division',
    officer: 'Officer',
    executive: 'Executive',
  },
};

/** Name of a rank for reasons shown to sales ("部長以上", "Director or above"). */
export function titleRankLabel(rank: TitleRank, locale: 'ja' | 'en'): string {
  return LABELS[locale][rank];
}

function higher(a: TitleRank | null, b: TitleRank | null): TitleRank | null {
  if (a === null) return b;
  if (b === null) return a;
  return TITLE_RANK_ORDER[a] >= TITLE_RANK_ORDER[b] ? a : b;
}

function stepDown(rank: TitleRank): TitleRank {
  return TITLE_RANKS[Math.max(0, TITLE_RANK_ORDER[rank] - 2)]!;
}

/** 兼 and list punctuation join several roles; brackets hold a second role or a department. */
const PART_SEPARATOR = /兼|[/,、;|&・()[\]【】]|\s(?:and|-|–|—)\s/u;
const FORMER = /^(?:元|前|former\b|ex\b|ex-|retired\b)/u;

// ---------------------------------------------------------------------------------------------
// Japanese: keywords found anywhere in the part (department prefixes like "営業部" do no harm).
// Where keywords overlap, the longest wins ("本部長" over "部長", "アシスタントマネージャー" over
// "マネージャー"); the others are dropped.

const MANAGER_KATAKANA = 'マネー?ジャー?';
const JAPANESE_KEYWORDS: ReadonlyArray<readonly [string, TitleRank]> = [
  ['代表取締役', 'executive'],
  ['代表執行役', 'executive'],
  ['代表社員', 'executive'],
  ['代表理事', 'executive'],
  ['代表者', 'executive'],
  ['^代表$', 'executive'],
  // 社長室 / 会長室 are departments, not titles.
  ['社長(?!室)', 'executive'],
  ['会長(?!室)', 'executive'],
  ['頭取', 'executive'],
  ['理事長', 'executive'],
  ['院長', 'executive'],
  ['学長', 'executive'],
  ['校長', 'executive'],
  ['組合長', 'executive'],
  ['創業者', 'executive'],
  ['創設者', 'executive'],
  ['経営者', 'executive'],
  ['ファウンダー', 'executive'],
  ['プレジデント', 'executive'],
  ['オーナー', 'executive'],
  ['最高.{1,10}?責任者', 'executive'],
  ['取締役(?!会)', 'officer'],
  ['執行役員', 'officer'],
  ['執行役', 'officer'],
  ['常務', 'officer'],
  ['専務', 'officer'],
  ['役員(?!室|会)', 'officer'],
  ['監査役', 'officer'],
  ['理事(?!会)', 'officer'],
  ['本部長', 'division_head'],
  ['事業部長', 'division_head'],
  ['統括部長', 'division_head'],
  ['支社長', 'division_head'],
  ['局長', 'division_head'],
  [`ゼネラル${MANAGER_KATAKANA}`, 'division_head'],
  [`ジェネラル${MANAGER_KATAKANA}`, 'division_head'],
  ['部長', 'department_head'],
  ['室長', 'department_head'],
  ['センター長', 'department_head'],
  ['部門長', 'department_head'],
  ['支店長', 'department_head'],
  ['所長', 'department_head'],
  ['工場長', 'department_head'],
  ['事務局長', 'department_head'],
  ['ディレクター?', 'department_head'],
  ['次長', 'deputy_head'],
  [`シニア${MANAGER_KATAKANA}`, 'deputy_head'],
  ['課長', 'manager'],
  ['グループ長', 'manager'],
  ['店長', 'manager'],
  ['営業所長', 'manager'],
  [MANAGER_KATAKANA, 'manager'],
  ['係長', 'supervisor'],
  // 主査 is 係長-grade in most companies and in the public sector.
  ['主査', 'supervisor'],
  ['班長', 'supervisor'],
  ['職長', 'supervisor'],
  ['チーム長', 'supervisor'],
  ['リーダー?', 'supervisor'],
  ['スーパーバイザー?', 'supervisor'],
  [`アシスタント${MANAGER_KATAKANA}`, 'supervisor'],
  ['主任', 'senior_staff'],
  ['主事', 'senior_staff'],
  ['チーフ', 'senior_staff'],
  ['シニア', 'senior_staff'],
  ['リード', 'senior_staff'],
  [`(?:プロダクト|プロジェクト|プログラム|アカウント)${MANAGER_KATAKANA}`, 'senior_staff'],
  ['(?:プロダクト|プロセス)オーナー', 'senior_staff'],
  ['担当', 'staff'],
  ['一般社員', 'staff'],
  ['一般職', 'staff'],
  // Not 一般社団法人 and the like, which name an organisation.
  ['一般(?!社団|財団|法人|企業)', 'staff'],
  ['社員', 'staff'],
  ['職員', 'staff'],
  ['研究員', 'staff'],
  ['事務', 'staff'],
  ['秘書', 'staff'],
  ['スタッフ', 'staff'],
  ['メンバー', 'staff'],
  ['エンジニア', 'staff'],
  ['アシスタント', 'staff'],
  ['アナリスト', 'staff'],
  ['スペシャリスト', 'staff'],
  ['コンサルタント', 'staff'],
  ['アルバイト', 'staff'],
  ['パート(?!ナー)', 'staff'],
  ['インターン', 'staff'],
];
const JAPANESE_PATTERNS = JAPANESE_KEYWORDS.map(([source, rank]) => ({ re: new RegExp(source, 'gu'), rank }));

/** "部長代理", "課長補佐": standing in for the title, one step below it. */
const STAND_IN_SUFFIX = /^(?:代理|補佐|補)/u;
/** "部長付", "社長秘書": attached to the title holder, not holding it. */
const ATTACHED_SUFFIX = /^(?:付|秘書)/u;

interface KeywordHit {
  start: number;
  end: number;
  rank: TitleRank;
}

function japaneseRank(part: string): TitleRank | null {
  const hits: KeywordHit[] = [];
  for (const { re, rank } of JAPANESE_PATTERNS) {
    for (const m of part.matchAll(re)) hits.push({ start: m.index, end: m.index + m[0].length, rank });
  }
  let best: TitleRank | null = null;
  for (const hit of hits) {
    const covered = hits.some(
      (other) =>
        other !== hit &&
        other.start <= hit.start &&
        other.end >= hit.end &&
        other.end - other.start > hit.end - hit.start,
    );
    if (covered) continue;
    let rank = hit.rank;
    const after = part.slice(hit.end);
    if (ATTACHED_SUFFIX.test(after)) rank = 'staff';
    else if (STAND_IN_SUFFIX.test(after)) rank = stepDown(rank);
    if (part[hit.start - 1] === '副') rank = stepDown(rank);
    best = higher(best, rank);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// English: the title's head phrase decides ("Assistant to the CEO" is an assistant). Modifiers
// in front adjust it (Assistant/Deputy lower, Senior/Lead raise individual contributors).

const ABBREVIATIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bsr\b/gu, 'senior'],
  [/\bjr\b/gu, 'junior'],
  [/\bmgr\b|\bmngr\b/gu, 'manager'],
  [/\basst\b/gu, 'assistant'],
  [/\bassoc\b/gu, 'associate'],
  [/\bdept\b/gu, 'department'],
  [/\bdir\b/gu, 'director'],
  [/\bexec\b/gu, 'executive'],
  [/\bgm\b/gu, 'general manager'],
  [/\bvice-?president\b/gu, 'vice president'],
  [/\bco-?founder\b/gu, 'founder'],
];

/**
 * English rules read only the Latin words: "情報システム部 Senior Engineer" is a Senior Engineer.
 * A Latin word glued to a unit name is a department ("CEO室", "IT部"), not a title.
 */
function latinOnly(part: string): string {
  return part
    .replace(/[a-z\d]+(?=室|部|課|グループ|チーム|センター)/gu, ' ')
    .replace(/[^\p{Script=Latin}\d\s'&-]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

function expand(part: string): string {
  let text = part;
  for (const [re, word] of ABBREVIATIONS) text = text.replace(re, word);
  return text;
}

const C_LEVEL =
  /(?<![a-z])(?:ceo|coo|cfo|cto|cio|cmo|cdo|cro|cso|cpo|cao|cco|cbo|clo|cxo|chro|ciso|cdxo|caio)(?![a-z]|室)/u;
const HEAD_PHRASE_END = /\s(?:of|to|for|at|in|on|with)\s/u;

/** Rules on the whole part: they need words after "of" ("Member of the Board"). */
const WHOLE_PART_RULES: ReadonlyArray<readonly [RegExp, TitleRank]> = [
  [/\bchief\b.*\bofficer\b/u, 'executive'],
  [/\brepresentative director\b/u, 'executive'],
  [/\b(?:member|director)s? of the board\b|\bboard of directors\b|\bboard (?:member|director)\b/u, 'officer'],
  [/\b(?:managing|executive|non-executive|outside|external|independent) director\b/u, 'officer'],
  [/\bexecutive officer\b|\bcorporate officer\b/u, 'officer'],
  [/\b(?:corporate|statutory|standing) auditor\b/u, 'officer'],
  [/^head of\b/u, 'division_head'],
];

/** Rules on the head phrase, most specific first. */
const HEAD_RULES: ReadonlyArray<readonly [RegExp, TitleRank]> = [
  [C_LEVEL, 'executive'],
  [/\bpresident\b/u, 'executive'],
  [/\bfounder\b/u, 'executive'],
  [/\bchair(?:man|woman|person)?\b/u, 'executive'],
  [/\b(?:product|process|data|service|system|account|content|project|channel) owner\b/u, 'senior_staff'],
  [/\bowner\b/u, 'executive'],
  [/\bgeneral manager\b/u, 'division_head'],
  [/\b(?:department|division) head\b/u, 'department_head'],
  [/\bsection (?:head|chief)\b/u, 'manager'],
  [/\b(?:team|group) head\b/u, 'supervisor'],
  [/\bhead\b/u, 'division_head'],
  [/\bdirector\b/u, 'department_head'],
  [
    /\b(?:account|key account|product|project|program|programme|customer success|success|partner|community) manager\b/u,
    'senior_staff',
  ],
  [/\bmanager\b/u, 'manager'],
  [/\bsupervisor\b|\bforeman\b|\b(?:team|group) lead(?:er)?\b|\bleader\b/u, 'supervisor'],
  [/\bchief\b|\blead\b/u, 'senior_staff'],
  [/\b(?:account|sales|marketing|business development) executive\b/u, 'staff'],
  [
    /\b(?:staff|specialist|engineer|developer|programmer|designer|associate|analyst|assistant|coordinator|consultant|representative|rep|clerk|administrator|admin|accountant|planner|marketer|researcher|scientist|architect|agent|operator|technician|intern|trainee|member|employee|secretary|receptionist|advisor|adviser|salesperson|writer|editor|buyer)s?\b/u,
    'staff',
  ],
];

function englishRank(part: string): TitleRank | null {
  if (!/[a-z]/u.test(part)) return null;
  if (/^(?:deputy|assistant) general manager\b/u.test(part)) return 'deputy_head';
  if (/^(?:assistant|associate) vice president\b|^avp\b/u.test(part)) return 'division_head';
  if (/^(?:(?:senior|executive|group|corporate) )?vice president\b|^[es]?vp\b/u.test(part)) return 'officer';
  if (/^(?:assistant|secretary|aide) to\b/u.test(part)) return 'staff';

  const lowered = /^(?:assistant|deputy|associate|vice|sub|under)[ -](.+)$/u.exec(part);
  if (lowered) {
    const rank = englishRank(lowered[1]!);
    return rank === null ? null : stepDown(rank);
  }
  const raised = /^(?:senior|principal|lead)[ -](.+)$/u.exec(part);
  if (raised) {
    const rank = englishRank(raised[1]!);
    if (rank === 'staff') return 'senior_staff';
    if (rank === 'manager') return 'deputy_head';
    if (rank === 'department_head') return 'division_head';
    return rank;
  }
  const acting = /^(?:acting|interim|co)[ -](.+)$/u.exec(part);
  if (acting) return englishRank(acting[1]!);

  for (const [re, rank] of WHOLE_PART_RULES) if (re.test(part)) return rank;
  const head = part.split(HEAD_PHRASE_END)[0]!;
  for (const [re, rank] of HEAD_RULES) if (re.test(head)) return rank;
  // "VP Sales", "SVP Marketing": the abbreviation leads but is not at the start after a prefix.
  if (/\b(?:[es]?vp|vice president)\b/u.test(head)) return 'officer';
  return null;
}
