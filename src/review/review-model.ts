import type { ReviewPeriod } from './review-period.ts';

/**
 * The report model of `tossup review` (docs/review.md): plain data built from the ledger's query rows
 * (build-review.ts), rendered as HTML, Markdown or CSV in either language. Rates are null when their
 * denominator is 0; reps are routing keys (else CRM user ids), never names.
 */
export interface ReviewModel {
  period: ReviewPeriod;
  /** What the review knows: events up to this instant (ISO UTC). */
  asOf: string;
  summary: DecisionSummary;
  followUp: FollowUpStatus;
  accuracy: AccuracyReview;
}

/** Decisions recorded in the period. */
export interface DecisionSummary {
  decisions: number;
  leads: number;
  yes: number;
  no: number;
  hold: number;
  /** Decisions with flag yes that started a toss-up episode. */
  tossups: number;
}

/** The weekly follow-up status. */
export interface FollowUpStatus {
  /** Toss-ups open as of `asOf`, per current owner, with the overdue ones by how long overdue. */
  open: OpenTossUpRow[];
  /** Toss-ups handed off in the period and how (and whether) they were answered, per rep. */
  responseByRep: ResponseRow[];
  /** The same per next action. */
  responseByNextAction: ResponseRow[];
  /** Ladder steps in the period, by what they did. */
  escalations: EscalationRow[];
}

export interface OpenTossUpRow {
  rep: string;
  open: number;
  unanswered: number;
  overdue: number;
  /** Overdue by how long past the SLA: under 1 day, 1–3 days, 3–7 days, 7 days or more. */
  overdueByAge: Record<OverdueAge, number>;
}

export const OVERDUE_AGES = ['lt1d', 'd1to3', 'd3to7', 'ge7d'] as const;
export type OverdueAge = (typeof OVERDUE_AGES)[number];

export interface ResponseRow {
  /** Rep key or next action code. */
  key: string;
  handedOff: number;
  answered: number;
  onTime: number;
  /** Answered after the SLA ran out. */
  late: number;
  /** Never answered, and the SLA has run out by `asOf`: late as well. */
  unansweredLate: number;
  /** Unanswered with the SLA still running (or no SLA, or closed before it ran out): not counted. */
  notDue: number;
  /** onTime ÷ (onTime + late + unansweredLate). */
  onTimeRate: number | null;
  /** Time to the first response on the SLA's clock (business hours for business-unit SLAs), nearest rank. */
  p50Hours: number | null;
  p90Hours: number | null;
}

export interface EscalationRow {
  /** remind_owner, notify_manager, manager_task, reassign. */
  action: string;
  steps: number;
  tossups: number;
}

/** The monthly accuracy review. */
export interface AccuracyReview {
  rates: {
    byReason: RateRow[];
    byRule: RateRow[];
    byCampaign: RateRow[];
    bySource: RateRow[];
    byRep: RateRow[];
  };
  heatMap: HeatMap;
  sentBackReasons: CountRow[];
  lostReasons: CountRow[];
  missed: ListOf<MissedRow>;
  noise: ListOf<NoiseRow>;
  /** How many days without an opportunity make a toss-up noise. */
  noiseDays: number;
  load: LoadRow[];
}

/** Toss-ups decided in the period under one key, and what became of them so far. */
export interface RateRow {
  key: string;
  tossups: number;
  /** With a verdict (or an opportunity). */
  judged: number;
  /** Accepted, opportunity or lost (or an opportunity). */
  accepted: number;
  sentBack: number;
  opportunities: number;
  /** accepted ÷ judged. */
  acceptanceRate: number | null;
  /** opportunities ÷ toss-ups. */
  opportunityRate: number | null;
}

/** The attribute × behaviour score grid of the leads decided in the period. */
export interface HeatMap {
  /** Bin width in score points; the last bin of each axis takes everything from its top value. */
  binWidth: number;
  attributeTop: number;
  behaviourTop: number;
  cells: HeatMapCell[];
  /** The rule set's thresholds (its `attribute` and `behaviour`), null when it has none of that name. */
  thresholds: { attribute: number | null; behaviour: number | null };
}

export interface HeatMapCell {
  /** Lower edge of the bin. */
  attribute: number;
  behaviour: number;
  leads: number;
  tossups: number;
  opportunities: number;
  /** opportunities ÷ leads. */
  opportunityRate: number | null;
}

export interface CountRow {
  /** A code (sent-back reason) or the CRM's text (lost reason); null when none was given. */
  reason: string | null;
  count: number;
}

/** A list shown in part: `rows` (at most the query's limit) of `total`. */
export interface ListOf<T> {
  total: number;
  rows: T[];
}

/**
 * A lead the rules said no or hold to that became an opportunity: a person overrode the flag
 * (`override`), the rules' hold handed it to a check rather than to sales (`checked`), the rules
 * said yes only later (`late`), or it had no toss-up at all (`no_toss_up`, from the outcome store,
 * with the ledger's decision then).
 */
export interface MissedRow {
  kind: 'override' | 'checked' | 'late' | 'no_toss_up';
  crm: string;
  leadId: string;
  opportunityAt: string;
  /** The no/hold decision: flag, when, decisive reason, scores (null when the ledger has none). */
  flag: string | null;
  decidedAt: string | null;
  primaryReason: string | null;
  attributeScore: number | null;
  behaviourScore: number | null;
}

/** A toss-up sent back, or without an opportunity `noiseDays` after it. */
export interface NoiseRow {
  why: 'sent_back' | 'no_opportunity';
  crm: string;
  leadId: string;
  decidedAt: string;
  ruleId: string;
  primaryReason: string;
  rep: string | null;
  sentBackReason: string | null;
  attributeScore: number | null;
  behaviourScore: number | null;
}

/** Hand-offs per rep in the period against the daily capacity of routing.yaml. */
export interface LoadRow {
  rep: string;
  tossups: number;
  /** Business days of the period (the SLA calendar). */
  businessDays: number;
  perBusinessDay: number;
  busiestDay: number;
  /** routing.yaml daily capacity (null: no limit or unknown rep). */
  dailyCapacity: number | null;
  /** perBusinessDay ÷ dailyCapacity. */
  utilisation: number | null;
}
