/**
 * The AWS cost model (issue 17, docs/cost.md): the deployed functions run in this process over
 * COST_LEADS changed leads (bench/cost/measure-usage.ts), their usage is priced at the ap-northeast-1
 * prices of bench/cost/aws-prices-ap-northeast-1.ts (bench/cost/cost-model.ts).
 *
 * - cost.usdPer100kLeads: what 100,000 changed leads cost beyond the monthly floor (worker and sync
 *   time, SQS, DynamoDB, Firehose).
 * - cost.usdPer100kHubspotWebhookEvents: what 100,000 HubSpot contact changes cost through the webhook
 *   (HTTP API, its de-duplication), the events queue and the worker's first decisions, beyond the
 *   floor (bench/cost/measure-webhook.ts).
 * - cost.usdPerMonthAt100kLeadsPerDay / cost.usdPerMonthAt1MLeadsPerDay: a 30-day month of one CRM,
 *   the floor (schedules, idle queue polls, secret, Firehose deliveries) included.
 * - cost.usdPer1kTossUpsUnanswered: the SLA tracking of 1,000 toss-ups after their first sweep when no
 *   rep answers (ladder steps, first-response polls to the end of their window): the upper bound of what
 *   a toss-up adds after the day it is decided. Not in the per-lead figure.
 * - cost.lambdaGbSecondsPer1kLeads: billed GB-seconds of the worker and the sync per 1,000 leads at
 *   the memory of infra/settings.yml, measured wall time plus the modelled CRM waits.
 */

import {
  leadsPerMessage,
  loadDeploySettings,
  workerBatchLeads,
  workerBatchSize,
} from '../../scripts/deploy-settings.ts';
import { PRICES_AP_NORTHEAST_1 as PRICES } from '../cost/aws-prices-ap-northeast-1.ts';
import {
  CRM_CALL_SECONDS,
  costPer1kLeads,
  costPer1kTossUps,
  costPer1kWebhookEvents,
  fixedPerMonth,
  LAMBDA_PLATFORM_LOG_BYTES,
  total,
  usdPerMonth,
} from '../cost/cost-model.ts';
import { byKindList, type MeasuredUsage, measureUsage } from '../cost/measure-usage.ts';
import { measureWebhookUsage } from '../cost/measure-webhook.ts';
import { report } from '../figure.ts';

const LEADS = Number(process.env.COST_LEADS ?? 1000);
/** The deployed Salesforce event source mapping's batch (infra/settings.yml), as the measured run takes it. */
const SETTINGS = loadDeploySettings('infra/settings.yml');
const BATCH = workerBatchLeads(SETTINGS, 'salesforce');
const PACKING = `${workerBatchSize(SETTINGS, 'salesforce')} messages of ${leadsPerMessage(SETTINGS)} leads`;

const u = await measureUsage(LEADS);
if (u.logProblems.length)
  throw new Error(`the functions logged problems: ${u.logProblems.slice(0, 3).join('; ')}`);
const w = await measureWebhookUsage(LEADS);
if (w.logProblems.length)
  throw new Error(`the webhook path logged problems: ${w.logProblems.slice(0, 3).join('; ')}`);
const per1k = costPer1kLeads(u, PRICES);
const fixed = fixedPerMonth(u, PRICES);
const lines = (ls: typeof per1k, scale: number) =>
  ls
    .filter((l) => l.usd * scale >= 0.00005)
    .sort((a, b) => b.usd - a.usd)
    .map((l) => `${l.item} $${(l.usd * scale).toFixed(4)}`)
    .join(', ');
const kindsIn = (list: MeasuredUsage['dynamoByKind'], n: number, read: boolean) =>
  list
    // Every kind a lead pays for (not only the largest), so docs/cost.md's table adds up from here.
    .filter((k) => k.read === read && k.units / n >= 0.005)
    .sort((a, b) => b.units - a.units)
    .map((k) => `${k.kind} ${(k.units / n).toFixed(2)}`)
    .join(', ');
const kindsOf = (read: boolean) => kindsIn(u.dynamoByKind, LEADS, read);
const kinds = kindsOf(false);
const inputs = `${LEADS} generated Salesforce leads through the deployed sync, worker (batch of ${BATCH} leads: ${PACKING}) and the first sweep, ${u.tossUps} toss-ups; per lead: ${(u.dynamoWriteUnits / LEADS).toFixed(2)} WRU (${kinds}), ${(u.dynamoReadUnits / LEADS).toFixed(2)} RRU (${kindsOf(true)}), ${((u.sqsRequestsSent + u.sqsRequestsReceived) / LEADS).toFixed(2)} SQS requests, ${(u.firehoseRecords / LEADS).toFixed(2)} Firehose records of ${(u.firehoseBytes / u.firehoseRecords / 1024).toFixed(1)} KB (billed ${(u.firehoseBilledBytes / u.firehoseRecords / 1024).toFixed(0)} KB), ${((u.worker.crmCalls + u.sync.crmCalls + u.firstSweep.crmCalls) / LEADS).toFixed(3)} CRM calls at ${CRM_CALL_SECONDS} s; logs ${(u.logBytes / LEADS).toFixed(0)} B/lead and Lambda's own ${LAMBDA_PLATFORM_LOG_BYTES} B an invocation (CloudWatch Logs); Lambda on ${u.architecture}`;

const life = u.lifecycle;
const perTossUp = (n: number) => (u.tossUps > 0 ? n / u.tossUps : 0);
const lifeKinds = byKindList(life.usage)
  .filter((k) => !k.read && perTossUp(k.units) >= 0.05)
  .map((k) => `${k.kind} ${perTossUp(k.units).toFixed(1)}`)
  .join(', ');
const tossUpLines = costPer1kTossUps(u, PRICES);
/** The toss-ups' tracking after their first day, which the monthly figures leave out. */
function tracking(leadsPerDay: number): string {
  const usd = ((total(tossUpLines) * u.tossUps) / LEADS / 1000) * leadsPerDay * 30;
  return `not included: the SLA tracking of the month's toss-ups after their first sweep, up to $${usd.toFixed(0)} more if no rep answered (cost.usdPer1kTossUpsUnanswered at ${((100 * u.tossUps) / LEADS).toFixed(1)}% toss-ups)`;
}

const per100k = total(per1k) * 100;
report({
  name: 'cost.usdPer100kLeads',
  value: round(per100k, 4),
  unit: 'USD',
  target: '<= 0.05',
  note: `${lines(per1k, 100)}; ${inputs}`,
});
const hook = costPer1kWebhookEvents(w, PRICES);
const perEvent = (n: number, digits = 2) => (n / w.events).toFixed(digits);
report({
  name: 'cost.usdPer100kHubspotWebhookEvents',
  value: round(total(hook) * 100, 4),
  unit: 'USD',
  note: `${lines(hook, 100)}; ${w.events} contact.propertyChange events, one for each of as many generated contacts none decided before, in ${w.requests} signed HTTP API requests of ${Math.round(w.events / w.requests)} events (${(w.requestBytes / 1024).toFixed(1)} KB each) through the deployed webhook (${w.memoryMb.webhook} MB: ${w.webhook.count} invocations, ${(w.webhook.ms / 1000).toFixed(2)} s in-process), ${w.messages} refresh messages on the events queue, the worker (${w.memoryMb.worker} MB, batches of ${w.eventBatchSize} messages as deployed: ${w.worker.count} invocation(s), ${(w.worker.ms / 1000).toFixed(1)} s in-process + ${w.worker.crmCalls} CRM calls x ${CRM_CALL_SECONDS} s), ${w.written} contacts written, ${w.tossUps} toss-ups; per event: ${perEvent(w.dynamoWriteUnits)} WRU (${kindsIn(w.dynamoByKind, w.events, false)}), ${perEvent(w.dynamoReadUnits)} RRU (${kindsIn(w.dynamoByKind, w.events, true)}), ${perEvent(w.sqsRequestsSent + w.sqsRequestsReceived, 3)} SQS requests (${w.sqsRequestsSent} sends, ${w.sqsRequestsReceived} receives and deletes), ${perEvent(w.httpApiRequests, 3)} HTTP API requests, ${perEvent(w.webhook.count, 3)} webhook and ${perEvent(w.worker.count, 3)} worker invocations, ${perEvent(w.firehoseRecords, 3)} Firehose records (billed ${(w.firehoseBilledBytes / w.events / 1024).toFixed(1)} KB an event), ${perEvent(w.worker.crmCalls, 3)} CRM calls; logs ${perEvent(w.logBytes, 0)} B/event and Lambda's own ${LAMBDA_PLATFORM_LOG_BYTES} B an invocation; the CRM is the in-memory FakeCrm with a read by id standing in for HubSpot's contact batch read (one call per 100); HTTP API at $${(PRICES.apiGatewayHttpRequest.usd * 1e6).toFixed(2)} per million (${PRICES.apiGatewayHttpRequest.source}); not in it: the sweeps, the webhook secret's reads; Lambda on ${w.architecture}`,
});
report({
  name: 'cost.usdPerMonthAt100kLeadsPerDay',
  value: round(usdPerMonth(u, PRICES, 100_000), 2),
  unit: 'USD/month',
  note: `30 days, one CRM; floor $${total(fixed).toFixed(2)}/month (${lines(fixed, 1)}); ${tracking(100_000)}`,
});
report({
  name: 'cost.usdPerMonthAt1MLeadsPerDay',
  value: round(usdPerMonth(u, PRICES, 1_000_000), 2),
  unit: 'USD/month',
  note: `30 days, one CRM, floor included; per-lead work scales linearly (batches of ${BATCH} stay full); ${tracking(1_000_000)}`,
});
report({
  name: 'cost.usdPer1kTossUpsUnanswered',
  value: round(total(tossUpLines), 4),
  unit: 'USD',
  note: `${lines(tossUpLines, 1)}; the ${u.tossUps} toss-ups above after their first sweep, no rep answering: ${life.sweeps.count} hourly sweeps over ${(life.hours / 24).toFixed(1)} days until none was due, ${life.sweeps.crmCalls} CRM calls; per toss-up ${perTossUp(life.usage.dynamoWriteUnits).toFixed(1)} WRU (${lifeKinds}), ${perTossUp(life.usage.dynamoReadUnits).toFixed(1)} RRU (the quiet sweeps' own units, which the floor pays, are taken off the cost, not these counts)`,
});
const gbs = per1k.find((l) => l.item.startsWith('Lambda GB-seconds'))?.quantity ?? 0;
report({
  name: 'cost.lambdaGbSecondsPer1kLeads',
  value: round(gbs, 2),
  unit: 'GB-s',
  note: `worker ${u.memoryMb.worker} MB: ${u.worker.count} invocations, ${(u.worker.ms / 1000).toFixed(1)} s in-process (dynalite's time included) + ${u.worker.crmCalls} CRM calls x ${CRM_CALL_SECONDS} s; sync ${u.memoryMb.sync} MB: ${(u.sync.ms / 1000).toFixed(1)} s, quiet run ${u.idleSync.ms.toFixed(0)} ms; sweep ${u.memoryMb.sweep} MB: first ${u.firstSweep.ms.toFixed(0)} ms + ${u.firstSweep.crmCalls} CRM calls, quiet ${u.sweep.ms.toFixed(0)} ms; Node ${process.version}`,
});

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
