import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { COUNT_NAMES, DEFAULT_PUBLISHED_METRICS } from '../src/handlers/published-metrics.ts';
import { MAX_LEADS_PER_MESSAGE } from '../src/handlers/queue-message.ts';

/** The settings file serverless.yml reads; `TOSSUP_SETTINGS` picks another one (one per stage). */
export const DEFAULT_SETTINGS_FILE = 'infra/settings.yml';

/** CloudWatch Logs accepts only these retention periods. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const Seconds = (max: number) => z.number().int().positive().max(max);
const Schedule = z.string().regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, {
  error: 'is not an EventBridge schedule such as rate(5 minutes) or cron(0/10 * * * ? *)',
});

const CrmSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  schedule: Schedule,
  /** The leads queue's event source mapping (AWS's range). */
  maximumConcurrency: z.number().int().min(2).max(1000),
  /** The events queue's event source mapping, on top of `maximumConcurrency` (AWS's range). */
  eventMaximumConcurrency: z.number().int().min(2).max(1000),
  /** The worker's reserved concurrency: at least the two mappings' sum (`invariantProblems`). */
  reservedConcurrency: z.number().int().min(1).max(1000),
  /** Messages per worker invocation for this CRM (`workerBatchSize`); absent: `worker.batchSize`. */
  batchSize: z.number().int().min(1).max(10000).optional(),
  /** Events-queue messages per worker invocation (`eventBatchSize`); absent: `worker.eventBatchSize`. */
  eventBatchSize: z.number().int().min(1).max(10000).optional(),
  /** Bundled with the functions: Lambda has no repository to fall back on. */
  mapping: z.string().min(1),
  /** The SLA sweep of this CRM (issue 13): off until the CRM fields and chat are set up. */
  sweep: z
    .strictObject({ enabled: z.boolean(), schedule: Schedule })
    .default({ enabled: false, schedule: 'rate(5 minutes)' }),
});

/**
 * Salesforce Change Data Capture through Event Relay (infra/salesforce-relay.yml): the partner event
 * source Salesforce created for the relay, `aws.partner/salesforce.com/<org id>/<channel id>`. Empty:
 * no event bus, rule or queue permission is declared, and the worker takes no relayed event.
 */
export const EVENT_SOURCE_NAME = /^aws\.partner\/salesforce\.com\/[A-Za-z0-9]{15,18}\/[A-Za-z0-9]{15,18}$/;

const SalesforceSettingsSchema = CrmSettingsSchema.extend({
  eventRelay: z
    .strictObject({
      eventSourceName: z.union([
        z.literal(''),
        z.string().regex(EVENT_SOURCE_NAME, {
          error:
            'is the partner event source of a Salesforce event relay, aws.partner/salesforce.com/<org id>/<channel id> (docs/deploy.md), or empty',
        }),
      ]),
    })
    .default({ eventSourceName: '' }),
});

export const DeploySettingsSchema = z.strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'is not an AWS region such as ap-northeast-1' }),
  logRetentionDays: z.number().refine((d) => RETENTION_DAYS.includes(d), {
    error: `must be one of CloudWatch's retention periods: ${RETENTION_DAYS.join(', ')}`,
  }),
  alarmEmail: z.union([z.literal(''), z.email()]),
  bundleAwsSdk: z.boolean(),
  config: z.strictObject({
    rules: z.string().min(1),
    routing: z.string().min(1),
    sla: z.string().min(1),
    /** Chat notifications of the sweep (mappings/notifications.yaml). */
    notifications: z.string().min(1).default('mappings/notifications.yaml'),
    locale: z.enum(['ja', 'en']),
    queueTaskOwners: z.record(z.string(), z.string()),
    scope: z.string().regex(/^[A-Za-z0-9_-]+$/),
  }),
  worker: z.strictObject({
    timeoutSeconds: Seconds(900),
    memoryMb: z.number().int().min(128).max(10240),
    batchSize: z.number().int().min(1).max(10000),
    /** Messages per invocation from the events queue (one change each), unless the CRM sets its own. */
    eventBatchSize: z.number().int().min(1).max(10000),
    maximumBatchingWindowSeconds: z.number().int().min(0).max(300),
    quotaBackoffSeconds: Seconds(43_200),
  }),
  queue: z.strictObject({
    visibilityTimeoutSeconds: Seconds(43_200),
    maxReceiveCount: z.number().int().min(1).max(1000),
    retentionSeconds: z.number().int().min(60).max(1_209_600),
  }),
  sync: z.strictObject({
    timeoutSeconds: Seconds(900),
    memoryMb: z.number().int().min(128).max(10240),
    /**
     * Leads a queue message carries (src/handlers/queue-message.ts); absent: 1. The event source
     * mapping's batch counts messages, so a worker takes up to `batchSize` × this many leads.
     */
    leadsPerMessage: z.number().int().min(1).max(MAX_LEADS_PER_MESSAGE).optional(),
  }),
  sweep: z
    .strictObject({ timeoutSeconds: Seconds(900), memoryMb: z.number().int().min(128).max(10240) })
    .default({ timeoutSeconds: 300, memoryMb: 512 }),
  webhook: z.strictObject({
    timeoutSeconds: Seconds(29),
    memoryMb: z.number().int().min(128).max(10240),
    dedupTtlSeconds: Seconds(30 * 86_400),
    portalId: z.string().regex(/^\d*$/, { error: 'is a HubSpot account id (digits), or empty' }),
    appId: z.string().regex(/^\d*$/, { error: 'is a HubSpot app id (digits), or empty' }).default(''),
  }),
  crms: z.strictObject({ salesforce: SalesforceSettingsSchema, hubspot: CrmSettingsSchema }),
  /** The decision ledger on S3 through Firehose, read with Athena (infra/ledger.yml). */
  ledger: z
    .strictObject({
      transitionToIaDays: z.number().int().min(30),
      expireDays: z.number().int().positive(),
      bufferSeconds: z.number().int().min(60).max(900),
      bytesScannedCutoff: z.number().int().min(10_000_000),
    })
    .default({
      transitionToIaDays: 90,
      expireDays: 1827,
      bufferSeconds: 300,
      bytesScannedCutoff: 10_000_000_000,
    }),
  /**
   * CloudWatch custom metrics (src/handlers/published-metrics.ts): the counts of the functions'
   * metrics lines that are published, each billed by the month per function and CRM. The same list
   * for every function; a name a function does not count is absent from its line. Absent: the
   * default list, so a settings file of an earlier version keeps working.
   */
  metrics: z
    .strictObject({
      published: z
        .array(
          z.string().refine((n) => (COUNT_NAMES as readonly string[]).includes(n), {
            error: (issue) =>
              `${JSON.stringify(issue.input)} is not a count of the functions' metrics lines; one of: ${COUNT_NAMES.join(', ')}`,
          }),
        )
        .default([...DEFAULT_PUBLISHED_METRICS]),
    })
    .default({ published: [...DEFAULT_PUBLISHED_METRICS] }),
  /** The scheduled weekly and monthly reviews (src/handlers/report-handler.ts). */
  report: z
    .strictObject({
      enabled: z.boolean(),
      schedule: Schedule,
      /** The monthly review of the month before (same function, `{ "period": "month" }`). */
      monthlySchedule: Schedule.default('cron(0 0 1 * ? *)'),
      locale: z.enum(['ja', 'en']),
      keepDays: z.number().int().positive(),
    })
    .default({
      enabled: false,
      schedule: 'cron(0 0 ? * MON *)',
      monthlySchedule: 'cron(0 0 1 * ? *)',
      locale: 'ja',
      keepDays: 90,
    }),
});
export type DeploySettings = z.infer<typeof DeploySettingsSchema>;
export type DeployCrm = keyof DeploySettings['crms'];

export class DeploySettingsError extends Error {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(`${file} is not a valid deployment settings file:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DeploySettingsError';
    this.problems = problems;
  }
}

export function settingsFile(
  env: Readonly<Record<string, string | undefined>> = process.env,
  root = process.cwd(),
): string {
  const file = env.TOSSUP_SETTINGS || DEFAULT_SETTINGS_FILE;
  return isAbsolute(file) ? file : resolve(root, file);
}

/**
 * Reads and checks the settings: the schema, then the rules AWS enforces only at deploy time or
 * not at all (a queue whose visibility timeout is shorter than 6 worker timeouts deploys, then
 * redelivers messages that are still being worked on).
 */
export function loadDeploySettings(file: string): DeploySettings {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DeploySettingsError(file, [`cannot be read as YAML (${(e as Error).message.split('\n')[0]})`]);
  }
  const parsed = DeploySettingsSchema.safeParse(data);
  if (!parsed.success) {
    throw new DeploySettingsError(
      file,
      parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`),
    );
  }
  const problems = invariantProblems(parsed.data);
  if (problems.length) throw new DeploySettingsError(file, problems);
  return parsed.data;
}

/** Messages per worker invocation of `crm`: its own `batchSize`, else `worker.batchSize` (serverless.yml's fallback). */
export function workerBatchSize(s: DeploySettings, crm: 'salesforce' | 'hubspot'): number {
  return s.crms[crm].batchSize ?? s.worker.batchSize;
}

/** Events-queue messages per worker invocation of `crm`: its own `eventBatchSize`, else `worker.eventBatchSize`. */
export function eventBatchSize(s: DeploySettings, crm: 'salesforce' | 'hubspot'): number {
  return s.crms[crm].eventBatchSize ?? s.worker.eventBatchSize;
}

/**
 * Leads of the sync's messages a worker invocation may take (`batchSize` × `sync.leadsPerMessage`):
 * a few write calls' worth (200 a Salesforce call, 100 a HubSpot one); more only lengthens a batch a
 * slow CRM call can time out. Below what a file written when `batchSize` counted leads gives with
 * ten a message (the shipped 100 and 200: 1,000 and 2,000). Webhook refreshes and change events
 * resolve to more leads a message and are not bounded by it.
 */
export const MAX_LEADS_PER_INVOCATION = 500;

/** Leads the sync packs into a queue message (serverless.yml's fallback: 1). */
export function leadsPerMessage(s: DeploySettings): number {
  return s.sync.leadsPerMessage ?? 1;
}

/** Leads a worker invocation of `crm` takes at most from the sync: its batch of messages, each packed full. */
export function workerBatchLeads(s: DeploySettings, crm: 'salesforce' | 'hubspot'): number {
  return workerBatchSize(s, crm) * leadsPerMessage(s);
}

export function invariantProblems(s: DeploySettings): string[] {
  const problems: string[] = [];
  if (s.queue.visibilityTimeoutSeconds < 6 * s.worker.timeoutSeconds) {
    problems.push(
      `queue.visibilityTimeoutSeconds (${s.queue.visibilityTimeoutSeconds}) must be at least 6 x worker.timeoutSeconds (${6 * s.worker.timeoutSeconds}), or SQS hands a batch to a second worker while the first still works on it`,
    );
  }
  if (s.queue.maxReceiveCount < 5) {
    problems.push(
      `queue.maxReceiveCount (${s.queue.maxReceiveCount}) must be at least 5: fewer receives send messages to the dead-letter queue after a short CRM outage`,
    );
  }
  for (const crm of ['salesforce', 'hubspot'] as const) {
    // Leads one write call takes (sObject Collections, HubSpot batch update): the size to suggest.
    const writeCall = crm === 'salesforce' ? 200 : 100;
    // The setting the batch of this CRM comes from, as an error names it.
    const setting = s.crms[crm].batchSize === undefined ? 'worker.batchSize' : `crms.${crm}.batchSize`;
    const size = workerBatchSize(s, crm);
    if (size > 10 && s.worker.maximumBatchingWindowSeconds < 1) {
      problems.push(
        `worker.maximumBatchingWindowSeconds must be at least 1 when ${setting} is above 10 (an AWS rule)`,
      );
    }
    const leads = workerBatchLeads(s, crm);
    if (leads > MAX_LEADS_PER_INVOCATION) {
      problems.push(
        `${setting} (${size} messages) x sync.leadsPerMessage (${leadsPerMessage(s)}) is ${leads} leads of the sync a ${crm} worker invocation, over ${MAX_LEADS_PER_INVOCATION}: batchSize counts messages, not leads; lower it (${writeCall} leads is one write call)`,
      );
    }
    // The events queue's mapping: its own batch, the same window and AWS rule.
    const eventSetting =
      s.crms[crm].eventBatchSize === undefined ? 'worker.eventBatchSize' : `crms.${crm}.eventBatchSize`;
    const events = eventBatchSize(s, crm);
    if (events > 10 && s.worker.maximumBatchingWindowSeconds < 1) {
      problems.push(
        `worker.maximumBatchingWindowSeconds must be at least 1 when ${eventSetting} is above 10 (an AWS rule)`,
      );
    }
    if (events > MAX_LEADS_PER_INVOCATION) {
      problems.push(
        `${eventSetting} (${events} messages) is at least ${events} leads of change events a ${crm} worker invocation (one change a message), over ${MAX_LEADS_PER_INVOCATION}: lower it (${writeCall} leads is one write call)`,
      );
    }
    // Lambda throttles a mapping's pollers when the function's reserved concurrency is below what
    // both mappings may run at once.
    const both = s.crms[crm].maximumConcurrency + s.crms[crm].eventMaximumConcurrency;
    if (s.crms[crm].reservedConcurrency < both) {
      problems.push(
        `crms.${crm}.reservedConcurrency (${s.crms[crm].reservedConcurrency}) is below crms.${crm}.maximumConcurrency (${s.crms[crm].maximumConcurrency}) + crms.${crm}.eventMaximumConcurrency (${s.crms[crm].eventMaximumConcurrency}): Lambda would throttle the worker's queue pollers; set it to at least ${both}`,
      );
    }
  }
  for (const crm of ['salesforce', 'hubspot'] as const) {
    if (s.crms[crm].sweep.enabled && !s.crms[crm].enabled) {
      problems.push(
        `crms.${crm}.sweep.enabled is true but crms.${crm}.enabled is false: the sweep acts on the toss-ups the ${crm} sync and workers hand off; enable ${crm}, or set crms.${crm}.sweep.enabled: false`,
      );
    }
  }
  if (s.crms.salesforce.eventRelay.eventSourceName && !s.crms.salesforce.enabled) {
    problems.push(
      'crms.salesforce.eventRelay.eventSourceName is set but crms.salesforce.enabled is false: relayed change events would wait in a queue no worker reads; enable salesforce, or empty the event source name',
    );
  }
  if (s.ledger.expireDays <= s.ledger.transitionToIaDays) {
    problems.push(
      `ledger.expireDays (${s.ledger.expireDays}) must be more than ledger.transitionToIaDays (${s.ledger.transitionToIaDays}): S3 refuses a lifecycle rule that expires objects before their transition`,
    );
  }
  if (s.worker.quotaBackoffSeconds > s.queue.retentionSeconds) {
    problems.push(
      'worker.quotaBackoffSeconds must be shorter than queue.retentionSeconds, or waiting messages expire',
    );
  }
  return problems;
}
