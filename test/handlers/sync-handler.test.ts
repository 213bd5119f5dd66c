import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lead } from '../../src/domain/lead.ts';
import type { EnqueueReport } from '../../src/handlers/enqueue-changes.ts';
import { createSyncHandler, type DryRunResult, SyncStoppedError } from '../../src/handlers/sync-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { cursorKey } from '../../src/pipeline/run-sync.ts';
import type { MessageQueue } from '../../src/ports/message-queue.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { coldLead, hotLead } from '../pipeline/pipeline-fixtures.ts';
import { handlerWiring, harness, lambdaContext } from './support/harness.ts';
import { scheduled, seeded, syncWith } from './support/sync-kit.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

const KEY = cursorKey('salesforce', 'default');

describe('sync: pages → queue → cursor', () => {
  it('enqueues every changed lead with a deterministic id and commits the cursor after each page', async () => {
    const h = await seeded(dynamo);
    const report = (await h.sync(scheduled, lambdaContext(300_000))) as EnqueueReport;

    expect(report).toMatchObject({
      pages: 3,
      leadsRead: 7,
      enqueued: 7,
      committedPages: 3,
      stop: { reason: 'caught_up' },
    });
    // One SendMessageBatch per page (3, 3, 1 leads), ids = lead + modification time.
    expect(h.queue.sendRequests.map((r) => r.length)).toEqual([3, 3, 1]);
    const l1 = h.crm.lead('L1');
    expect(h.queue.sendRequests[0]![0]).toBe(`s-Lead-L1-${Date.parse(l1.modifiedAt!)}`);
    const stored = await h.state.getCursor(KEY);
    expect(stored).toMatchObject({ version: 3, cursor: { modifiedAt: h.crm.lead('L7').modifiedAt } });
    expect(h.logs.text).toMatch(/"committedPages":3/);
  });

  it('does not commit a page the queue did not take; the next run re-sends it and goes on', async () => {
    const h = await seeded(dynamo);
    let sends = 0;
    const flaky: MessageQueue = {
      sendAll: async (m) => {
        if (++sends === 2) throw new Error('SQS: ServiceUnavailable');
        return h.queue.sendAll(m);
      },
    };
    const first = (await syncWith(h, flaky)(scheduled, lambdaContext(300_000))) as EnqueueReport;
    expect(first).toMatchObject({
      committedPages: 1,
      stop: { reason: 'failure', signal: { kind: 'transient', action: 'retry', code: 'queue_send_failed' } },
    });
    // The committed cursor is page 1's.
    expect((await h.state.getCursor(KEY))?.cursor.modifiedAt).toBe(h.crm.lead('L3').modifiedAt);

    const second = (await h.sync(scheduled, lambdaContext(300_000))) as EnqueueReport;
    expect(second).toMatchObject({ pages: 2, enqueued: 4, stop: { reason: 'caught_up' } });
    expect(h.queue.depth).toBe(7);
  });

  it('stops cleanly when the CRM allowance is spent, keeping the cursor of the last enqueued page', async () => {
    const h = await seeded(dynamo);
    h.crm.failCall('read', h.crm.crmError('quota_exhausted', 'REQUEST_LIMIT_EXCEEDED'), 2);
    const report = (await h.sync(scheduled, lambdaContext(300_000))) as EnqueueReport;
    expect(report).toMatchObject({
      pages: 1,
      committedPages: 1,
      stop: { reason: 'failure', signal: { kind: 'quota_exhausted', action: 'resume_later' } },
    });
    expect(h.logs.text).toMatch(/allowance is spent: stopped cleanly/);
    expect((await h.state.getCursor(KEY))?.version).toBe(1);
  });

  it('stops before the Lambda deadline and resumes from the committed cursor on the next schedule', async () => {
    const h = await seeded(dynamo);
    // The deadline approaches: after the first page only 10 s are left, under the 15 s reserve.
    const left = [10_000];
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => left.shift() ?? 0 };
    const short = (await h.sync(scheduled, context)) as EnqueueReport;
    expect(short).toMatchObject({ pages: 1, committedPages: 1, stop: { reason: 'time' } });
    const next = (await h.sync(scheduled, lambdaContext(300_000))) as EnqueueReport;
    expect(next).toMatchObject({ pages: 2, enqueued: 4, stop: { reason: 'caught_up' } });
    expect(new Set(h.queue.sendRequests.flat()).size).toBe(7);
  });

  it('fails the invocation (an alarm) when SQS rejects the request itself, e.g. no permission', async () => {
    const h = await seeded(dynamo);
    const denied: MessageQueue = {
      sendAll: async () => {
        throw Object.assign(new Error('User is not authorized to perform: sqs:sendmessage'), {
          name: 'AccessDenied',
          $fault: 'client',
        });
      },
    };
    const err = (await syncWith(h, denied)(scheduled, lambdaContext()).catch(
      (e: unknown) => e,
    )) as SyncStoppedError;
    expect(err).toBeInstanceOf(SyncStoppedError);
    expect(err.code).toBe('queue_rejected');
    expect(await h.state.getCursor(KEY)).toBeNull();
  });

  it('fails the invocation (an alarm) on rejected credentials, and drops the cached ones', async () => {
    const h = await seeded(dynamo);
    h.crm.failCall('read', h.crm.crmError('auth', 'INVALID_SESSION_ID'));
    await expect(h.sync(scheduled, lambdaContext())).rejects.toBeInstanceOf(SyncStoppedError);
    expect(h.provider.invalidations).toBe(1);
    expect(await h.state.getCursor(KEY)).toBeNull();
  });

  it('fails the invocation when another run moved the cursor meanwhile (compare-and-set)', async () => {
    const h = await seeded(dynamo);
    const sneaky: MessageQueue = {
      sendAll: async (m) => {
        // Another sync commits while this one is between reading and committing its first page.
        if ((await h.state.getCursor(KEY)) === null) {
          await h.state.putCursor(KEY, { modifiedAt: '2026-11-01T00:00:00.000Z', idsAtModifiedAt: [] }, null);
        }
        return h.queue.sendAll(m);
      },
    };
    const err = (await syncWith(h, sneaky)(scheduled, lambdaContext()).catch(
      (e: unknown) => e,
    )) as SyncStoppedError;
    expect(err).toBeInstanceOf(SyncStoppedError);
    expect(err.kind).toBe('conflict');
  });

  it('records a lead too large for one queue message as skipped and still commits the page', async () => {
    const h = await harness(dynamo, { pageSize: 3 });
    const huge: Lead = hotLead('BIG');
    huge.activities = Array.from({ length: 3000 }, (_, i) => ({
      type: 'page_view' as const,
      at: '2026-11-20T01:00:00.000Z',
      page: `pricing-${'x'.repeat(80)}-${i}`,
    }));
    h.crm.put(huge);
    h.crm.put(coldLead('SMALL'));
    const report = (await h.sync(scheduled, lambdaContext(300_000))) as EnqueueReport;
    expect(report).toMatchObject({ enqueued: 1, oversized: 1, committedPages: 1 });
    expect(await h.state.listSkipped(KEY, 5)).toMatchObject([
      { leadId: 'BIG', code: 'message_too_large', kind: 'invalid_record' },
    ]);
  });
});

describe('sync → queue → worker, end to end', () => {
  it('decides every lead once; the next sync re-reads the written leads and the worker writes nothing', async () => {
    const h = await seeded(dynamo, 8);
    await h.sync(scheduled, lambdaContext(300_000));
    await h.queue.drain(h.worker);
    const hot = [...h.crm.records.values()].filter((l) => l.current.flag === 'yes').length;
    expect(hot).toBeGreaterThan(0);
    expect(h.crm.tasks.size).toBe(hot);
    expect(h.crm.updates).toHaveLength(8);

    // Writing moved every lead's modifiedAt: the next sync reads them again…
    const again = (await h.sync(scheduled, lambdaContext(300_000))) as EnqueueReport;
    expect(again.enqueued).toBe(8);
    await h.queue.drain(h.worker);
    // …and the worker finds nothing to change.
    expect(h.crm.updates).toHaveLength(8);
    expect(h.crm.tasks.size).toBe(hot);
    expect(h.queue.dlq).toHaveLength(0);
  });
});

describe('sync → queue → worker, packed', () => {
  it('sends leadsPerMessage leads a message, counts leads, and the worker decides each lead once', async () => {
    const h = await seeded(dynamo, 8);
    const sync = createSyncHandler({
      ...handlerWiring(h),
      queue: h.queue,
      leadsPerMessage: 4,
      clock: h.clock,
      log: createLogger({ destination: h.logs }),
    });
    const report = (await sync(scheduled, lambdaContext(300_000))) as EnqueueReport;
    // Pages of 3 leads: each page its own messages (the cursor commits per page).
    expect(report).toMatchObject({ pages: 3, enqueued: 8, stop: { reason: 'caught_up' } });
    expect(h.queue.depth).toBe(3);
    await h.queue.drain(h.worker);
    const hot = [...h.crm.records.values()].filter((l) => l.current.flag === 'yes').length;
    expect(hot).toBeGreaterThan(0);
    expect(h.crm.tasks.size).toBe(hot);
    expect(h.crm.updates.map((u) => u.leadId).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `L${i + 1}`).sort(),
    );
    expect(h.queue.dlq).toHaveLength(0);
  });
});

describe('sync: manual dry run', () => {
  it('plans with the pipeline and returns what would change, writing and enqueueing nothing', async () => {
    const h = await seeded(dynamo);
    const result = (await h.sync({ dryRun: true, limit: 3 }, lambdaContext())) as DryRunResult;
    expect(result.dryRun).toBe(true);
    expect(result.counts.leadsRead).toBe(3);
    expect(result.plans.length).toBeGreaterThan(0);
    expect(result.plans.join('\n')).toMatch(/L3/);
    expect(result.summary).toContain('ドライラン');
    expect(h.queue.depth).toBe(0);
    expect(h.crm.updates).toHaveLength(0);
    expect(await h.state.getCursor(KEY)).toBeNull();
  });
});
