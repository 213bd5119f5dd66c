import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/ports/clock.ts';
import { CursorConflictError, type LeaseHolder, type LeaseStore } from '../../src/ports/state-store.ts';
import type { SkippedRecord, SyncStateStore } from '../../src/ports/sync-state-store.ts';

/** A clock the contract moves forward to test expiry. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function testClock(iso = '2026-11-24T01:00:00.000Z'): TestClock {
  let ms = Date.parse(iso);
  return {
    now: () => new Date(ms),
    advance: (by) => {
      ms += by;
    },
  };
}

/**
 * The behaviour every `SyncStateStore` must have: the in-memory and file stores run it here, and the
 * DynamoDB store will run it against dynalite. `create` gets the clock the store must use for expiry
 * and returns a fresh, empty store.
 */
export function describeStateStoreContract(
  name: string,
  create: (clock: TestClock) => SyncStateStore | Promise<SyncStateStore>,
): void {
  const cursor = (at: string, ids: string[] = []) => ({ modifiedAt: at, idsAtModifiedAt: ids });
  const skipped = (over: Partial<SkippedRecord>): SkippedRecord => ({
    scope: 'sync|salesforce|default',
    leadId: 'L1',
    objectType: 'Lead',
    stage: 'write',
    kind: 'invalid_record',
    code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    message: 'rejected',
    at: '2026-11-24T01:00:00.000Z',
    ...over,
  });

  describe(`${name}: StateStore contract`, () => {
    describe('cursors', () => {
      it('has no cursor until one is put, then round-trips it with version 1', async () => {
        const s = await create(testClock());
        expect(await s.getCursor('k')).toBeNull();
        const put = await s.putCursor('k', cursor('2026-11-01T00:00:00.000Z', ['a', 'b']), null);
        expect(put).toEqual({ cursor: cursor('2026-11-01T00:00:00.000Z', ['a', 'b']), version: 1 });
        expect(await s.getCursor('k')).toEqual(put);
      });

      it('advances only from the expected version (compare-and-set)', async () => {
        const s = await create(testClock());
        await s.putCursor('k', cursor('2026-11-01T00:00:00.000Z'), null);
        await expect(s.putCursor('k', cursor('2026-11-02T00:00:00.000Z'), null)).rejects.toBeInstanceOf(
          CursorConflictError,
        );
        await expect(s.putCursor('k', cursor('2026-11-02T00:00:00.000Z'), 7)).rejects.toBeInstanceOf(
          CursorConflictError,
        );
        const v2 = await s.putCursor('k', cursor('2026-11-02T00:00:00.000Z'), 1);
        expect(v2.version).toBe(2);
        expect((await s.getCursor('k'))?.cursor.modifiedAt).toBe('2026-11-02T00:00:00.000Z');
      });

      it('refuses a put expecting a version when nothing is stored', async () => {
        const s = await create(testClock());
        await expect(s.putCursor('k', cursor('2026-11-01T00:00:00.000Z'), 1)).rejects.toBeInstanceOf(
          CursorConflictError,
        );
      });

      it('lets exactly one of two racing runs advance the same version', async () => {
        const s = await create(testClock());
        await s.putCursor('k', cursor('2026-11-01T00:00:00.000Z'), null);
        const results = await Promise.allSettled([
          s.putCursor('k', cursor('2026-11-02T00:00:00.000Z'), 1),
          s.putCursor('k', cursor('2026-11-03T00:00:00.000Z'), 1),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
        expect((await s.getCursor('k'))?.version).toBe(2);
      });

      it('keeps cursors of different keys apart, and a returned cursor cannot change the stored one', async () => {
        const s = await create(testClock());
        const a = await s.putCursor('sync|salesforce|a', cursor('2026-11-01T00:00:00.000Z', ['x']), null);
        await s.putCursor('sync|hubspot|a', cursor('2026-11-05T00:00:00.000Z'), null);
        a.cursor.idsAtModifiedAt.push('mutated');
        expect((await s.getCursor('sync|salesforce|a'))?.cursor.idsAtModifiedAt).toEqual(['x']);
        expect((await s.getCursor('sync|hubspot|a'))?.cursor.modifiedAt).toBe('2026-11-05T00:00:00.000Z');
      });
    });

    describe('done-records', () => {
      it('returns what was recorded until the time to live passes', async () => {
        const clock = testClock();
        const s = await create(clock);
        expect(await s.getDone('task|k1')).toBeNull();
        await s.markDone('task|k1', '00T1', 60);
        expect(await s.getDone('task|k1')).toBe('00T1');
        clock.advance(59_000);
        expect(await s.getDone('task|k1')).toBe('00T1');
        clock.advance(1_000);
        expect(await s.getDone('task|k1')).toBeNull();
      });

      it('replaces the result of a key marked again', async () => {
        const s = await create(testClock());
        await s.markDone('k', 'first', 60);
        await s.markDone('k', 'second', 60);
        expect(await s.getDone('k')).toBe('second');
      });
    });

    describe('idempotent counters', () => {
      it('counts each member once and returns the set size', async () => {
        const s = await create(testClock());
        expect(await s.counted('q')).toEqual([]);
        expect(await s.countOnce('q', 'a', 3600)).toBe(1);
        expect(await s.countOnce('q', 'b', 3600)).toBe(2);
        expect(await s.countOnce('q', 'a', 3600)).toBe(2);
        expect((await s.counted('q')).sort()).toEqual(['a', 'b']);
        expect(await s.counted('other')).toEqual([]);
      });

      it('loses no member when counted concurrently', async () => {
        const s = await create(testClock());
        await Promise.all(Array.from({ length: 20 }, (_, i) => s.countOnce('q', `m${i % 10}`, 3600)));
        expect(await s.counted('q')).toHaveLength(10);
      });

      it('expires a set its time to live after its last change', async () => {
        const clock = testClock();
        const s = await create(clock);
        await s.countOnce('q', 'a', 10);
        clock.advance(5_000);
        await s.countOnce('q', 'b', 10);
        clock.advance(9_000);
        expect(await s.counted('q')).toHaveLength(2);
        clock.advance(1_000);
        expect(await s.counted('q')).toEqual([]);
      });
    });

    describe('skipped records', () => {
      it('lists a scope newest first, one entry per lead (the latest skip)', async () => {
        const s = await create(testClock());
        await s.recordSkipped(skipped({ leadId: 'L1', at: '2026-11-24T01:00:00.000Z' }), 3600);
        await s.recordSkipped(skipped({ leadId: 'L2', at: '2026-11-24T02:00:00.000Z' }), 3600);
        await s.recordSkipped(skipped({ leadId: 'L1', at: '2026-11-24T03:00:00.000Z', code: 'AGAIN' }), 3600);
        await s.recordSkipped(skipped({ scope: 'sync|hubspot|default', leadId: 'H1' }), 3600);
        const list = await s.listSkipped('sync|salesforce|default', 10);
        expect(list.map((r) => [r.leadId, r.code])).toEqual([
          ['L1', 'AGAIN'],
          ['L2', 'FIELD_CUSTOM_VALIDATION_EXCEPTION'],
        ]);
        expect(await s.listSkipped('sync|salesforce|default', 1)).toHaveLength(1);
        expect(list[0]).toEqual(skipped({ leadId: 'L1', at: '2026-11-24T03:00:00.000Z', code: 'AGAIN' }));
      });

      it('forgets skips after their time to live', async () => {
        const clock = testClock();
        const s = await create(clock);
        await s.recordSkipped(skipped({}), 60);
        clock.advance(60_000);
        expect(await s.listSkipped('sync|salesforce|default', 10)).toEqual([]);
      });
    });
  });
}

/**
 * The run lease every store offers (`LeaseStore`): memory and file stores here, DynamoDB against
 * dynalite. `create` returns a fresh store on the given clock.
 */
export function describeLeaseStoreContract(
  name: string,
  create: (clock: TestClock) => LeaseStore | Promise<LeaseStore>,
): void {
  const a: LeaseHolder = { owner: 'run A' };
  const b: LeaseHolder = { owner: 'run B' };

  describe(`${name}: run lease contract`, () => {
    it('gives a free lease to the first run and tells the second who holds it since when', async () => {
      const clock = testClock();
      const s = await create(clock);
      const first = await s.acquireLease('sync|hubspot|default', a, 120);
      expect(first).toMatchObject({
        acquired: true,
        lease: {
          owner: 'run A',
          since: '2026-11-24T01:00:00.000Z',
          expiresAtMs: clock.now().getTime() + 120_000,
        },
      });
      clock.advance(5_000);
      const second = await s.acquireLease('sync|hubspot|default', b, 120);
      expect(second).toEqual({
        acquired: false,
        heldBy: {
          owner: 'run A',
          since: '2026-11-24T01:00:00.000Z',
          expiresAtMs: Date.parse('2026-11-24T01:02:00.000Z'),
        },
      });
      // Another CRM or scope has its own lease.
      expect((await s.acquireLease('sync|salesforce|default', b, 120)).acquired).toBe(true);
    });

    it('of many runs racing for a free lease, exactly one gets it', async () => {
      const s = await create(testClock());
      const attempts = await Promise.all(
        Array.from({ length: 8 }, (_, i) => s.acquireLease('k', { owner: `run ${i}` }, 60)),
      );
      expect(attempts.filter((x) => x.acquired)).toHaveLength(1);
    });

    it('is free again after release; a release with another token changes nothing', async () => {
      const s = await create(testClock());
      const first = await s.acquireLease('k', a, 60);
      if (!first.acquired) throw new Error('not acquired');
      await s.releaseLease('k', 'not-the-token');
      expect((await s.acquireLease('k', b, 60)).acquired).toBe(false);
      await s.releaseLease('k', first.token);
      expect(await s.acquireLease('k', b, 60)).toMatchObject({ acquired: true, lease: { owner: 'run B' } });
    });

    it('expires when not renewed (a crashed holder), and the late holder cannot renew it', async () => {
      const clock = testClock();
      const s = await create(clock);
      const crashed = await s.acquireLease('k', a, 60);
      if (!crashed.acquired) throw new Error('not acquired');
      clock.advance(59_000);
      expect((await s.acquireLease('k', b, 60)).acquired).toBe(false);
      clock.advance(1_000);
      const next = await s.acquireLease('k', b, 60);
      expect(next.acquired).toBe(true);
      expect(await s.renewLease('k', crashed.token, 60)).toBe(false);
      await s.releaseLease('k', crashed.token); // must not free the new holder's lease
      expect((await s.acquireLease('k', a, 60)).acquired).toBe(false);
    });

    it('renewal (the heartbeat of a long run) keeps the lease past its first time to live', async () => {
      const clock = testClock();
      const s = await create(clock);
      const held = await s.acquireLease('k', a, 10);
      if (!held.acquired) throw new Error('not acquired');
      clock.advance(8_000);
      expect(await s.renewLease('k', held.token, 10)).toBe(true);
      clock.advance(8_000);
      expect((await s.acquireLease('k', b, 10)).acquired).toBe(false);
      clock.advance(2_000);
      expect((await s.acquireLease('k', b, 10)).acquired).toBe(true);
    });

    it('cannot renew an expired lease even if nobody took it', async () => {
      const clock = testClock();
      const s = await create(clock);
      const held = await s.acquireLease('k', a, 10);
      if (!held.acquired) throw new Error('not acquired');
      clock.advance(10_000);
      expect(await s.renewLease('k', held.token, 10)).toBe(false);
    });
  });
}
