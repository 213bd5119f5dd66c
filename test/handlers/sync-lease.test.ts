import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnqueueReport } from '../../src/handlers/enqueue-changes.ts';
import type { LeaseHeldResult } from '../../src/handlers/sync-handler.ts';
import { RUN_LEASE_TTL_SECONDS } from '../../src/pipeline/run-lease.ts';
import { cursorKey } from '../../src/pipeline/run-sync.ts';
import type { MessageQueue } from '../../src/ports/message-queue.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { lambdaContext } from './support/harness.ts';
import { scheduled, seeded, syncWith } from './support/sync-kit.ts';

/** The scheduled sync Lambda takes the same run lease as the CLI, in the DynamoDB state table (dynalite). */

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

const KEY = cursorKey('salesforce', 'default');

describe('sync Lambda: one reader per CRM and scope', () => {
  it('an overlapping invocation returns at once, naming the holder; the holder does all the work', async () => {
    const h = await seeded(dynamo);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached!: () => void;
    const sending = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const held: MessageQueue = {
      sendAll: async (m) => {
        reached();
        await gate; // the first invocation is mid-run
        return h.queue.sendAll(m);
      },
    };
    const firstContext = lambdaContext(300_000);
    const first = syncWith(h, held)(scheduled, firstContext);
    await sending;

    const second = (await syncWith(h, h.queue)(scheduled, lambdaContext(300_000))) as LeaseHeldResult;
    expect(second.leaseHeld).toBe(true);
    expect(second.message).toMatch(
      new RegExp(
        `another run holds the lease on sync\\|salesforce\\|default since .+ \\(Lambda request ${firstContext.awsRequestId}\\)`,
      ),
    );
    expect(h.queue.sendRequests).toHaveLength(0);

    release();
    const report = (await first) as EnqueueReport;
    expect(report).toMatchObject({ enqueued: 7, stop: { reason: 'caught_up' } });
    // Released at the end: the next schedule runs (and finds nothing new).
    const next = (await syncWith(h, h.queue)(scheduled, lambdaContext(300_000))) as EnqueueReport;
    expect(next).toMatchObject({ stop: { reason: 'caught_up' } });
  });

  it('a holder that timed out without releasing blocks only until its lease expires', async () => {
    const h = await seeded(dynamo);
    const crashed = await h.state.acquireLease(
      KEY,
      { owner: 'Lambda request timed-out' },
      RUN_LEASE_TTL_SECONDS,
    );
    expect(crashed.acquired).toBe(true);

    const blocked = (await syncWith(h, h.queue)(scheduled, lambdaContext(300_000))) as LeaseHeldResult;
    expect(blocked).toMatchObject({ leaseHeld: true });
    expect(blocked.message).toContain('Lambda request timed-out');

    h.clock.advance(RUN_LEASE_TTL_SECONDS * 1000);
    const after = (await syncWith(h, h.queue)(scheduled, lambdaContext(300_000))) as EnqueueReport;
    expect(after).toMatchObject({ enqueued: 7, stop: { reason: 'caught_up' } });
  });
});
