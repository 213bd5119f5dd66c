import { afterEach, describe, expect, it, vi } from 'vitest';
import { acquireRunLease, RunLeaseHeldError, RunLeaseLostError } from '../../src/pipeline/run-lease.ts';
import { cursorKey, runSync } from '../../src/pipeline/run-sync.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { testClock } from '../state/state-store.contract.ts';
import { coldLead, fixture, hotLead } from './pipeline-fixtures.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('acquireRunLease', () => {
  it('renews the lease while the run works (heartbeat), and frees it on release', async () => {
    vi.useFakeTimers();
    const clock = testClock();
    const store = new MemoryStateStore({ clock });
    const lease = await acquireRunLease(store, 'k', { owner: 'long run' }, { clock, ttlSeconds: 8 });
    // 20 s of work with a time to live of 8 s: only the renewals (every 2 s) keep it.
    for (let i = 0; i < 10; i++) {
      clock.advance(2_000);
      await vi.advanceTimersByTimeAsync(2_000);
    }
    expect(() => lease.assertHeld()).not.toThrow();
    await expect(acquireRunLease(store, 'k', { owner: 'second' }, { clock })).rejects.toBeInstanceOf(
      RunLeaseHeldError,
    );
    await lease.release();
    const next = await acquireRunLease(store, 'k', { owner: 'second' }, { clock });
    await next.release();
  });

  it('counts the lease as lost when it lapsed without renewal (a suspended process) and was taken', async () => {
    vi.useFakeTimers();
    const clock = testClock();
    const store = new MemoryStateStore({ clock });
    const lease = await acquireRunLease(store, 'k', { owner: 'sleepy' }, { clock, ttlSeconds: 8 });
    clock.advance(9_000); // the machine slept: no heartbeat ran
    expect(() => lease.assertHeld()).toThrow(RunLeaseLostError);
    const other = await acquireRunLease(store, 'k', { owner: 'other' }, { clock, ttlSeconds: 8 });
    await vi.advanceTimersByTimeAsync(2_000); // the late heartbeat is refused
    expect(() => lease.assertHeld()).toThrow(/was lost/);
    await lease.release(); // must not free the other run's lease
    await expect(acquireRunLease(store, 'k', { owner: 'third' }, { clock })).rejects.toThrow(
      /holds the lease on k since .* \(other\)/,
    );
    await other.release();
  });
});

describe('runSync with a run lease', () => {
  it('stops before committing a page when its lease was lost, leaving the cursor to the new holder', async () => {
    const f = fixture({ pageSize: 2 });
    f.crm.put(hotLead('L1'));
    f.crm.put(coldLead('L2'));
    f.crm.put(coldLead('L3'));
    const report = await runSync(
      f.options({
        lease: {
          assertHeld: () => {
            throw new RunLeaseLostError(cursorKey('salesforce', 'default'));
          },
        },
      }),
    );
    expect(report.stop).toMatchObject({ kind: 'conflict', action: 'investigate', code: 'lease_lost' });
    expect(await f.state.getCursor(cursorKey('salesforce', 'default'))).toBeNull();
    expect(report.counts.leadsRead).toBe(2); // the first page only
  });
});
