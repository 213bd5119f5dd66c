import type { Logger } from '../logging/logger.ts';
import { reviewReportMessage } from '../notify/review-report-message.ts';
import type { Clock } from '../ports/clock.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import type { ChatLanguage } from '../ports/notifier.ts';
import type { OpportunityOutcome } from '../ports/outcome-store.ts';
import { buildReview } from '../review/build-review.ts';
import { renderReviewHtml } from '../review/render-review-html.ts';
import { repCapacities } from '../review/rep-capacities.ts';
import { lastMonthPeriod, monthPeriod, type ReviewPeriod, weekPeriod } from '../review/review-period.ts';
import type { BundledConfig } from './bundled-config.ts';
import type { LambdaContext } from './lambda-types.ts';

/** Where the report goes: stored (HTML), then shared by a link. */
export interface ReportStore {
  putHtml(key: string, html: string): Promise<void>;
  link(key: string, seconds: number): Promise<string>;
}

/** Posts one text message to the team channel; resolves false when it could not. */
export interface ReportChannel {
  post(text: string): Promise<boolean>;
}

export interface ReportHandlerOptions {
  /** The ledger on Athena (src/aws/athena-ledger-reader.ts); any LedgerReader runs the same review. */
  reader: LedgerReader;
  store: ReportStore;
  /**
   * The opportunity outcomes of both CRMs (the state table on AWS): those without a toss-up join the
   * review's "missed" list. Absent: the missed list comes from the ledger alone.
   */
  outcomes?: { list(): Promise<OpportunityOutcome[]> };
  /** The team channel; null when there is none (the report is still stored). */
  channel: { get(): Promise<ReportChannel | null> };
  config: Pick<BundledConfig, 'rules' | 'routing' | 'sla'>;
  locale: ChatLanguage;
  /** The calendar the week is cut in (default Asia/Tokyo). */
  timeZone?: string;
  /** How long the link in the post works, at most (default 7 days, S3's maximum). */
  linkSeconds?: number;
  clock: Clock;
  log: Logger;
}

/**
 * `{ week: '2026-W48' }` reports that week again, `{ month: '2026-11' }` that month; `{ period: 'month' }`
 * (the monthly schedule's input) the month before the invocation; otherwise the week before it.
 */
export interface ReportEvent {
  week?: string;
  month?: string;
  period?: 'week' | 'month';
}

export interface ReportResult {
  /** The period's label: `2026-W48` or `2026-11`. */
  period: string;
  key: string;
  posted: boolean;
}

/** What an invocation reports (see ReportEvent). */
export function reportPeriod(event: ReportEvent | null, asOf: Date, timeZone: string): ReviewPeriod {
  if (event?.month) return monthPeriod(event.month, timeZone);
  if (event?.period === 'month' && !event.week) return lastMonthPeriod(asOf, timeZone);
  return weekPeriod(event?.week, asOf, timeZone);
}

/**
 * The scheduled weekly and monthly reviews (serverless.yml `weeklyReport`, two schedules):
 * `buildReview` over the ledger for last week (Monday to Monday in the time zone) or last month,
 * rendered as the self-contained HTML page `tossup review` writes, stored under
 * `reports/weekly/<week>.html` or `reports/monthly/<YYYY-MM>.html`, and announced in the team channel
 * with the headline figures and a pre-signed link. A chat failure is logged and does not fail the
 * invocation: the report is stored, and running it again for that period (`{ "week": "2026-W48" }`,
 * `{ "month": "2026-11" }`) overwrites it.
 */
export function createReportHandler(options: ReportHandlerOptions) {
  const timeZone = options.timeZone ?? 'Asia/Tokyo';
  // The same capacities `tossup review` reads (routing.yaml's defaults fill a rep's unset one).
  const capacities = repCapacities(options.config.routing);
  return async function handler(event: ReportEvent | null, context: LambdaContext): Promise<ReportResult> {
    const log = options.log.child({ runId: context.awsRequestId });
    const asOf = options.clock.now();
    const period = reportPeriod(event, asOf, timeZone);
    const model = await buildReview(options.reader, period, {
      asOf,
      thresholds: options.config.rules.source.thresholds,
      capacities,
      sla: options.config.sla,
      ...(options.outcomes ? { outcomes: await options.outcomes.list() } : {}),
    });
    const key = `reports/${period.kind === 'month' ? 'monthly' : 'weekly'}/${period.label}.html`;
    await options.store.putHtml(key, renderReviewHtml(model, options.locale));
    const link = await options.store.link(key, options.linkSeconds ?? 7 * 86_400);
    let posted = false;
    const channel = await options.channel.get();
    if (channel) {
      posted = await channel.post(reviewReportMessage(model, link, options.locale));
      if (!posted) log.warn({ period: period.label, key }, 'report stored, but the team channel post failed');
    }
    log.info({ period: period.label, key, tossups: model.summary.tossups, posted }, 'report done');
    return { period: period.label, key, posted };
  };
}
