import { type QueueLimits, SQS_LIMITS } from '../aws/sqs-batches.ts';
import type { Lead } from '../domain/lead.ts';
import type { Logger } from '../logging/logger.ts';
import { type StopSignal, stopFromError } from '../pipeline/failure-policy.ts';
import { readPagesAndCommit } from '../pipeline/page-loop.ts';
import { SKIPPED_TTL_SECONDS } from '../pipeline/process-leads.ts';
import { accountCursorKey, decideRelatedLeads } from '../pipeline/related-leads.ts';
import { cursorKey } from '../pipeline/run-sync.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';
import type { SyncCursor } from '../ports/lead-source.ts';
import { type MessageQueue, type OutgoingMessage, QueueSendError } from '../ports/message-queue.ts';
import type { StoredCursor } from '../ports/state-store.ts';
import type { SyncStateStore } from '../ports/sync-state-store.ts';
import { packLeadMessages } from './queue-message.ts';

export interface EnqueueOptions {
  connector: CrmConnector;
  state: SyncStateStore;
  queue: MessageQueue;
  scope: string;
  clock: Clock;
  log: Logger;
  /** Milliseconds left before the Lambda's deadline. */
  remainingMs: () => number;
  /** Always keep this much time in hand, on top of the slowest page seen so far (default 15 s). */
  reserveMs?: number;
  limits?: QueueLimits;
  /**
   * Leads a queue message carries (`sync.leadsPerMessage`; default 1): the worker's batch counts
   * messages, so it takes `batchSize` × this many leads (docs/deploy.md).
   */
  leadsPerMessage?: number;
}

export type EnqueueStop =
  | { reason: 'caught_up' }
  | { reason: 'time' }
  | { reason: 'failure'; signal: StopSignal };

export interface EnqueueReport {
  pages: number;
  leadsRead: number;
  enqueued: number;
  deleted: number;
  /** Leads too large for one queue message; recorded in the skipped list. */
  oversized: number;
  committedPages: number;
  cursor: SyncCursor | null;
  /** People of changed accounts enqueued by the account-trigger phase (also in `enqueued`). */
  accountLeads: number;
  stop: EnqueueStop;
}

/**
 * The scheduled reader: pages of changed leads from the stored cursor, each page sent to the queue
 * (`leadsPerMessage` leads a message) and only then its cursor committed with compare-and-set (`readPagesAndCommit`,
 * the loop `tossup sync` shares), so a crash or a stop between the two re-reads the page next time
 * (the worker's version records make the repeat harmless) and nothing is ever skipped. Stops cleanly (no throw) when the CRM's allowance is spent,
 * on a transient failure, and when the remaining Lambda time gets short; the next schedule resumes
 * from the committed cursor. Auth/config problems and surprises come back as a `failure` stop that
 * the handler turns into an error (an alarm).
 */
export async function enqueueChanges(o: EnqueueOptions): Promise<EnqueueReport> {
  const key = cursorKey(o.connector.crm, o.scope);
  const reserveMs = o.reserveMs ?? 15_000;
  const limits = o.limits ?? SQS_LIMITS;
  const report: EnqueueReport = {
    pages: 0,
    leadsRead: 0,
    enqueued: 0,
    deleted: 0,
    oversized: 0,
    committedPages: 0,
    cursor: null,
    accountLeads: 0,
    stop: { reason: 'caught_up' },
  };

  let stored: StoredCursor | null;
  try {
    stored = await o.state.getCursor(key);
  } catch (e) {
    report.stop = { reason: 'failure', signal: stopFromError(e) };
    return report;
  }
  report.cursor = stored?.cursor ?? null;
  let slowestPageMs = 0;
  let pageStarted = Date.now();
  const { stop, endedEarly } = await readPagesAndCommit({
    source: o.connector.source,
    state: o.state,
    key,
    stored,
    async handle(leads, page) {
      report.pages++;
      report.leadsRead += page.leads.length;
      report.deleted += page.deletedIds.length;
      const { messages, leads: sent } = await sendable(leads, limits, o, key, report);
      try {
        await o.queue.sendAll(messages);
      } catch (e) {
        return queueFailure(e);
      }
      report.enqueued += sent;
      return null;
    },
    committed(cursor) {
      report.cursor = cursor;
      report.committedPages++;
    },
    enough() {
      const now = Date.now();
      slowestPageMs = Math.max(slowestPageMs, now - pageStarted);
      pageStarted = now;
      // Leave room for one more page of the slowest kind seen, twice over, plus the reserve.
      return o.remainingMs() < reserveMs + 2 * slowestPageMs;
    },
  });
  if (stop) report.stop = { reason: 'failure', signal: stop };
  else if (endedEarly) report.stop = { reason: 'time' };
  else if (o.connector.accountChanges) {
    // Account-level triggers: the people of changed accounts go to the worker too, marked so it
    // decides them although their own version was decided already (src/pipeline/related-leads.ts).
    const related = await decideRelatedLeads({
      source: o.connector.accountChanges,
      crm: o.connector.crm,
      state: o.state,
      key: accountCursorKey(o.connector.crm, o.scope),
      commit: true,
      async handle(leads) {
        const { messages, leads: sent } = await sendable(leads, limits, o, key, report, 'account');
        try {
          await o.queue.sendAll(messages);
        } catch (e) {
          return queueFailure(e);
        }
        report.enqueued += sent;
        report.accountLeads += sent;
        return null;
      },
    });
    if (related) report.stop = { reason: 'failure', signal: related };
  }
  return report;
}

/** Queue messages for a page (and how many leads they carry); leads too large for one message are recorded as skipped instead. */
async function sendable(
  leads: readonly Lead[],
  limits: QueueLimits,
  o: EnqueueOptions,
  scope: string,
  report: EnqueueReport,
  trigger?: 'account',
): Promise<{ messages: OutgoingMessage[]; leads: number }> {
  const { messages, oversized } = packLeadMessages(
    leads,
    { leadsPerMessage: o.leadsPerMessage ?? 1, maxMessageBytes: limits.maxMessageBytes },
    trigger,
  );
  for (const { lead, bytes } of oversized) {
    report.oversized++;
    o.log.warn(
      { leadId: lead.id, bytes, limit: limits.maxMessageBytes },
      'lead too large for one queue message; skipped',
    );
    await o.state.recordSkipped(
      {
        scope,
        leadId: lead.id,
        objectType: lead.objectType,
        stage: 'plan',
        kind: 'invalid_record',
        code: 'message_too_large',
        message: `the lead is ${bytes} bytes as a queue message (limit ${limits.maxMessageBytes}); trim its activities or mapping`,
        at: o.clock.now().toISOString(),
      },
      SKIPPED_TTL_SECONDS,
    );
  }
  return { messages, leads: leads.length - oversized.length };
}

/**
 * The page is not committed either way, so the next run re-sends it. SQS failing on its side
 * (5xx, throttling, network) is transient; a request SQS rejects (no permission, no such queue, a
 * malformed entry) will fail again every run, so it stops the invocation with an alarm.
 */
function queueFailure(e: unknown): StopSignal {
  const message = e instanceof Error ? e.message : String(e);
  const senderFault =
    e instanceof QueueSendError
      ? e.failed.some((f) => f.senderFault)
      : (e as { $fault?: unknown } | null)?.$fault === 'client';
  return senderFault
    ? { kind: 'error', action: 'investigate', code: 'queue_rejected', message }
    : { kind: 'transient', action: 'retry', code: 'queue_send_failed', message };
}
