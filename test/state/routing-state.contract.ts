import { describe, expect, it } from 'vitest';
import type { RouteResult, RoutingState } from '../../src/ports/routing-state.ts';

const result = (ownerId: string): RouteResult => ({
  ownerId,
  ownerKind: 'user',
  via: 'pool',
  ownerKey: ownerId,
  poolId: 'p',
  businessDate: '2026-11-24',
});

/** What `route()` relies on from any RoutingState (memory, file, dry-run overlay, later DynamoDB). */
export function describeRoutingStateContract(
  name: string,
  create: () => RoutingState | Promise<RoutingState>,
): void {
  describe(`${name}: RoutingState contract`, () => {
    it('records an assignment once per version (compare-and-set) and reports the winner', async () => {
      const s = await create();
      expect(await s.getAssignment('a')).toBeNull();
      const first = await s.putAssignment('a', result('u1'), null);
      expect(first).toEqual({ stored: { result: result('u1'), version: 1 }, written: true });
      const lost = await s.putAssignment('a', result('u2'), null);
      expect(lost).toEqual({ stored: { result: result('u1'), version: 1 }, written: false });
      const moved = await s.putAssignment('a', result('u3'), 1);
      expect(moved.written).toBe(true);
      expect(await s.getAssignment('a')).toEqual({ result: result('u3'), version: 2 });
    });

    it('reserves daily slots up to the capacity, per rep and date, and gives them back', async () => {
      const s = await create();
      expect(await s.reserveSlot('u1', '2026-11-24', 2)).toBe(true);
      expect(await s.reserveSlot('u1', '2026-11-24', 2)).toBe(true);
      expect(await s.reserveSlot('u1', '2026-11-24', 2)).toBe(false);
      expect(await s.getDailyCount('u1', '2026-11-24')).toBe(2);
      expect(await s.reserveSlot('u1', '2026-11-25', 2)).toBe(true);
      expect(await s.reserveSlot('u2', '2026-11-24', null)).toBe(true);
      await s.releaseSlot('u1', '2026-11-24');
      expect(await s.getDailyCount('u1', '2026-11-24')).toBe(1);
      expect(await s.getDailyCount('u9', '2026-11-24')).toBe(0);
    });

    it('never exceeds the capacity under concurrent reservations', async () => {
      const s = await create();
      const got = await Promise.all(Array.from({ length: 12 }, () => s.reserveSlot('u1', '2026-11-24', 5)));
      expect(got.filter(Boolean)).toHaveLength(5);
      expect(await s.getDailyCount('u1', '2026-11-24')).toBe(5);
    });
  });
}
