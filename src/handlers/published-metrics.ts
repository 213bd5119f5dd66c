import type { DrainReport } from '../state/notification-outbox.ts';
import type { SweepCounts } from '../sweep/sweep-report.ts';
import type { EnqueueReport } from './enqueue-changes.ts';
import type { WorkerCounts } from './worker-handler.ts';

/**
 * The counts each function writes in its metrics line (src/logging/metrics.ts), and which of them
 * are published as CloudWatch custom metrics (`metrics.published` in infra/settings.yml). Every
 * count stays a field of the line for Logs Insights; only a published one is a metric, billed per
 * name, function and CRM (fn and crm are dimensions) each month. Type-only imports: the settings
 * check (scripts/deploy-settings.ts) reads these lists without loading the handlers.
 */

/** The sync's line: its enqueue report without the stop and the cursor (sync-handler.ts). */
export type SyncCount = Exclude<keyof EnqueueReport, 'stop' | 'cursor'>;
/** The outbox drain after a sweep, `sent` → `notificationsSent` (sweep-handler.ts). */
export type DrainCount = `notifications${Capitalize<keyof DrainReport>}`;
export type SweepCount = keyof SweepCounts | DrainCount;
export type WorkerCount = keyof WorkerCounts;
export type CountName = WorkerCount | SyncCount | SweepCount;

/** A record literal, so the compiler refuses a missing or an extra name. */
const listed = <K extends string>(names: Record<K, true>): readonly K[] => Object.keys(names) as K[];

/** Each function's counts, in no particular order. */
export const FUNCTION_COUNTS = {
  worker: listed<WorkerCount>({
    messages: true,
    badMessages: true,
    stale: true,
    duplicates: true,
    busy: true,
    changeEvents: true,
    changeEventsIgnored: true,
    written: true,
    unchanged: true,
    skipped: true,
    failed: true,
    tasksCreated: true,
    tasksExisting: true,
    failedMessages: true,
  }),
  sync: listed<SyncCount>({
    pages: true,
    leadsRead: true,
    enqueued: true,
    deleted: true,
    oversized: true,
    committedPages: true,
    accountLeads: true,
  }),
  sweep: listed<SweepCount>({
    due: true,
    checked: true,
    stale: true,
    responded: true,
    completed: true,
    closed: true,
    verdicts: true,
    reminders: true,
    escalations: true,
    managerTasks: true,
    reassignments: true,
    reassignSkipped: true,
    stepsSkipped: true,
    stepsPlanned: true,
    stepsAlreadyRecorded: true,
    slaFieldsWritten: true,
    slaFieldsPlanned: true,
    notificationsQueued: true,
    failed: true,
    heldForSync: true,
    notificationsSent: true,
    notificationsRetried: true,
    notificationsFailed: true,
    notificationsUnknown: true,
    notificationsPending: true,
  }),
} as const;

/** Every count name any function writes, sorted: what `metrics.published` may name. */
export const COUNT_NAMES: readonly CountName[] = [...new Set(Object.values(FUNCTION_COUNTS).flat())].sort();

/**
 * Published unless the settings say otherwise: what a dashboard of the connector's own work needs,
 * 8 metrics a CRM ($2.40 a month; `failed` is the worker's and the sweep's). Throughput (`enqueued`
 * read in, `written` back, `tasksCreated`: the toss-ups themselves) and what goes wrong without
 * failing an invocation, which the Lambda and SQS alarms therefore miss: leads that failed
 * (`failed`), messages sent back to the queue (`failedMessages`, the DLQ's early warning), chat
 * messages that could not be sent (`notificationsFailed`), and SLA escalations to managers
 * (`escalations`). The rest are tallies for an investigation, in the log line.
 */
export const DEFAULT_PUBLISHED_METRICS: readonly CountName[] = [
  'enqueued',
  'written',
  'tasksCreated',
  'failed',
  'failedMessages',
  'escalations',
  'notificationsFailed',
];

/** The names of `names` that no function counts (a typo), for an error that lists the valid ones. */
export function unknownCountNames(names: readonly string[]): string[] {
  return names.filter((n) => !(COUNT_NAMES as readonly string[]).includes(n));
}
