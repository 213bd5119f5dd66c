import type { Logger } from '../logging/logger.ts';
import { weeklyReportMessage } from '../notify/weekly-report-message.ts';
import type { Clock } from '../ports/clock.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import type { ChatLanguage } from '../ports/notifier.ts';
import type { OpportunityOutcome } from '../ports/outcome-store.ts';
import { buildReview } from '../review/build-review.ts';
import { renderReviewHtml } from '../review/render-review-html.ts';
import { repCapacities } from '../review/rep-capacities.ts';
import { weekPeriod } from '../review/review-period.ts';
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

/** `{ week: '2026-W48' }` reports that week again; otherwise the week before the invocation. */
export interface ReportEvent {
  week?: string;
}

export interface ReportResult {
  week: string;
  key: string;
  posted: boolean;
}

/**
 * The scheduled weekly review (serverless.yml `weeklyReport`): `buildReview` over the ledger for last
 * week (Monday to Monday in the time zone), rendered as the self-contained HTML page `tossup review`
 * writes, stored under `reports/weekly/<week>.html`, and announced in the team channel with the
 * headline figures and a pre-signed link. A chat failure is logged and does not fail the invocation:
 * the report is stored, and running it again for that week (`{ "week": "2026-W48" }`) overwrites it.
 */
export function createReportHandler(options: ReportHandlerOptions) {
  const timeZone = options.timeZone ?? 'Asia/Tokyo';
  // The same capacities `tossup review` reads (routing.yaml's defaults fill a rep's unset one).
  const capacities = repCapacities(options.config.routing);
  return async function handler(event: ReportEvent | null, context: LambdaContext): Promise<ReportResult> {
    const log = options.log.child({ runId: context.awsRequestId });
    const asOf = options.clock.now();
    const period = weekPeriod(event?.week, asOf, timeZone);
    const model = await buildReview(options.reader, period, {
      asOf,
      thresholds: options.config.rules.source.thresholds,
      capacities,
      sla: options.config.sla,
      ...(options.outcomes ? { outcomes: await options.outcomes.list() } : {}),
    });
    const key = `reports/weekly/${period.label}.html`;
    await options.store.putHtml(key, renderReviewHtml(model, options.locale));
    const link = await options.store.link(key, options.linkSeconds ?? 7 * 86_400);
    let posted = false;
    const channel = await options.channel.get();
    if (channel) {
      posted = await channel.post(weeklyReportMessage(model, link, options.locale));
      if (!posted)
        log.warn({ week: period.label, key }, 'weekly report stored, but the team channel post failed');
    }
    log.info({ week: period.label, key, tossups: model.summary.tossups, posted }, 'weekly report done');
    return { week: period.label, key, posted };
  };
}
