import type { Condition, RuleSet } from '../config/rule-set-schema.ts';
import { ruleSetVersion } from '../scoring/compile-rule-set.ts';
import { parseHoldDuration } from '../scoring/hold-expiry.ts';
import { activityLabel, describeCondition } from './describe-condition.ts';
import { DEFAULT_MESSAGES, type Locale } from './messages.ts';
import { FLAG_LABELS, NEXT_ACTION_LABELS } from './next-action-label.ts';

/**
 * A rule set as a page sales can read: what gets tossed up, in which order, and how the scores
 * are made. Markdown for wikis and the repo, HTML for a self-contained file to share.
 */

const T = {
  ja: {
    version: 'ルールバージョン',
    thresholds: '基準値',
    campaigns: '期間限定の基準 (キャンペーン)',
    order: '判定ルール (上から順に評価し、最初に該当したルールで決まります)',
    when: '条件',
    outcome: '結果',
    owner: '担当',
    missing: 'データ不足のとき',
    otherwise: 'どのルールにも該当しない場合',
    attribute: '属性スコア (上限 {cap}点)',
    behaviour: '行動スコア',
    group: '項目',
    tier: '条件',
    points: '点',
    activity: '行動',
    weight: '点数',
    source: {
      activities: '行動履歴から計算',
      ma: 'MAツールのスコアを使用',
      ma_or_activities: 'MAツールのスコア (なければ行動履歴から計算)',
    },
    window: '直近{days}日の行動が対象',
    decay: '{days}日ごとに点数が半減',
    page: 'ページ閲覧の加点',
    holdNote: '必要なデータが未入力で判定できない場合は「一時保留」とし、不足項目を理由に記載します。',
    required: '必須: 未入力なら保留',
    from: '開始',
    to: '終了',
    value: '基準',
    // A rule with an intent floor (intent-floor.ts): the owner either way, the task only with intent.
    intent: '{when} のとき {outcome}。それ以外は {otherwise} (担当はそのまま、タスクなし)',
  },
  en: {
    version: 'Rules version',
    thresholds: 'Thresholds',
    campaigns: 'Time-boxed thresholds (campaigns)',
    order: 'Decision rules (evaluated top to bottom; the first that applies decides)',
    when: 'When',
    outcome: 'Outcome',
    owner: 'Owner',
    missing: 'When data is missing',
    otherwise: 'When no rule applies',
    attribute: 'Fit score (capped at {cap})',
    behaviour: 'Behaviour score',
    group: 'Item',
    tier: 'Condition',
    points: 'points',
    activity: 'Activity',
    weight: 'Points',
    source: {
      activities: 'computed from activities',
      ma: "the MA tool's score",
      ma_or_activities: "the MA tool's score, or computed from activities when there is none",
    },
    window: 'activities of the last {days} days count',
    decay: 'points halve every {days} days',
    page: 'Extra points for page views',
    holdNote:
      'If data needed to decide is missing the lead is put on hold and the reason names what is missing.',
    required: 'required: hold when missing',
    from: 'from',
    to: 'to',
    value: 'Threshold',
    intent: '{outcome} when {when}; otherwise {otherwise} (same owner, no task)',
  },
} as const;

interface Block {
  heading: string;
  paragraphs?: string[];
  table?: { head: string[]; rows: string[][] };
}

export interface RulesPageOptions {
  /** Queue key → the name sales know it by (routing.yaml `queues[].name`). */
  queueNames?: Readonly<Record<string, string>>;
}

export function rulesPageBlocks(
  rs: RuleSet,
  locale: Locale,
  options: RulesPageOptions = {},
): { title: string; blocks: Block[] } {
  const t = T[locale];
  const m = { ...DEFAULT_MESSAGES[locale], ...rs.messages[locale] };
  // A threshold is named after the score it applies to: "属性スコア", not the rule file's key.
  const factLabel = (name: string): string => {
    const fact = thresholdFact(rs, name);
    return (fact && m[`label.${fact}`]) || name;
  };
  // Two thresholds on one score (behaviour, customerIntent) are told apart by their names.
  const thresholdLabel = (name: string): string => {
    const label = factLabel(name);
    const shared = Object.keys(rs.thresholds).some((k) => k !== name && factLabel(k) === label);
    return shared && label !== name ? `${label} (${name})` : label;
  };
  const outcome = (o: Pick<RuleSet['otherwise'], 'flag' | 'nextAction'> & { holdExpiresAfter?: string }) =>
    `${FLAG_LABELS[locale][o.flag]} → ${NEXT_ACTION_LABELS[locale][o.nextAction]}${holdExpiry(o.holdExpiresAfter)}`;
  // A hold that ends by itself says so: sales should know the lead will not wait forever.
  const holdExpiry = (text: string | undefined): string => {
    const d = parseHoldDuration(text);
    if (!d) return '';
    const nurture = NEXT_ACTION_LABELS[locale].nurture;
    if (locale === 'ja') return ` (${d.amount}${d.unit === 'days' ? '日' : '営業日'}続いたら → ${nurture})`;
    return ` (after ${d.amount} ${d.unit === 'days' ? 'days' : 'business days'} → ${nurture})`;
  };
  const owner = (o: RuleSet['rules'][number]['owner']) =>
    o === undefined
      ? ''
      : o === 'account_owner'
        ? m['label.company.accountOwnerId']!
        : o === 'requester'
          ? locale === 'ja'
            ? '依頼した営業'
            : 'the requesting rep'
          : (options.queueNames?.[o.queue] ?? o.queue);

  const num = (v: number) => v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
  const blocks: Block[] = [];
  blocks.push({
    heading: t.thresholds,
    paragraphs: [`${t.version}: \`${ruleSetVersion(rs)}\``],
    table: {
      head: ['', t.value],
      rows: Object.entries(rs.thresholds).map(([k, v]) => [thresholdLabel(k), num(v)]),
    },
  });
  if (rs.overrides.length > 0) {
    blocks.push({
      heading: t.campaigns,
      table: {
        head: ['', t.from, t.to, t.thresholds],
        rows: rs.overrides.map((o) => [
          o.label,
          o.from,
          o.to,
          Object.entries(o.thresholds)
            .map(([k, v]) => `${thresholdLabel(k)} ${num(v)}`)
            .join(', '),
        ]),
      },
    });
  }
  blocks.push({
    heading: t.order,
    table: {
      head: ['#', t.when, t.outcome, t.owner],
      rows: [
        ...rs.rules.map((r, i) => [
          `${i + 1}. ${r.description ?? r.id}`,
          describeCondition(r.when, rs, locale),
          r.intent
            ? t.intent
                .replace('{outcome}', outcome(r))
                .replace('{when}', describeCondition(r.intent.when, rs, locale))
                .replace('{otherwise}', outcome(r.intent.otherwise))
            : outcome(r),
          owner(r.owner),
        ]),
        [t.otherwise, '', outcome(rs.otherwise), ''],
        [t.missing, '', outcome(rs.missingData), ''],
      ],
    },
    paragraphs: [t.holdNote],
  });
  if (rs.attributeScore.groups.length > 0) {
    blocks.push({
      heading: t.attribute.replace('{cap}', String(rs.attributeScore.cap)),
      table: {
        head: [t.group, t.tier, t.points],
        rows: rs.attributeScore.groups.flatMap((g) =>
          g.tiers.map((tier, i) => [
            i === 0 ? `${m[`label.${g.fact}`] ?? g.fact}${g.required ? ` (${t.required})` : ''}` : '',
            describeCondition({ fact: g.fact, op: tier.op, value: tier.value }, rs, locale),
            String(tier.points),
          ]),
        ),
      },
    });
  }
  const b = rs.behaviourScore;
  const notes = [t.source[b.source], t.window.replace('{days}', String(b.windowDays))];
  if (b.halfLifeDays) notes.push(t.decay.replace('{days}', String(b.halfLifeDays)));
  blocks.push({
    heading: t.behaviour,
    paragraphs: [notes.join(' / ')],
    table: {
      head: [t.activity, t.weight],
      rows: [
        ...Object.entries(b.weights).map(([k, v]) => [activityLabel(k, locale), String(v)]),
        ...Object.entries(b.pageWeights).map(([k, v]) => [`${t.page}: ${m[`page.${k}`] ?? k}`, `+${v}`]),
      ],
    },
  });
  return { title: `${rs.name}: ${rs.description ?? ''}`.trim(), blocks };
}

/** The fact a named threshold is compared with in the rules (the first use), if any. */
function thresholdFact(rs: RuleSet, name: string): string | undefined {
  const find = (c: Condition): string | undefined => {
    if ('all' in c) return c.all.map(find).find(Boolean);
    if ('any' in c) return c.any.map(find).find(Boolean);
    if ('not' in c) return find(c.not);
    return c.threshold === name ? c.fact : undefined;
  };
  return rs.rules
    .flatMap((r) => (r.intent ? [find(r.when), find(r.intent.when)] : [find(r.when)]))
    .find(Boolean);
}

export function renderRulesMarkdown(rs: RuleSet, locale: Locale, options: RulesPageOptions = {}): string {
  const { title, blocks } = rulesPageBlocks(rs, locale, options);
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out = [`# ${title}`, ''];
  for (const b of blocks) {
    out.push(`## ${b.heading}`, '');
    for (const p of b.paragraphs ?? []) out.push(p, '');
    if (b.table) {
      out.push(`| ${b.table.head.map(cell).join(' | ')} |`, `|${b.table.head.map(() => '---').join('|')}|`);
      for (const r of b.table.rows) out.push(`| ${r.map(cell).join(' | ')} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

export function renderRulesHtml(rs: RuleSet, locale: Locale, options: RulesPageOptions = {}): string {
  const { title, blocks } = rulesPageBlocks(rs, locale, options);
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const body = blocks
    .map((b) => {
      const paras = (b.paragraphs ?? [])
        .map((p) => `<p>${esc(p).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
        .join('');
      const table = b.table
        ? `<table><thead><tr>${b.table.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.table.rows
            .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
            .join('')}</tbody></table>`
        : '';
      return `<section><h2>${esc(b.heading)}</h2>${paras}${table}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2933}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d9e2ec}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d9e2ec;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f4f8}code{background:#f0f4f8;padding:0 .2rem}
</style></head>
<body><h1>${esc(title)}</h1>
${body}
</body></html>
`;
}
