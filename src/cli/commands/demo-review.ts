import { writeFileSync } from 'node:fs';
import type { Locale } from '../../reasons/messages.ts';
import { buildReview } from '../../review/build-review.ts';
import { renderReviewHtml } from '../../review/render-review-html.ts';
import { repCapacities } from '../../review/rep-capacities.ts';
import type { ReviewModel } from '../../review/review-model.ts';
import { rangePeriod } from '../../review/review-period.ts';
import type { RoutingConfig } from '../../routing/routing-config.ts';
import type { SlaConfig } from '../../sla/sla-config.ts';
import { zonedDate } from '../../sla/zoned-time.ts';
import { DuckDbLedgerReader } from '../../state/duckdb-ledger-reader.ts';
import { FileOutcomeStore } from '../../state/file-outcome-store.ts';

export interface DemoReviewInput {
  /** The demo's state directory: its ledger (history and live rows) and outcome store. */
  stateDir: string;
  /** Where the page goes (`out/review.html`). */
  file: string;
  /** First instant the review covers (the history's start) and what it knows (the demo's end). */
  fromMs: number;
  asOf: Date;
  locale: Locale;
  /** The rule file's named thresholds, drawn on the heat map. */
  thresholds: Readonly<Record<string, number>>;
  routing: RoutingConfig;
  sla: SlaConfig;
}

/**
 * `out/review.html` of `npm start`: the review (src/review/) over the whole ledger the demo filled —
 * its days of history and the days after its sync — read with DuckDB, as `tossup review --from --to`
 * would, with the rule file's thresholds, routing.yaml's capacities and the outcome store's
 * opportunities without a toss-up.
 */
export async function writeDemoReview(input: DemoReviewInput): Promise<ReviewModel> {
  const tz = input.sla.timeZone;
  const period = rangePeriod(zonedDate(new Date(input.fromMs), tz), zonedDate(input.asOf, tz), tz);
  const outcomeStore = new FileOutcomeStore(input.stateDir);
  const outcomes = [...(await outcomeStore.list('salesforce')), ...(await outcomeStore.list('hubspot'))];
  // As `tossup review` reads it: the tables loaded once, without the facts no review query reads.
  const reader = await DuckDbLedgerReader.open(input.stateDir, { inMemory: { omit: ['facts_json'] } });
  let model: ReviewModel;
  try {
    model = await buildReview(reader, period, {
      asOf: input.asOf,
      thresholds: input.thresholds,
      capacities: repCapacities(input.routing),
      sla: input.sla,
      outcomes,
    });
  } finally {
    reader.close();
  }
  writeFileSync(input.file, renderReviewHtml(model, input.locale));
  return model;
}
