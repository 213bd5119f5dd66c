import type { Locale } from '../reasons/messages.ts';
import {
  flagLabel,
  hours,
  nextActionLabel,
  percent,
  REVIEW_LABELS,
  reasonLabel,
  sentBackReasonLabel,
} from './review-labels.ts';
import { OVERDUE_AGES, type RateRow, type ResponseRow, type ReviewModel } from './review-model.ts';

/**
 * The review as tables, one per section, with raw values and a kind per column: the one layout the
 * HTML, Markdown and CSV renderers share (CSV keeps numbers as numbers, the others format them).
 */
export type ColumnKind = 'text' | 'count' | 'rate' | 'hours' | 'decimal' | 'instant';
export type CellValue = string | number | null;

export interface ReviewTable {
  /** Stable id (CSV section name, HTML anchor). */
  id: string;
  section: 'summary' | 'followUp' | 'accuracy';
  title: string;
  note?: string;
  columns: { label: string; kind: ColumnKind }[];
  rows: CellValue[][];
  /** Set when the rows are a part of a longer list. */
  shownOf?: { shown: number; total: number };
}

export function reviewTables(m: ReviewModel, locale: Locale): ReviewTable[] {
  const t = REVIEW_LABELS[locale];
  const a = m.accuracy;
  const rates = (
    id: string,
    title: string,
    keyLabel: string,
    rows: RateRow[],
    label: (k: string) => string,
  ) =>
    ({
      id,
      section: 'accuracy',
      title,
      columns: [
        { label: keyLabel, kind: 'text' },
        { label: t.tossups, kind: 'count' },
        { label: t.judged, kind: 'count' },
        { label: t.accepted, kind: 'count' },
        { label: t.sentBack, kind: 'count' },
        { label: t.opportunities, kind: 'count' },
        { label: t.acceptanceRate, kind: 'rate' },
        { label: t.opportunityRate, kind: 'rate' },
      ],
      rows: rows.map((r) => [
        label(r.key),
        r.tossups,
        r.judged,
        r.accepted,
        r.sentBack,
        r.opportunities,
        r.acceptanceRate,
        r.opportunityRate,
      ]),
    }) satisfies ReviewTable;
  const response = (
    id: string,
    title: string,
    keyLabel: string,
    rows: ResponseRow[],
    label: (k: string) => string,
  ) =>
    ({
      id,
      section: 'followUp',
      title,
      columns: [
        { label: keyLabel, kind: 'text' },
        { label: t.handedOff, kind: 'count' },
        { label: t.answered, kind: 'count' },
        { label: t.onTime, kind: 'count' },
        { label: t.late, kind: 'count' },
        { label: t.unansweredLate, kind: 'count' },
        { label: t.notDue, kind: 'count' },
        { label: t.onTimeRate, kind: 'rate' },
        { label: t.p50, kind: 'hours' },
        { label: t.p90, kind: 'hours' },
      ],
      rows: rows.map((r) => [
        label(r.key),
        r.handedOff,
        r.answered,
        r.onTime,
        r.late,
        r.unansweredLate,
        r.notDue,
        r.onTimeRate,
        r.p50Hours,
        r.p90Hours,
      ]),
    }) satisfies ReviewTable;
  const same = (k: string) => k;
  const s = m.summary;
  const heat = a.heatMap;
  return [
    {
      id: 'summary',
      section: 'summary',
      title: t.summary,
      columns: [
        { label: t.decisions, kind: 'count' },
        { label: t.leads, kind: 'count' },
        { label: flagLabel('yes', locale), kind: 'count' },
        { label: flagLabel('no', locale), kind: 'count' },
        { label: flagLabel('hold', locale), kind: 'count' },
        { label: t.tossups, kind: 'count' },
      ],
      rows: [[s.decisions, s.leads, s.yes, s.no, s.hold, s.tossups]],
    },
    {
      id: 'open_tossups',
      section: 'followUp',
      title: t.open,
      columns: [
        { label: t.rep, kind: 'text' },
        { label: t.openCol, kind: 'count' },
        { label: t.unanswered, kind: 'count' },
        { label: t.overdue, kind: 'count' },
        ...OVERDUE_AGES.map((age) => ({ label: t.overdueAge[age], kind: 'count' as const })),
      ],
      rows: m.followUp.open.map((r) => [
        r.rep,
        r.open,
        r.unanswered,
        r.overdue,
        ...OVERDUE_AGES.map((age) => r.overdueByAge[age]),
      ]),
    },
    response('response_by_rep', t.responseByRep, t.rep, m.followUp.responseByRep, same),
    response(
      'response_by_next_action',
      t.responseByNextAction,
      t.nextAction,
      m.followUp.responseByNextAction,
      (k) => nextActionLabel(k, locale),
    ),
    {
      id: 'escalations',
      section: 'followUp',
      title: t.escalations,
      columns: [
        { label: t.action, kind: 'text' },
        { label: t.steps, kind: 'count' },
        { label: t.tossups, kind: 'count' },
      ],
      rows: m.followUp.escalations.map((r) => [t.ladder[r.action] ?? r.action, r.steps, r.tossups]),
    },
    rates('rates_by_reason', t.byReason, t.reason, a.rates.byReason, (k) =>
      withCode(reasonLabel(k, locale), k),
    ),
    rates('rates_by_rule', t.byRule, t.rule, a.rates.byRule, same),
    rates('rates_by_campaign', t.byCampaign, t.campaign, a.rates.byCampaign, same),
    rates('rates_by_source', t.bySource, t.source, a.rates.bySource, same),
    rates('rates_by_rep', t.byRepRates, t.rep, a.rates.byRep, same),
    {
      id: 'score_grid',
      section: 'accuracy',
      title: t.heatMap,
      note: `${t.threshold}: ${t.attribute} ${heat.thresholds.attribute ?? '–'}, ${t.behaviour} ${heat.thresholds.behaviour ?? '–'}`,
      columns: [
        { label: t.attribute, kind: 'text' },
        { label: t.behaviour, kind: 'text' },
        { label: t.leads, kind: 'count' },
        { label: t.tossups, kind: 'count' },
        { label: t.opportunities, kind: 'count' },
        { label: t.opportunityRate, kind: 'rate' },
      ],
      rows: heat.cells.map((c) => [
        binLabel(c.attribute, heat.binWidth, heat.attributeTop),
        binLabel(c.behaviour, heat.binWidth, heat.behaviourTop),
        c.leads,
        c.tossups,
        c.opportunities,
        c.opportunityRate,
      ]),
    },
    {
      id: 'sent_back_reasons',
      section: 'accuracy',
      title: t.sentBackReasons,
      columns: [
        { label: t.reason, kind: 'text' },
        { label: t.count, kind: 'count' },
      ],
      rows: a.sentBackReasons.map((r) => [sentBackReasonLabel(r.reason, locale), r.count]),
    },
    {
      id: 'lost_reasons',
      section: 'accuracy',
      title: t.lostReasons,
      columns: [
        { label: t.reason, kind: 'text' },
        { label: t.count, kind: 'count' },
      ],
      rows: a.lostReasons.map((r) => [r.reason ?? t.noReason, r.count]),
    },
    {
      id: 'missed',
      section: 'accuracy',
      title: t.missed,
      note: t.missedLead,
      columns: [
        { label: t.kind, kind: 'text' },
        { label: t.crm, kind: 'text' },
        { label: t.lead, kind: 'text' },
        { label: t.flag, kind: 'text' },
        { label: t.decidedAt, kind: 'instant' },
        { label: t.reason, kind: 'text' },
        { label: t.attribute, kind: 'decimal' },
        { label: t.behaviour, kind: 'decimal' },
        { label: t.opportunityAt, kind: 'instant' },
      ],
      rows: a.missed.rows.map((r) => [
        t.missedKind[r.kind],
        r.crm,
        r.leadId,
        flagLabel(r.flag, locale),
        r.decidedAt,
        reasonLabel(r.primaryReason, locale),
        r.attributeScore,
        r.behaviourScore,
        r.opportunityAt,
      ]),
      ...(a.missed.rows.length < a.missed.total
        ? { shownOf: { shown: a.missed.rows.length, total: a.missed.total } }
        : {}),
    },
    {
      id: 'noise',
      section: 'accuracy',
      title: t.noise,
      note: t.noiseLead(a.noiseDays),
      columns: [
        { label: t.why, kind: 'text' },
        { label: t.crm, kind: 'text' },
        { label: t.lead, kind: 'text' },
        { label: t.decidedAt, kind: 'instant' },
        { label: t.rule, kind: 'text' },
        { label: t.reason, kind: 'text' },
        { label: t.rep, kind: 'text' },
        { label: t.sentBackReasons, kind: 'text' },
        { label: t.attribute, kind: 'decimal' },
        { label: t.behaviour, kind: 'decimal' },
      ],
      rows: a.noise.rows.map((r) => [
        t.whyLabel[r.why],
        r.crm,
        r.leadId,
        r.decidedAt,
        r.ruleId,
        reasonLabel(r.primaryReason, locale),
        r.rep,
        r.why === 'sent_back' ? sentBackReasonLabel(r.sentBackReason, locale) : null,
        r.attributeScore,
        r.behaviourScore,
      ]),
      ...(a.noise.rows.length < a.noise.total
        ? { shownOf: { shown: a.noise.rows.length, total: a.noise.total } }
        : {}),
    },
    {
      id: 'load',
      section: 'accuracy',
      title: t.load,
      note: t.loadLead,
      columns: [
        { label: t.rep, kind: 'text' },
        { label: t.tossups, kind: 'count' },
        { label: t.businessDays, kind: 'count' },
        { label: t.perDay, kind: 'decimal' },
        { label: t.busiestDay, kind: 'count' },
        { label: t.capacity, kind: 'count' },
        { label: t.utilisation, kind: 'rate' },
      ],
      rows: a.load.map((r) => [
        r.rep,
        r.tossups,
        r.businessDays,
        Math.round(r.perBusinessDay * 100) / 100,
        r.busiestDay,
        r.dailyCapacity,
        r.utilisation,
      ]),
    },
  ];
}

/** The label sales read, with the code rule files use when they differ (`label (code)`). */
function withCode(label: string, code: string): string {
  return label === code ? code : `${label} (${code})`;
}

/** `40–49`, or `100+` for the top bin. */
export function binLabel(lower: number, width: number, top: number): string {
  return lower >= top ? `${lower}+` : `${lower}–${lower + width - 1}`;
}

/** A cell as text for people (HTML, Markdown). */
export function formatCell(v: CellValue, kind: ColumnKind, locale: Locale): string {
  if (v === null) return '–';
  if (typeof v === 'string') return kind === 'instant' ? v.replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z') : v;
  switch (kind) {
    case 'rate':
      return percent(v);
    case 'hours':
      return hours(v);
    case 'count':
      return v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
    default:
      return String(v);
  }
}
