import {
  type ChangeObject,
  interpretChangeEvent,
  type PersonChangeObject,
} from '../changes/salesforce-change-event.ts';
import { recordRefFrom } from '../composition/record-ref.ts';
import { CrmError, type FailureKind } from '../domain/errors.ts';
import type { Lead } from '../domain/lead.ts';
import type { LedgerWiring } from '../ledger/flush-ledger.ts';
import type { Logger } from '../logging/logger.ts';
import { emitMetrics } from '../logging/metrics.ts';
import { type StopSignal, stopFromError } from '../pipeline/failure-policy.ts';
import {
  type ClaimGrant,
  type DecidedClaim,
  type LeadOutcome,
  type PipelineDeps,
  type PipelineEpisodes,
  processLeads,
} from '../pipeline/process-leads.ts';
import { cursorKey } from '../pipeline/run-sync.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';
import type { SyncCrm } from '../ports/crm-module.ts';
import { DEFAULT_DEADLINE_RESERVE_MS, invocationDeadline, runWithDeadline } from '../ports/deadline.ts';
import { leadLookupOf } from '../ports/lead-lookup.ts';
import type { LeadSink } from '../ports/lead-sink.ts';
import { type ClaimOutcome, type LeadVersions, leadVersionKey } from '../ports/lead-versions.ts';
import type { VisibilityControl } from '../ports/message-queue.ts';
import type { RecheckStore } from '../ports/recheck-store.ts';
import type { RoutingState } from '../ports/routing-state.ts';
import type { SyncStateStore } from '../ports/sync-state-store.ts';
import type { SweepNotify } from '../sweep/notify-policy.ts';
import type { BundledConfig } from './bundled-config.ts';
import type { ConnectorProvider } from './connector-provider.ts';
import type { LambdaContext, SqsBatchResponse, SqsEvent, SqsRecord } from './lambda-types.ts';
import { DEFAULT_PUBLISHED_METRICS } from './published-metrics.ts';
import { type QueueMessage, QueueMessageSchema, TRACE_ATTRIBUTE } from './queue-message.ts';
import { checkRelayedEvent, looksRelayed, type RelayedChangeEvent } from './relayed-change-event.ts';

export interface WorkerOptions {
  crm: SyncCrm;
  /** Sync scope: the skipped-records list is kept under `cursorKey(crm, scope)`, as in the CLI. */
  scope: string;
  config: BundledConfig;
  connectors: ConnectorProvider;
  state: SyncStateStore;
  routingState: RoutingState;
  versions: LeadVersions;
  /** Where each toss-up's episode is recorded for the SLA sweep (the state table on AWS). */
  episodes?: PipelineEpisodes;
  /** Where each lead's next re-check is kept for the sweep (the state table on AWS). */
  rechecks?: RecheckStore;
  /**
   * The decision ledger (Firehose on AWS): each decision written, staged before the CRM write and
   * appended after it, as in the CLI. The episode store given in `episodes` records the steps.
   */
  ledger?: LedgerWiring;
  /**
   * The `toss-up` chat notice, queued into the outbox (the state table on AWS) and sent by the sweep
   * function's drain; the worker holds no chat secret and sends nothing itself (docs/notifications.md).
   */
  notify?: Omit<SweepNotify, 'recordRef'>;
  /** Pushes back messages that failed for a spent quota or with a Retry-After. */
  visibility?: VisibilityControl;
  clock: Clock;
  log: Logger;
  /** How long a message waits when the CRM's daily allowance is spent (default 1 hour). */
  quotaBackoffSeconds?: number;
  /**
   * Time kept back from CRM calls at the end of an invocation, to settle claims and report the
   * unfinished messages as batch item failures (default 5 s; see src/ports/deadline.ts).
   */
  deadlineReserveMs?: number;
  /**
   * The Salesforce worker: the partner event source of our Event Relay (infra/salesforce-relay.yml).
   * Change events relayed from another org are refused (DLQ); without it, every relayed event is.
   */
  salesforceEventSource?: string;
  /**
   * Counts of the metrics line published as CloudWatch metrics (`metrics.published`); the others stay
   * fields of the line. Default: DEFAULT_PUBLISHED_METRICS.
   */
  publishedMetrics?: readonly string[];
}

/** A batch's counts as it goes (the message and lead tallies of its metrics line). */
type BatchCounts = {
  messages: number;
  badMessages: number;
  stale: number;
  duplicates: number;
  busy: number;
  changeEvents: number;
  changeEventsIgnored: number;
};

/** Decided leads by status, and their tasks. */
type OutcomeTally = {
  written: number;
  unchanged: number;
  skipped: number;
  failed: number;
  tasksCreated: number;
  tasksExisting: number;
};

/** The counts of a batch's metrics line (published-metrics.ts lists their names for the settings check). */
export type WorkerCounts = BatchCounts & OutcomeTally & { failedMessages: number };

/** A whole-batch failure (auth, config, our own bug): the batch returns to the queue and alarms. */
export class WorkerBatchError extends Error {
  readonly kind: StopSignal['kind'];
  readonly code: string;
  constructor(stop: StopSignal, options?: ErrorOptions) {
    super(`batch stopped (${stop.kind}/${stop.code}): ${stop.message}`, options);
    this.name = 'WorkerBatchError';
    this.kind = stop.kind;
    this.code = stop.code;
  }
}

/**
 * A Salesforce change event as Event Relay → EventBridge put it on the queue (relayed-change-event.ts);
 * interpreted with the connector's change-event rules once the connector is at hand.
 */
interface ChangeMessage {
  kind: 'change';
  event: RelayedChangeEvent;
}

interface Unit {
  record: SqsRecord;
  message: QueueMessage | ChangeMessage;
  /** Record keys (`leadVersionKey`) of the leads this message resolved to. */
  leadKeys: string[];
}

interface Group {
  /** `leadVersionKey` of the record. */
  key: string;
  lead: Lead;
  version: number | null;
  token?: string;
  result?: { ok: true } | FailedResult;
}

type FailedResult = { ok: false; kind: FailureKind | 'busy'; retryAfterMs?: number };

const DEFAULT_QUOTA_BACKOFF_SECONDS = 3600;

/**
 * An overflow event (GAP_OVERFLOW) asks for an incremental read from its commit time: at most this many
 * people are decided in the invocation; the scheduled sync, whose cursor is older, reads the rest.
 */
export const OVERFLOW_READ_LIMIT = 2000;

/**
 * The SQS worker: decide → route → tasks → fields for one batch through `processLeads` (the same
 * function the CLI's `runSync` uses), returning `batchItemFailures` with exactly the messages whose
 * leads must come back:
 * - written, unchanged, or skipped as `invalid_record` (recorded in the skipped list) → done;
 * - `transient`, `rate_limited`, `quota_exhausted`, or not attempted because of those → failed, so SQS
 *   redelivers (rate-limited and quota failures are pushed out by `Retry-After` / the quota backoff);
 * - a message that is not a valid queue message → failed every time, so it ends in the DLQ;
 * - auth/config, or an error of our own → the handler throws: the whole batch returns and alarms.
 *
 * Duplicate, crashed-and-redelivered and out-of-order messages are safe: each lead is claimed at its
 * version (`LeadVersions`) before anything is written — once decided, with the re-check record its
 * writes will leave, where the store offers `claimDecided` (DynamoDB), else before deciding —, tasks
 * are created before fields and are idempotent per episode key (the episode + the CRM's own key), and
 * a stale version is acknowledged without any CRM call.
 */
export function createWorkerHandler(options: WorkerOptions) {
  const quotaBackoff = options.quotaBackoffSeconds ?? DEFAULT_QUOTA_BACKOFF_SECONDS;
  const reserveMs = options.deadlineReserveMs ?? DEFAULT_DEADLINE_RESERVE_MS;

  // Every CRM call of the batch ends before the invocation does (less the reserve): a hung call
  // fails its leads' messages instead of timing the whole batch out (five of those: the DLQ).
  return function handler(event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> {
    return runWithDeadline(invocationDeadline(context, reserveMs), () => handleBatch(event, context));
  };

  async function handleBatch(event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> {
    const log = options.log.child({ runId: context.awsRequestId });
    const failed = new Map<string, SqsRecord>();
    const delays = new Map<string, number>();
    const counts: BatchCounts = {
      messages: event.Records.length,
      badMessages: 0,
      stale: 0,
      duplicates: 0,
      busy: 0,
      changeEvents: 0,
      changeEventsIgnored: 0,
    };

    const accepted = options.crm === 'salesforce' ? options.salesforceEventSource : undefined;
    const units = parseRecords(event.Records, options.crm, accepted, log, failed);
    counts.changeEvents = units.filter((u) => u.message.kind === 'change').length;
    counts.badMessages = failed.size;
    if (units.length === 0) return response(failed);

    const invalid = new Map(failed);
    let attempt: { groups: Map<string, Group>; outcomes: LeadOutcome[]; leaseUntilMs: number };
    try {
      attempt = await processUnits(units, context, log, failed, delays, counts);
    } catch (e) {
      if (!(e instanceof WorkerBatchError && e.kind === 'auth')) throw e;
      // The CRM refused the credentials: read the secret again. A rotated one is used at once, for
      // this batch (one refused call in all, no failed batch); an unchanged one fails the batch.
      if (!(await renewCredentials(options.connectors, log))) throw e;
      failed.clear();
      for (const [id, record] of invalid) failed.set(id, record);
      delays.clear();
      Object.assign(counts, { stale: 0, duplicates: 0, busy: 0, changeEventsIgnored: 0 });
      for (const u of units) u.leadKeys = [];
      try {
        attempt = await processUnits(units, context, log, failed, delays, counts);
      } catch (again) {
        if (again instanceof WorkerBatchError && again.kind === 'auth') options.connectors.invalidate();
        throw again;
      }
    }
    const { groups, outcomes, leaseUntilMs } = attempt;

    const leaseLeft = Math.ceil((leaseUntilMs - options.clock.now().getTime()) / 1000);
    for (const u of units) {
      if (failed.has(u.record.messageId)) continue;
      const results = u.leadKeys.map((k) => groups.get(k)?.result);
      const bad = results.filter((r): r is FailedResult => r !== undefined && !r.ok);
      if (bad.length === 0) continue;
      failed.set(u.record.messageId, u.record);
      // The longest wait its failed leads ask for: a spent quota outwaits a lock or a busy lead.
      let delay: number | null = null;
      for (const b of bad) {
        const d = delayFor(b.kind, b.retryAfterMs, quotaBackoff);
        if (d !== null && (delay === null || d > delay)) delay = d;
      }
      // A packed message whose other leads this invocation claimed comes back once those claims have
      // lapsed: sooner, they would be busy and send it round again, their turn and then the other's.
      // (No delay is the visibility timeout, longer than any lease.)
      if (delay !== null && results.some((r) => r?.ok) && delay < leaseLeft) delay = leaseLeft;
      if (delay !== null) delays.set(u.record.receiptHandle, delay);
      if (u.leadKeys.length > 1)
        log.info(
          { messageId: u.record.messageId, leadIds: u.leadKeys.map((k) => groups.get(k)?.lead.id) },
          `a message of ${u.leadKeys.length} leads comes back for ${bad.length} of them`,
        );
    }
    await applyDelays(delays, failed, options.visibility, log);

    const line: WorkerCounts = { ...counts, ...tallyOutcomes(outcomes), failedMessages: failed.size };
    emitMetrics(
      log,
      { crm: options.crm, fn: 'worker' },
      line,
      options.clock.now(),
      options.publishedMetrics ?? DEFAULT_PUBLISHED_METRICS,
    );
    return response(failed);
  }

  /** Reads and claims the batch's leads, then decides and writes them with the current connector. */
  async function processUnits(
    units: Unit[],
    context: LambdaContext,
    log: Logger,
    failed: Map<string, SqsRecord>,
    delays: Map<string, number>,
    counts: { stale: number; duplicates: number; busy: number; changeEventsIgnored: number },
  ): Promise<{ groups: Map<string, Group>; outcomes: LeadOutcome[]; leaseUntilMs: number }> {
    const connector = await options.connectors.get();
    const groups = new Map<string, Group>();
    await resolveLeads(units, connector, groups, failed, delays, log, options, quotaBackoff, counts);

    // A claim lapses with this invocation's deadline, so a crash leaves nothing locked for longer.
    const leaseUntilMs = options.clock.now().getTime() + context.getRemainingTimeInMillis();
    const settle = { versions: options.versions, log };
    const refused = (g: Group, claim: ClaimOutcome & { status: 'stale' | 'done' | 'busy' }) => {
      if (claim.status === 'busy') {
        // Back when the claim in the way lapses, not a whole visibility timeout later.
        const waitMs =
          claim.leaseUntilMs === undefined ? undefined : claim.leaseUntilMs - options.clock.now().getTime();
        g.result = {
          ok: false,
          kind: 'busy',
          ...(waitMs !== undefined && waitMs > 0 ? { retryAfterMs: waitMs } : {}),
        };
        counts.busy++;
        log.info(
          { leadId: g.lead.id, version: g.version, waitMs },
          'lead claimed by another worker: comes back',
        );
        return;
      }
      g.result = { ok: true };
      counts[claim.status === 'stale' ? 'stale' : 'duplicates']++;
      log.info(
        { leadId: g.lead.id, version: g.version, storedVersion: claim.storedVersion },
        `lead version ${claim.status}: acknowledged without a CRM call`,
      );
    };

    const claimDecided = options.versions.claimDecided?.bind(options.versions);
    let work: Group[];
    let claimer: PipelineDeps['claimDecided'];
    if (claimDecided) {
      // Claimed once decided, with the re-check record the writes will leave: one write a lead.
      work = [...groups.values()];
      claimer = claimOnceDecided(
        claimDecided,
        options.versions.confirmRead?.bind(options.versions),
        options.versions.fileRechecks?.bind(options.versions),
        options.crm,
        groups,
        leaseUntilMs,
        refused,
        (id) => options.routingState.flushUnclaimed?.(id),
        (id) => releaseRefused(options.routingState, id, log),
      );
    } else {
      work = [];
      const claims = await Promise.allSettled(
        [...groups.values()].map(async (g) => {
          if (g.version === null) return void work.push(g);
          const claim = await options.versions.claim(g.key, g.version, leaseUntilMs);
          if (claim.status === 'claimed') {
            g.token = claim.token;
            work.push(g);
          } else refused(g, claim);
        }),
      );
      const claimFailure = claims.find((c): c is PromiseRejectedResult => c.status === 'rejected');
      if (claimFailure) {
        // The state table failed for some leads: give back the claims that were taken, then stop.
        await settleClaims(work, settle, true);
        throw claimFailure.reason;
      }
    }

    let outcomes: LeadOutcome[] = [];
    try {
      outcomes = await processWork(work, connector, options, log, options.rechecks, claimer);
    } catch (e) {
      await settleClaims(work, settle, true);
      throw e;
    }
    // A claim taken before deciding is completed; one taken once decided lapses with its lease.
    await settleClaims(work, settle, false, !claimer);
    return { groups, outcomes, leaseUntilMs };
  }
}

/**
 * The pipeline's `claimDecided` for one batch: each decided lead is claimed at its version with the
 * re-check record its writes will leave (a lead without a version, as account triggers are, goes
 * ahead unclaimed), and the routing assignments made for it (`RoutingState.flushUnclaimed` stores
 * those of a lead going ahead unclaimed; `releaseRefused` drops those of a refused one and gives back
 * their slots). If the state table fails for any lead, the claims taken are given back and the batch
 * fails.
 */
function claimOnceDecided(
  claimDecided: NonNullable<LeadVersions['claimDecided']>,
  confirmRead: LeadVersions['confirmRead'],
  fileRechecks: LeadVersions['fileRechecks'],
  crm: SyncCrm,
  groups: Map<string, Group>,
  leaseUntilMs: number,
  refused: (g: Group, claim: ClaimOutcome & { status: 'stale' | 'done' | 'busy' }) => void,
  unclaimed: (leadId: string) => Promise<void> | undefined,
  released: (leadId: string) => Promise<void>,
): (items: readonly DecidedClaim[]) => Promise<ClaimGrant[]> {
  return async (items) => {
    // The re-checks the claims will carry, filed together first (one roster per instant).
    await fileRechecks?.(
      crm,
      items.flatMap(({ lead, recheck }) =>
        recheck && groups.get(leadVersionKey(crm, lead.objectType, lead.id))?.version != null
          ? [recheck]
          : [],
      ),
    );
    const claims = await Promise.allSettled(
      items.map(async ({ lead, recheck }): Promise<ClaimGrant> => {
        const key = leadVersionKey(crm, lead.objectType, lead.id);
        const g = groups.get(key);
        if (!g || g.version === null) {
          // Decided on an eventually consistent read, with no claim to refuse a stale one: checked
          // here, before its assignments are stored (a lead with no item may get one for them).
          const stale = g && confirmRead ? await confirmRead(key) : null;
          if (!stale) {
            await unclaimed(lead.id);
            return { go: true, recorded: false };
          }
          await released(lead.id);
          refused(g!, stale);
          return { go: false, recorded: false };
        }
        const claim = await claimDecided(g.key, g.version, leaseUntilMs, crm, recheck);
        if (claim.status !== 'claimed') {
          // Nothing handed off: a rep's slot taken for it would stay counted unused.
          await released(lead.id);
          refused(g, claim);
          return { go: false, recorded: false };
        }
        g.token = claim.token;
        return { go: true, recorded: recheck !== null };
      }),
    );
    const failure = claims.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failure) throw failure.reason;
    return claims.map((c) => (c as PromiseFulfilledResult<ClaimGrant>).value);
  };
}

/**
 * Gives back the daily slots routed for a lead refused its claim. Its failure leaves the count one
 * high, as before this was done, and fails nothing: the lead is refused all the same.
 */
async function releaseRefused(state: RoutingState, leadId: string, log: Logger): Promise<void> {
  try {
    await state.releaseRefused?.(leadId);
  } catch (e) {
    log.warn(
      { err: e, leadId },
      "a refused lead's daily slot was not given back: its rep's count stays one high",
    );
  }
}

/** True when the secret changed since the connector was built (the connector is then rebuilt). */
async function renewCredentials(connectors: ConnectorProvider, log: Logger): Promise<boolean> {
  if (!connectors.refresh) {
    connectors.invalidate();
    return false;
  }
  const changed = await connectors.refresh();
  log.warn(
    { rotated: changed },
    changed
      ? 'the CRM refused the credentials; the secret was rotated, retrying the batch with the new one'
      : 'the CRM refused the credentials and the secret is unchanged: fix the credentials',
  );
  return changed;
}

function response(failed: Map<string, SqsRecord>): SqsBatchResponse {
  return { batchItemFailures: [...failed.keys()].map((itemIdentifier) => ({ itemIdentifier })) };
}

function parseRecords(
  records: SqsRecord[],
  crm: SyncCrm,
  acceptedEventSource: string | undefined,
  log: Logger,
  failed: Map<string, SqsRecord>,
): Unit[] {
  const units: Unit[] = [];
  for (const record of records) {
    const messageLog = log.child({
      messageId: record.messageId,
      tossupId: record.messageAttributes?.[TRACE_ATTRIBUTE]?.stringValue,
    });
    let data: unknown;
    try {
      data = JSON.parse(record.body);
    } catch {
      data = undefined;
    }
    if (looksRelayed(data)) {
      const check = checkRelayedEvent(data, acceptedEventSource);
      if (check.ok) {
        units.push({ record, message: { kind: 'change', event: check.event }, leadKeys: [] });
        continue;
      }
      // Never valid here, so never processed: to the DLQ after maxReceiveCount, where it can be read.
      messageLog.error(
        { code: check.code, receiveCount: Number(record.attributes.ApproximateReceiveCount) },
        check.problem,
      );
      failed.set(record.messageId, record);
      continue;
    }
    const parsed = QueueMessageSchema.safeParse(data);
    if (!parsed.success || parsed.data.crm !== crm) {
      // Never valid, so never processed: it returns until maxReceiveCount moves it to the DLQ, where
      // it can be inspected. Only the problem's location is logged, not the body (it holds lead data).
      const problem = parsed.success
        ? `for ${parsed.data.crm}, but this worker serves ${crm}`
        : parsed.error.issues
            .slice(0, 5)
            .map((i) => i.path.join('.') || '(body)')
            .join(', ');
      messageLog.error(
        { code: 'bad_message', receiveCount: Number(record.attributes.ApproximateReceiveCount) },
        `not a valid queue message: ${problem}`,
      );
      failed.set(record.messageId, record);
      continue;
    }
    units.push({ record, message: parsed.data, leadKeys: [] });
  }
  return units;
}

interface ByIds {
  u: Unit;
  ids: readonly string[];
}
interface ByAccounts extends ByIds {
  objectType: 'company' | 'deal';
}
interface SinceRead {
  u: Unit;
  object: ChangeObject;
  sinceMs: number;
}
type AddLead = (u: Unit, lead: Lead, related?: boolean) => void;

/**
 * Lead messages carry their lead; refresh messages and change events are read through the connector:
 * the named people in one read by ids, the people of named accounts through the account-change
 * stream, an overflow's changes through a bounded incremental read.
 */
async function resolveLeads(
  units: Unit[],
  connector: CrmConnector,
  groups: Map<string, Group>,
  failed: Map<string, SqsRecord>,
  delays: Map<string, number>,
  log: Logger,
  options: WorkerOptions,
  quotaBackoff: number,
  counts: { changeEventsIgnored: number },
): Promise<void> {
  const add: AddLead = (u, lead, related = false) => {
    const key = leadVersionKey(options.crm, lead.objectType, lead.id);
    u.leadKeys.push(key);
    // A contact re-decided for its company's change did not change itself: its modification time is
    // a version already done, so it is decided without a version claim (idempotent all the same).
    const version = !related && lead.modifiedAt ? Date.parse(lead.modifiedAt) : null;
    const g = groups.get(key);
    // Two versions of one lead in one batch: only the newest is processed; the older is superseded.
    if (!g || (version !== null && (g.version === null || version > g.version)))
      groups.set(key, { key, lead, version });
  };
  const byIds: ByIds[] = [];
  const byAccounts: ByAccounts[] = [];
  const since: SinceRead[] = [];
  for (const u of units) {
    const m = u.message;
    if (m.kind === 'lead') add(u, m.lead, m.trigger === 'account');
    else if (m.kind === 'leads') for (const lead of m.leads) add(u, lead, m.trigger === 'account');
    else if (m.kind === 'refresh') {
      if (isAccountObject(m.objectType)) byAccounts.push({ u, objectType: m.objectType, ids: m.ids });
      else byIds.push({ u, ids: m.ids });
    } else if (planChange(u, m.event, connector, log, { byIds, byAccounts, since })) {
      counts.changeEventsIgnored++;
    }
  }
  const failAll = (items: readonly { u: Unit }[], e: unknown, what: string) => {
    const stop = stopFromError(e);
    if (stop.action === 'fix' || stop.kind === 'error') throw new WorkerBatchError(stop, { cause: e });
    log.warn({ err: e, messages: items.length }, `${what} failed; the messages return to the queue`);
    for (const { u } of items) {
      failed.set(u.record.messageId, u.record);
      const delay = delayFor(
        stop.kind as FailureKind,
        e instanceof CrmError ? e.retryAfterMs : undefined,
        quotaBackoff,
      );
      if (delay !== null) delays.set(u.record.receiptHandle, delay);
    }
  };
  if (byAccounts.length > 0) await resolveRelated(byAccounts, connector, add, failAll, log);
  for (const item of since) {
    try {
      await readSince(item, connector, add, log);
    } catch (e) {
      failAll([item], e, 'the incremental read of an overflow event');
    }
  }
  if (byIds.length === 0) return;

  const lookup = leadLookupOf(connector);
  if (!lookup) {
    // The connector cannot read by id: the change is picked up by the next scheduled sync instead,
    // because the webhook's change also moved the record's modification time.
    log.info(
      { messages: byIds.length },
      'refresh messages left to the scheduled sync (connector has no readByIds)',
    );
    return;
  }
  const ids = [...new Set(byIds.flatMap((b) => b.ids))];
  try {
    const byId = new Map<string, Lead>();
    for (let i = 0; i < ids.length; i += 100) {
      for (const lead of await lookup.readByIds(ids.slice(i, i + 100))) byId.set(lead.id, lead);
    }
    for (const { u, ids: wanted } of byIds) {
      for (const id of wanted) {
        const lead = byId.get(id);
        if (lead) add(u, lead);
      }
    }
  } catch (e) {
    failAll(byIds, e, 'reading refreshed records');
  }
}

function isAccountObject(objectType: string): objectType is 'company' | 'deal' {
  return objectType === 'company' || objectType === 'deal';
}

/**
 * What a Salesforce change event asks for (src/changes/salesforce-change-event.ts, the rules the local
 * listener shares), queued into the batch's reads; true when it asks for nothing (our own write, no
 * field a rule reads, a deletion). Record ids are logged, never field values.
 */
function planChange(
  u: Unit,
  event: RelayedChangeEvent,
  connector: CrmConnector,
  log: Logger,
  plan: { byIds: ByIds[]; byAccounts: ByAccounts[]; since: SinceRead[] },
): boolean {
  const header = event.detail.payload.ChangeEventHeader;
  const eventLog = log.child({
    entity: header.entityName,
    changeType: header.changeType,
    records: header.recordIds.length,
    replayId: event.detail.event?.replayId,
    eventUuid: event.detail.id,
  });
  const rules = connector.changeEvents;
  if (!rules) {
    eventLog.warn({}, 'change event left to the scheduled sync (the connector reads no change events)');
    return true;
  }
  const { action } = interpretChangeEvent(event.detail.payload, rules.interpretOptions());
  switch (action.kind) {
    case 'decide':
      plan.byIds.push({ u, ids: action.ids });
      eventLog.info({ action: 'decide', gap: action.gap }, 'change event: deciding the named people');
      return false;
    case 'account':
      if (action.accountIds.length === 0) {
        // An Opportunity event without its AccountId (a gap, or a channel member not enriched with it):
        // the scheduled sync's account-change phase finds the account by its closed opportunity.
        eventLog.info(
          { action: 'account' },
          'change event without an account id: left to the scheduled sync',
        );
        return true;
      }
      plan.byAccounts.push({ u, objectType: 'company', ids: action.accountIds });
      eventLog.info(
        { action: 'account', accounts: action.accountIds.length },
        "change event: re-deciding the accounts' people",
      );
      return false;
    case 'read_since':
      plan.since.push({ u, object: action.object, sinceMs: action.sinceMs });
      eventLog.info({ action: 'read_since', sinceMs: action.sinceMs }, 'overflow event: incremental read');
      return false;
    case 'deleted':
      eventLog.info({ action: 'deleted' }, 'change event: deleted, nothing to decide');
      return true;
    case 'ignore':
      eventLog.info({ action: 'ignore', why: action.why }, 'change event ignored');
      return true;
  }
}

/**
 * An overflow: the people changed on the object since `sinceMs`, read as an incremental sync would
 * (Leads and Contacts through the change stream; Accounts and Opportunities through the account-change
 * stream, their people without a version claim), at most OVERFLOW_READ_LIMIT of them.
 */
async function readSince(item: SinceRead, connector: CrmConnector, add: AddLead, log: Logger): Promise<void> {
  const since = { modifiedAt: new Date(item.sinceMs).toISOString(), idsAtModifiedAt: [] };
  let read = 0;
  const person = (o: ChangeObject): o is PersonChangeObject => o === 'Lead' || o === 'Contact';
  if (person(item.object)) {
    for await (const page of connector.source.readChanges({ since, limit: OVERFLOW_READ_LIMIT })) {
      for (const lead of page.leads) add(item.u, lead);
      read += page.leads.length;
      if (read >= OVERFLOW_READ_LIMIT) break;
    }
  } else if (connector.accountChanges) {
    for await (const page of connector.accountChanges.readChanges(since)) {
      for (const lead of page.leads) add(item.u, lead, true);
      read += page.leads.length;
      if (read >= OVERFLOW_READ_LIMIT) break;
    }
  }
  if (read >= OVERFLOW_READ_LIMIT)
    log.warn({ read }, 'overflow read stopped at its bound; the scheduled sync reads the rest');
}

/**
 * Refresh messages naming companies or deals (the HubSpot webhook's `company.propertyChange`,
 * `deal.propertyChange`) and Salesforce Account/Opportunity change events: the people of those
 * accounts, read through the connector's account-change stream, are decided like any refreshed lead.
 * A connector without one leaves them to the scheduled sync, whose account-change phase finds the
 * same people.
 */
async function resolveRelated(
  items: ByAccounts[],
  connector: CrmConnector,
  add: AddLead,
  failAll: (items: readonly { u: Unit }[], e: unknown, what: string) => void,
  log: Logger,
): Promise<void> {
  const read = connector.accountChanges?.readByAccountIds?.bind(connector.accountChanges);
  if (!read) {
    log.info(
      { messages: items.length },
      'company/deal messages left to the scheduled sync (no account-change stream)',
    );
    return;
  }
  for (const item of items) {
    try {
      for (const lead of await read(item.objectType, item.ids)) add(item.u, lead, true);
    } catch (e) {
      failAll([item], e, 'reading the people of changed accounts');
    }
  }
}

/**
 * Decides and writes the claimed leads in one `processLeads` call with per-lead outcomes
 * (`recordFailures: 'lead'`): a lead the CRM refused for now fails alone (its message returns, with
 * the leads packed beside it, which are decided again then) while the others are written. A stop that concerns the whole batch
 * (auth, config, our own error) throws; one that ended a whole call leaves the leads it did not
 * reach failed with its kind.
 */
async function processWork(
  work: Group[],
  connector: CrmConnector,
  options: WorkerOptions,
  log: Logger,
  rechecks: RecheckStore | undefined,
  claimDecided?: PipelineDeps['claimDecided'],
): Promise<LeadOutcome[]> {
  const byRecord = new Map(work.map((g) => [`${g.lead.objectType}\u0000${g.lead.id}`, g]));
  // The stop signal carries no Retry-After; the CRM error it came from does.
  let lastCallError: CrmError | null = null;
  const sink: LeadSink = {
    crm: connector.sink.crm,
    ...(connector.sink.writesSlaStatus ? { writesSlaStatus: true } : {}),
    writeTossUp: (u) => connector.sink.writeTossUp(u).catch((e: unknown) => rethrowNoting(e)),
    createTasks: (t) => connector.sink.createTasks(t).catch((e: unknown) => rethrowNoting(e)),
  };
  const rethrowNoting = (e: unknown): never => {
    if (e instanceof CrmError) lastCallError = e;
    throw e;
  };
  const deps: PipelineDeps = {
    crm: options.crm,
    sink,
    rules: options.config.rules,
    renderer: options.config.renderer,
    routing: options.config.routing,
    routingState: options.routingState,
    sla: options.config.sla,
    state: options.state,
    recordUrl: (lead) => connector.recordUrl(lead),
    queueTaskOwners: options.config.queueTaskOwners,
    scope: cursorKey(options.crm, options.scope),
    recordFailures: 'lead',
    now: options.clock.now(),
    episodes: options.episodes,
    ...(rechecks ? { rechecks } : {}),
    ...(claimDecided ? { claimDecided } : {}),
    ...(options.ledger ? { ledger: options.ledger } : {}),
    ...(options.notify ? { notify: { ...options.notify, recordRef: recordRefFrom(connector) } } : {}),
  };

  // Per-record failures are logged by classification only: the CRM's message text often quotes the
  // rejected values (names, e-mail addresses), and a name in free text cannot be recognised and
  // masked. The text itself goes to the skipped list (sanitised) where an admin can read it.
  const batch = await processLeads(
    work.map((g) => g.lead),
    deps,
  );
  const outcomes: LeadOutcome[] = [];
  for (const o of batch.outcomes) {
    const g = byRecord.get(`${o.objectType}\u0000${o.leadId}`);
    if (!g || o.status === 'not_attempted') continue;
    outcomes.push(o);
    const leadLog = log.child({ leadId: o.leadId });
    const failure = { kind: o.failure?.kind, code: o.failure?.code, stage: o.failure?.stage };
    if (o.status === 'failed') {
      g.result = { ok: false, kind: o.failure?.kind ?? 'transient' };
      leadLog.warn(failure, 'lead failed; its message returns to the queue');
    } else {
      g.result = { ok: true };
      if (o.status === 'skipped') leadLog.warn(failure, 'lead skipped (recorded in the skipped list)');
    }
  }
  const stop = batch.stop;
  if (stop && (stop.action === 'fix' || stop.kind === 'error' || stop.kind === 'conflict')) {
    throw new WorkerBatchError(stop);
  }
  const kind = stop && isFailureKind(stop.kind) ? stop.kind : 'transient';
  const retryAfterMs = (lastCallError as CrmError | null)?.retryAfterMs;
  for (const g of work) {
    if (!g.result) g.result = { ok: false, kind, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return outcomes;
}

function isFailureKind(kind: StopSignal['kind']): kind is FailureKind {
  return kind !== 'conflict' && kind !== 'error';
}

/**
 * Gives back the claims of leads that did not finish (all of them when the batch failed), so their
 * retry need not wait for the lease; with `complete`, completes those of finished leads (claims taken
 * before deciding). A claim taken once decided is never completed: its lease lapses.
 */
async function settleClaims(
  work: Group[],
  settle: { versions: LeadVersions; log: Logger },
  batchFailed: boolean,
  complete = false,
): Promise<void> {
  const { versions, log } = settle;
  await Promise.all(
    work.map(async (g) => {
      if (g.token === undefined || g.version === null) return;
      try {
        if (batchFailed || !g.result?.ok) await versions.release(g.key, g.version, g.token);
        else if (complete && !(await versions.complete(g.key, g.version, g.token))) {
          log.warn(
            { leadId: g.lead.id },
            'lead finished after its claim lapsed; another delivery may repeat it (idempotent)',
          );
        }
      } catch (e) {
        // The lease ends with this invocation anyway; a failed release only delays the retry.
        log.warn({ err: e, leadId: g.lead.id }, 'could not settle the lead claim');
      }
    }),
  );
}

function delayFor(
  kind: FailureKind | 'busy',
  retryAfterMs: number | undefined,
  quotaBackoff: number,
): number | null {
  if (kind === 'quota_exhausted') return quotaBackoff;
  if ((kind === 'rate_limited' || kind === 'busy') && retryAfterMs !== undefined)
    return Math.ceil(retryAfterMs / 1000);
  return null; // the queue's visibility timeout is the backoff
}

async function applyDelays(
  delays: Map<string, number>,
  failed: Map<string, SqsRecord>,
  visibility: VisibilityControl | undefined,
  log: Logger,
): Promise<void> {
  if (!visibility || delays.size === 0) return;
  // A receipt handle is valid on its own queue only: the worker drains two (leads and events).
  const live = new Map([...failed.values()].map((r) => [r.receiptHandle, r.eventSourceARN]));
  await Promise.all(
    [...delays]
      .filter(([handle]) => live.has(handle))
      .map(async ([handle, seconds]) => {
        try {
          await visibility.delay(handle, seconds, live.get(handle));
        } catch (e) {
          log.warn(
            { err: e, seconds },
            'could not delay a failed message; it returns after the visibility timeout',
          );
        }
      }),
  );
}

function tallyOutcomes(outcomes: readonly LeadOutcome[]): OutcomeTally {
  const t: OutcomeTally = {
    written: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    tasksCreated: 0,
    tasksExisting: 0,
  };
  for (const o of outcomes) {
    if (o.status === 'written' || o.status === 'unchanged' || o.status === 'skipped' || o.status === 'failed')
      t[o.status]++;
    if (o.taskStatus === 'created') t.tasksCreated++;
    else if (o.taskStatus === 'existing') t.tasksExisting++;
  }
  return t;
}
