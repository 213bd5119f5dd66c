import { atMostInFlight } from '../concurrency/at-most-in-flight.ts';
import {
  DECISION_SUMMARY,
  decisionsOfLeads,
  ESCALATIONS,
  FOLLOW_UP_STATUS,
  type LedgerQuery,
  LOAD_BY_REP,
  LOST_REASONS,
  MISSED_FROM_LEDGER,
  SCORE_GRID,
  SENT_BACK_REASONS,
  TOSSUP_RATES_AND_NOISE,
} from '../ledger/ledger-queries.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import type { OpportunityOutcome } from '../ports/outcome-store.ts';
import { calendarFor } from '../sla/due-date.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import { addDays, zonedDate } from '../sla/zoned-time.ts';
import type {
  CountRow,
  HeatMap,
  LoadRow,
  MissedRow,
  NoiseRow,
  OpenTossUpRow,
  RateRow,
  ResponseRow,
  ReviewModel,
} from './review-model.ts';
import type { ReviewPeriod } from './review-period.ts';

/**
 * How far back the review looks beyond its period: open toss-ups handed off up to this many days
 * before the as-of instant, and for the "missed" list the decisions and opportunity events from this
 * many days before the period on. It bounds what Athena scans (the ledger's day partitions) to the
 * period and this much before it, instead of the whole history.
 */
export const HISTORY_DAYS = 90;

/** Toss-ups with no opportunity this many days after their decision are noise, unless told otherwise. */
export const DEFAULT_NOISE_DAYS = 30;

export interface ReviewOptions {
  /** What the review knows: events up to this instant (the CLI: now). Open and overdue toss-ups are as of it. */
  asOf: Date;
  /** Days without an opportunity after which a toss-up counts as noise (default 30). */
  noiseDays?: number;
  /** The current rule set's named thresholds (`thresholds:` of the rule file): `attribute` and `behaviour` are drawn on the heat map. */
  thresholds?: Readonly<Record<string, number>>;
  /** routing.yaml daily capacity per rep key (null: no limit). */
  capacities?: ReadonlyMap<string, number | null>;
  /** The SLA calendar (sla.yaml): business days of the period for the load per day; weekdays when absent. */
  sla?: SlaConfig;
  /**
   * The outcome store's opportunities (any CRM); those without a toss-up (`episodeKey` null) created
   * in the period join the "missed" list when the ledger's decision then was no or hold.
   */
  outcomes?: readonly OpportunityOutcome[];
  /** Heat map bins: width in points and the top bin of each axis (default 10, 100, 100). */
  grid?: { width: number; attributeTop: number; behaviourTop: number };
}

/**
 * The review of `period` from the ledger (through any LedgerReader: DuckDB locally, Athena on AWS):
 * runs the queries of ledger-queries.ts and folds their rows into the report model. Pure apart from
 * the reader's queries.
 */
export async function buildReview(
  reader: LedgerReader,
  period: ReviewPeriod,
  options: ReviewOptions,
): Promise<ReviewModel> {
  const asOf = options.asOf.toISOString();
  const noiseDays = options.noiseDays ?? DEFAULT_NOISE_DAYS;
  const grid = options.grid ?? { width: 10, attributeTop: 100, behaviourTop: 100 };
  const span = [period.from, period.to];
  const q = (query: LedgerQuery, params: readonly (string | number | boolean)[]) =>
    reader.query(query, params);
  const day = 86_400_000;
  const ago = (days: number) => new Date(options.asOf.getTime() - days * day).toISOString();
  const since = new Date(Date.parse(period.from) - HISTORY_DAYS * day).toISOString();

  // Side by side, the heaviest first (a reader runs them on separate connections or concurrently).
  const [
    gridRows = [],
    ratesAndNoise = [],
    followUp = [],
    missedRows = [],
    summaryRows = [],
    escalations = [],
    sentBack = [],
    lost = [],
    load = [],
  ] = await atMostInFlight(QUERIES_IN_FLIGHT, [
    () => q(SCORE_GRID, [grid.width, grid.attributeTop, grid.width, grid.behaviourTop, ...span]),
    () => q(TOSSUP_RATES_AND_NOISE, [...span, ago(noiseDays)]),
    () => {
      const openSince = ago(HISTORY_DAYS);
      const eventsSince = openSince < period.from ? openSince : period.from;
      return q(FOLLOW_UP_STATUS, [
        eventsSince,
        ...span,
        openSince,
        ...[asOf, asOf, asOf, asOf, asOf, asOf],
        ago(1),
        ago(3),
        ago(7),
      ]);
    },
    () => q(MISSED_FROM_LEDGER, [since, ...span, since, since]),
    () => q(DECISION_SUMMARY, span),
    () => q(ESCALATIONS, span),
    () => q(SENT_BACK_REASONS, span),
    () => q(LOST_REASONS, span),
    () => q(LOAD_BY_REP, span),
  ]);
  const response = followUp.filter((r) => r.part === 'status');
  const open = followUp.filter((r) => r.part === 'open');
  const rateRows = ratesAndNoise.filter((r) => r.part === 'rate');
  const noiseRows = ratesAndNoise.filter((r) => r.part === 'noise');
  const rates = (dimension: string) => rateRows.filter((r) => r.dimension === dimension).map(rateRow);

  const missed = missedRows.map(missedRow);
  const noToss = await missedWithoutTossUp(reader, period, since, options.outcomes ?? []);
  const heatMap = heatMapOf(gridRows, grid, options.thresholds ?? {});
  // The grid has one row per lead decided in the period (its last decision): their number is the
  // summary's leads, without counting distinct leads over the period's decisions once more.
  const leads = heatMap.cells.reduce((n, c) => n + c.leads, 0);
  for (const m of noToss) addToCell(heatMap, m, period);

  const s = summaryRows[0] ?? {};
  const businessDays = businessDaysOf(period, options.sla);
  return {
    period,
    asOf,
    summary: {
      decisions: num(s.decisions),
      leads,
      yes: num(s.yes),
      no: num(s.no),
      hold: num(s.hold),
      tossups: num(s.tossups),
    },
    followUp: {
      open: open.map(openRow),
      responseByRep: response.filter((r) => r.dimension === 'rep').map(responseRow),
      responseByNextAction: response.filter((r) => r.dimension === 'next_action').map(responseRow),
      escalations: escalations.map((r) => ({
        action: str(r.ladder_action) ?? '',
        steps: num(r.steps),
        tossups: num(r.tossups),
      })),
    },
    accuracy: {
      rates: {
        byReason: rates('reason'),
        byRule: rates('rule'),
        byCampaign: rates('campaign'),
        bySource: rates('source'),
        byRep: rates('rep'),
      },
      heatMap,
      sentBackReasons: sentBack.map(countRow),
      lostReasons: lost.map(countRow),
      missed: {
        total: num(missedRows[0]?.total) + noToss.length,
        rows: [...missed, ...noToss].sort((a, b) => a.opportunityAt.localeCompare(b.opportunityAt)),
      },
      noise: { total: num(noiseRows[0]?.total), rows: noiseRows.map(noiseRow) },
      noiseDays,
      load: load.map((r) => loadRow(r, businessDays, options.capacities)),
    },
  };
}

/** Queries sent at once: enough to keep two cores busy, few enough for Athena's concurrency quota. */
const QUERIES_IN_FLIGHT = 4;

/** Lead ids per lookup query: a few queries for thousands of opportunities, not one query each. */
const LOOKUP_CHUNK = 500;

/**
 * Per outcome, the decision the ledger shows for its lead at the opportunity's creation (the last one
 * at or before it, as DECISION_AT picks it, made since `since`), or undefined.
 */
async function decisionsAt(
  reader: LedgerReader,
  since: string,
  wanted: readonly OpportunityOutcome[],
): Promise<(Record<string, unknown> | undefined)[]> {
  const out: (Record<string, unknown> | undefined)[] = [];
  for (let start = 0; start < wanted.length; start += LOOKUP_CHUNK) {
    const chunk = wanted.slice(start, start + LOOKUP_CHUNK);
    const leads = [...new Set(chunk.map((o) => o.leadId))];
    const until = chunk.reduce((max, o) => (o.createdAt > max ? o.createdAt : max), '');
    const byLead = new Map<string, Record<string, unknown>[]>();
    for (const row of await reader.query(decisionsOfLeads(leads.length), [since, until, ...leads])) {
      const lead = String(row.lead_id);
      byLead.set(lead, [...(byLead.get(lead) ?? []), row]);
    }
    for (const o of chunk) {
      let best: Record<string, unknown> | undefined;
      for (const row of byLead.get(o.leadId) ?? []) {
        const at = String(row.decided_at);
        if (at > o.createdAt) continue;
        if (
          !best ||
          at > String(best.decided_at) ||
          (at === String(best.decided_at) && String(row.record_id) > String(best.record_id))
        )
          best = row;
      }
      out.push(best);
    }
  }
  return out;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v);
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

function rateRow(r: Record<string, unknown>): RateRow {
  const tossups = num(r.tossups);
  const judged = num(r.judged);
  const accepted = num(r.accepted);
  const opportunities = num(r.opportunities);
  return {
    key: str(r.k) ?? '',
    tossups,
    judged,
    accepted,
    sentBack: num(r.sent_back),
    opportunities,
    acceptanceRate: ratio(accepted, judged),
    opportunityRate: ratio(opportunities, tossups),
  };
}

function openRow(r: Record<string, unknown>): OpenTossUpRow {
  return {
    rep: str(r.rep) ?? '',
    open: num(r.open),
    unanswered: num(r.unanswered),
    overdue: num(r.overdue),
    overdueByAge: {
      lt1d: num(r.overdue_lt1d),
      d1to3: num(r.overdue_1to3d),
      d3to7: num(r.overdue_3to7d),
      ge7d: num(r.overdue_ge7d),
    },
  };
}

function responseRow(r: Record<string, unknown>): ResponseRow {
  const onTime = num(r.on_time);
  const late = num(r.late);
  const unansweredLate = num(r.unanswered_late);
  return {
    key: str(r.k) ?? '',
    handedOff: num(r.handed_off),
    answered: num(r.answered),
    onTime,
    late,
    unansweredLate,
    notDue: num(r.not_due),
    onTimeRate: ratio(onTime, onTime + late + unansweredLate),
    p50Hours: numOrNull(r.p50_hours),
    p90Hours: numOrNull(r.p90_hours),
  };
}

function countRow(r: Record<string, unknown>): CountRow {
  return { reason: str(r.reason), count: num(r.count) };
}

function missedRow(r: Record<string, unknown>): MissedRow {
  return {
    kind: r.kind === 'override' || r.kind === 'checked' ? r.kind : 'late',
    crm: str(r.crm) ?? '',
    leadId: str(r.lead_id) ?? '',
    opportunityAt: str(r.opportunity_at) ?? '',
    flag: str(r.flag),
    decidedAt: str(r.decided_at),
    primaryReason: str(r.primary_reason),
    attributeScore: numOrNull(r.attribute_score),
    behaviourScore: numOrNull(r.behaviour_score),
  };
}

function noiseRow(r: Record<string, unknown>): NoiseRow {
  return {
    why: r.why === 'sent_back' ? 'sent_back' : 'no_opportunity',
    crm: str(r.crm) ?? '',
    leadId: str(r.lead_id) ?? '',
    decidedAt: str(r.decided_at) ?? '',
    ruleId: str(r.rule_id) ?? '',
    primaryReason: str(r.primary_reason) ?? '',
    rep: str(r.rep),
    sentBackReason: str(r.sent_back_reason),
    attributeScore: numOrNull(r.attribute_score),
    behaviourScore: numOrNull(r.behaviour_score),
  };
}

function loadRow(
  r: Record<string, unknown>,
  businessDays: number,
  capacities: ReadonlyMap<string, number | null> | undefined,
): LoadRow {
  const rep = str(r.rep) ?? '';
  const tossups = num(r.tossups);
  const perBusinessDay = businessDays === 0 ? tossups : tossups / businessDays;
  const dailyCapacity = capacities?.get(rep) ?? null;
  return {
    rep,
    tossups,
    businessDays,
    perBusinessDay,
    busiestDay: num(r.busiest_day),
    dailyCapacity,
    utilisation: dailyCapacity === null || dailyCapacity === 0 ? null : perBusinessDay / dailyCapacity,
  };
}

function heatMapOf(
  rows: Record<string, unknown>[],
  grid: { width: number; attributeTop: number; behaviourTop: number },
  thresholds: Readonly<Record<string, number>>,
): HeatMap {
  return {
    binWidth: grid.width,
    attributeTop: grid.attributeTop,
    behaviourTop: grid.behaviourTop,
    cells: rows.map((r) => {
      const leads = num(r.leads);
      const opportunities = num(r.opportunities);
      return {
        attribute: num(r.attribute_bin),
        behaviour: num(r.behaviour_bin),
        leads,
        tossups: num(r.tossups),
        opportunities,
        opportunityRate: ratio(opportunities, leads),
      };
    }),
    thresholds: { attribute: thresholds.attribute ?? null, behaviour: thresholds.behaviour ?? null },
  };
}

/**
 * An opportunity without a toss-up counts in the heat map cell of the decision in force when it
 * appeared, when that decision was made in the period (the grid's leads are the period's decisions).
 */
function addToCell(map: HeatMap, m: MissedRow, period: ReviewPeriod): void {
  if (m.decidedAt === null || m.decidedAt < period.from || m.decidedAt >= period.to) return;
  if (m.attributeScore === null) return;
  const bin = (v: number, top: number) => Math.min(Math.floor(v / map.binWidth) * map.binWidth, top);
  const a = bin(m.attributeScore, map.attributeTop);
  const b = bin(m.behaviourScore ?? 0, map.behaviourTop);
  const cell = map.cells.find((c) => c.attribute === a && c.behaviour === b);
  if (!cell) return;
  cell.opportunities = Math.min(cell.leads, cell.opportunities + 1);
  cell.opportunityRate = ratio(cell.opportunities, cell.leads);
}

/**
 * The outcome store's opportunities with no toss-up created in the period, whose lead the ledger shows
 * decided no or hold at that moment (else the flag the CRM showed when the outcome was recorded).
 */
async function missedWithoutTossUp(
  reader: LedgerReader,
  period: ReviewPeriod,
  since: string,
  outcomes: readonly OpportunityOutcome[],
): Promise<MissedRow[]> {
  const seen = new Set<string>();
  const firsts: OpportunityOutcome[] = [];
  for (const o of outcomes
    .filter((o) => o.episodeKey === null && o.createdAt >= period.from && o.createdAt < period.to)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    const id = `${o.crm}:${o.leadId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    firsts.push(o);
  }
  const decided = await decisionsAt(reader, since, firsts);
  const out: MissedRow[] = [];
  for (const [i, o] of firsts.entries()) {
    const d = decided[i];
    // Only a decision the ledger holds says the rules said no or hold before the opportunity (the
    // outcome's `flagAtOpportunity` was read when it was recorded, possibly after).
    if (!d) continue;
    const flag = str(d.flag);
    if (flag !== 'no' && flag !== 'hold') continue;
    out.push({
      kind: 'no_toss_up',
      crm: o.crm,
      leadId: o.leadId,
      opportunityAt: o.createdAt,
      flag,
      decidedAt: str(d.decided_at),
      primaryReason: str(d.primary_reason),
      attributeScore: numOrNull(d.attribute_score),
      behaviourScore: numOrNull(d.behaviour_score),
    });
  }
  return out;
}

/** Business days of the period in its time zone (the SLA calendar's, else Monday to Friday). */
function businessDaysOf(period: ReviewPeriod, sla: SlaConfig | undefined): number {
  const first = zonedDate(new Date(period.from), period.timeZone);
  const last = zonedDate(new Date(new Date(period.to).getTime() - 1), period.timeZone);
  const cal = sla ? calendarFor(sla) : null;
  let n = 0;
  for (let d = first; d <= last; d = addDays(d, 1)) {
    const weekday = new Date(`${d}T00:00:00Z`).getUTCDay();
    if (cal ? cal.isBusinessDay(d) : weekday !== 0 && weekday !== 6) n++;
  }
  return n;
}
