import type { Decision } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import { cutGraphemes, fitText } from '../domain/text-length.ts';
import { activityLabel } from '../reasons/describe-condition.ts';
import { industryLabel } from '../reasons/format-value.ts';
import { dateTimeFormat, numberFormat } from '../reasons/intl-formats.ts';
import { DEFAULT_MESSAGES, type Locale } from '../reasons/messages.ts';
import { NEXT_ACTION_LABELS } from '../reasons/next-action-label.ts';
import type { ReasonRenderer } from '../reasons/render-reasons.ts';
import { zonedDate } from '../sla/zoned-time.ts';

/**
 * The task a rep receives. Short and structured on purpose (domain.md: too much information in a
 * hand-off confuses the receiver): why it was handed over, what to do by when, the few facts needed
 * to act at once, and a link to the record where everything else lives.
 */

const L = {
  ja: {
    tag: '【トスアップ】',
    why: 'トスアップ理由',
    next: '次のアクション',
    due: '期限',
    priority: '優先度',
    company: '企業',
    person: '役職・部署',
    hearing: 'ISヒアリング',
    touch: '直近の接点',
    record: 'レコード',
    rules: '判定ルール',
    missingData: 'データ不足のため保留',
    notHeard: '未実施',
    employees: '名',
    priorities: { high: '高', medium: '中', low: '低' },
    answers: { yes: 'あり', no: 'なし', unknown: '不明' },
    budget: '予算',
    dm: '決裁者',
    problem: '課題',
    timeline: '導入時期',
    months: 'ヶ月以内',
    notes: 'メモ',
    // One label per next action on every surface (src/reasons/next-action-label.ts).
    actions: NEXT_ACTION_LABELS.ja,
  },
  en: {
    tag: '[Toss-up] ',
    why: 'Why',
    next: 'Next action',
    due: 'Due',
    priority: 'Priority',
    company: 'Company',
    person: 'Title / department',
    hearing: 'IS hearing',
    touch: 'Recent touchpoints',
    record: 'Record',
    rules: 'Rules',
    missingData: 'on hold: data missing',
    notHeard: 'not done yet',
    employees: ' employees',
    priorities: { high: 'high', medium: 'medium', low: 'low' },
    answers: { yes: 'yes', no: 'no', unknown: 'unknown' },
    budget: 'budget',
    dm: 'decision maker',
    problem: 'problem',
    timeline: 'timeline',
    months: ' months',
    notes: 'notes',
    actions: NEXT_ACTION_LABELS.en,
  },
} as const;

export interface HandOffNote {
  subject: string;
  body: string;
}

export function handOffNote(
  lead: Lead,
  decision: Decision,
  options: {
    renderer: ReasonRenderer;
    locale: Locale;
    dueAt: string | null;
    recordUrl: string | null;
    timeZone: string;
  },
): HandOffNote {
  const t = L[options.locale];
  const c = lead.company;
  const p = lead.person;
  const action = t.actions[decision.nextAction];
  // Salesforce's Subject holds 255 UTF-16 units: the shared length rule cuts between whole characters.
  const subject = fitText([`${t.tag}${c.name ?? lead.id}`, p.title, action].filter(Boolean).join(' / '), 255);
  const numberLocale = options.locale === 'ja' ? 'ja-JP' : 'en-US';

  const when = (iso: string) =>
    dateTimeFormat(options.locale === 'ja' ? 'ja-JP' : 'en-GB', {
      timeZone: options.timeZone,
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(new Date(iso));
  const facts = [
    c.industry ? industryLabel(c.industry, DEFAULT_MESSAGES[options.locale]) : null,
    c.employees !== null ? `${numberFormat(numberLocale).format(c.employees)}${t.employees}` : null,
    c.region,
  ]
    .filter(Boolean)
    .join(', ');
  const h = lead.hearing;
  const hearing = h
    ? [
        `${t.budget} ${t.answers[h.budget]}`,
        `${t.dm} ${t.answers[h.decisionMaker]}`,
        `${t.problem} ${t.answers[h.clearProblem]}`,
        h.timelineMonths !== null ? `${t.timeline} ${h.timelineMonths}${t.months}` : null,
        // Cut between graphemes: a UTF-16 slice could leave half an emoji (a lone surrogate) in the task.
        h.notes ? `${t.notes}: ${cutGraphemes(h.notes, 200)}` : null,
      ]
        .filter(Boolean)
        .join(' / ')
    : t.notHeard;
  // Sorted by instant and dated in the SLA zone: `…T23:30:00Z` is the next morning in Tokyo, and ISO
  // strings with different offsets do not sort as text.
  const touches = lead.activities
    .filter((a) => a.type !== 'email_open')
    .map((a) => ({ a, ms: Date.parse(a.at) }))
    .filter((x) => !Number.isNaN(x.ms))
    .sort((x, y) => y.ms - x.ms)
    .slice(0, 5)
    .map(
      ({ a, ms }) =>
        `${zonedDate(new Date(ms), options.timeZone)} ${activityLabel(a.type, options.locale)}${a.page ? ` (${a.page})` : ''}${a.source ? ` – ${a.source}` : ''}`,
    )
    .join(', ');

  const lines = [
    `${t.why}: ${options.renderer.renderCompact(decision.reasons, 500)}`,
    `${t.next}: ${action}${options.dueAt ? ` (${t.due}: ${when(options.dueAt)})` : ''}`,
    `${t.priority}: ${t.priorities[decision.priority]}`,
    `${t.company}: ${c.name ?? '-'}${facts ? ` (${facts})` : ''}`,
    `${t.person}: ${[p.title, p.department].filter(Boolean).join(' / ') || '-'}`,
    `${t.hearing}: ${hearing}`,
    ...(touches ? [`${t.touch}: ${touches}`] : []),
    ...(options.recordUrl ? [`${t.record}: ${options.recordUrl}`] : []),
    // A hold for missing data was not decided by the rule whose id the engine records.
    `${t.rules}: ${decision.missing.length > 0 ? t.missingData : decision.ruleId} @ ${decision.rulesVersion}`,
  ];
  return { subject, body: lines.join('\n') };
}
