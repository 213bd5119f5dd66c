import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { COUNT_NAMES, DEFAULT_PUBLISHED_METRICS, unknownCountNames } from './published-metrics.ts';
import { MAX_LEADS_PER_MESSAGE } from './queue-message.ts';

/**
 * Environment of the Lambda functions, set by serverless.yml. Read once at module scope; a missing or
 * wrong variable fails the function's initialisation with every problem named.
 */

/** serverless.yml writes an unset optional setting as ''; that means "not set". */
const Optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/**
 * Workers and sweeps: the decision ledger's Firehose streams (infra/ledger.yml). Unset: nothing is
 * recorded (src/handlers/ledger-wiring.ts).
 */
const LedgerStreams = {
  TOSSUP_LEDGER_DECISIONS_STREAM: Optional(z.string().min(1)),
  TOSSUP_LEDGER_EVENTS_STREAM: Optional(z.string().min(1)),
};

/**
 * The sync, workers and sweeps: the counts published as CloudWatch metrics, comma-separated
 * (`metrics.published`, src/handlers/published-metrics.ts). '' publishes none, so it is not
 * `Optional`; unset (tests, a hand-made function): the default list.
 */
const PublishedMetrics = z
  .string()
  .optional()
  // Trimmed: a list typed by hand in the console (`written, failed`) means the same.
  .transform((v) =>
    v === undefined
      ? [...DEFAULT_PUBLISHED_METRICS]
      : v
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
  )
  .refine((names) => unknownCountNames(names).length === 0, {
    error: (issue) =>
      `names ${unknownCountNames(issue.input as string[]).join(', ')}, which no function counts; valid: ${COUNT_NAMES.join(', ')}`,
  });

const Common = {
  TOSSUP_STATE_TABLE: z.string().min(3),
  TOSSUP_QUEUE_URL: z.url(),
  TOSSUP_SECRET_ID: z.string().min(1),
  /** Where the bundled admin files are; next to the bundle unless set (tests point it elsewhere). */
  TOSSUP_CONFIG_DIR: Optional(z.string().min(1)),
};

export const CrmFunctionEnvSchema = z.object({
  ...Common,
  TOSSUP_CRM: z.enum(['salesforce', 'hubspot']),
  /** The sync scope: one cursor per CRM and scope, and the skipped list's key. */
  TOSSUP_SCOPE: z.string().min(1).default('default'),
  TOSSUP_QUOTA_BACKOFF_SECONDS: z.coerce.number().int().positive().max(43_200).default(3600),
  /** The sync: leads a queue message carries (`sync.leadsPerMessage`, src/handlers/queue-message.ts). */
  TOSSUP_LEADS_PER_MESSAGE: z.coerce.number().int().min(1).max(MAX_LEADS_PER_MESSAGE).default(1),
  /**
   * Workers: queue the `toss-up` chat notice into the outbox. serverless.yml sets it to whether the
   * CRM's sweep function (the one that drains the outbox) is enabled, so nothing is queued that no
   * function would ever send.
   */
  TOSSUP_TOSS_UP_NOTICES: Optional(z.enum(['true', 'false'])),
  /**
   * The Salesforce worker: the partner event source of our Event Relay
   * (`aws.partner/salesforce.com/<org id>/<channel id>`, infra/salesforce-relay.yml). Relayed change
   * events from any other org are refused; unset, every relayed event is.
   */
  TOSSUP_SALESFORCE_EVENT_SOURCE: Optional(z.string().startsWith('aws.partner/salesforce.com/')),
  /**
   * Workers: the CRM's events queue (infra/queues.yml), the second queue they drain; a failed
   * message of it is delayed there. Unset: every delay goes to TOSSUP_QUEUE_URL.
   */
  TOSSUP_EVENTS_QUEUE_URL: Optional(z.url()),
  TOSSUP_METRICS: PublishedMetrics,
  ...LedgerStreams,
});
export type CrmFunctionEnv = z.infer<typeof CrmFunctionEnvSchema>;

export const SweepEnvSchema = z.object({
  TOSSUP_STATE_TABLE: Common.TOSSUP_STATE_TABLE,
  TOSSUP_SECRET_ID: Common.TOSSUP_SECRET_ID,
  TOSSUP_CONFIG_DIR: Common.TOSSUP_CONFIG_DIR,
  TOSSUP_CRM: z.enum(['salesforce', 'hubspot']),
  TOSSUP_SCOPE: z.string().min(1).default('default'),
  /** The chat secret (Slack token, Teams webhook URLs); unset = notifications wait in the outbox. */
  TOSSUP_CHAT_SECRET_ID: Optional(z.string().min(1)),
  /** Episodes one invocation looks at, at most. */
  TOSSUP_SWEEP_LIMIT: Optional(z.coerce.number().int().positive().max(100_000)),
  TOSSUP_METRICS: PublishedMetrics,
  ...LedgerStreams,
});
export type SweepEnv = z.infer<typeof SweepEnvSchema>;

/** The weekly report function (src/handlers/report-wiring.ts). */
export const ReportEnvSchema = z.object({
  TOSSUP_CONFIG_DIR: Common.TOSSUP_CONFIG_DIR,
  /** The state table: the opportunity outcomes the sweeps record (read only). */
  TOSSUP_STATE_TABLE: Common.TOSSUP_STATE_TABLE,
  TOSSUP_LEDGER_BUCKET: z.string().min(3),
  TOSSUP_LEDGER_DATABASE: z.string().min(1),
  TOSSUP_LEDGER_WORKGROUP: z.string().min(1),
  /** The chat secret; unset = the report is stored, not announced. */
  TOSSUP_CHAT_SECRET_ID: Optional(z.string().min(1)),
  TOSSUP_REPORT_LOCALE: z.enum(['ja', 'en']).default('ja'),
  TOSSUP_REPORT_TIME_ZONE: z.string().min(1).default('Asia/Tokyo'),
});
export type ReportEnv = z.infer<typeof ReportEnvSchema>;

export const WebhookEnvSchema = z.object({
  ...Common,
  /** Only this HubSpot account's events are acted on, when set. */
  TOSSUP_HUBSPOT_PORTAL_ID: Optional(z.string().regex(/^\d+$/)),
  /** Our app's id: events whose `sourceId` is this app (our own writes) are ignored, not re-decided. */
  TOSSUP_HUBSPOT_APP_ID: Optional(z.string().regex(/^\d+$/)),
  TOSSUP_WEBHOOK_DEDUP_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(48 * 3600),
});
export type WebhookEnv = z.infer<typeof WebhookEnvSchema>;

export class LambdaEnvError extends Error {
  constructor(problems: string[]) {
    super(`the function's environment is incomplete (set by serverless.yml): ${problems.join('; ')}`);
    this.name = 'LambdaEnvError';
  }
}

export function parseEnv<T>(schema: z.ZodType<T>, env: Readonly<Record<string, string | undefined>>): T {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new LambdaEnvError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
}

/** `config/` beside the bundle (`dist/lambda/<fn>/index.mjs`), where the build copied the admin files. */
export function configDirOf(env: { TOSSUP_CONFIG_DIR?: string | undefined }, bundleUrl: string): string {
  return env.TOSSUP_CONFIG_DIR ?? fileURLToPath(new URL('./config/', bundleUrl));
}
