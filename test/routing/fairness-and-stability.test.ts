import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { rendezvousOrder, stableUnitHash } from '../../src/routing/rendezvous.ts';
import { route } from '../../src/routing/route.ts';
import type { RoutingConfig } from '../../src/routing/routing-config.ts';
import { makeDecision, makeLead, smallConfig, withPoolMembers } from './routing-fixtures.ts';

const N = 10_000;
const ids = Array.from({ length: N }, (_, i) => `00Q5g0000${String(i).padStart(6, '0')}`);

/** Routes every id through the `fs` pool with a fresh state and returns lead id → rep key. */
async function assignAll(config: RoutingConfig): Promise<Map<string, string>> {
  const state = new MemoryRoutingState();
  const out = new Map<string, string>();
  for (const id of ids) {
    const r = await route({
      decision: makeDecision(id),
      lead: makeLead(id),
      crm: 'salesforce',
      config,
      state,
    });
    expect(r.via).toBe('pool');
    out.set(id, r.ownerKey ?? '');
  }
  return out;
}

function shares(assigned: Map<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const rep of assigned.values()) counts[rep] = (counts[rep] ?? 0) + 1;
  return counts;
}

const base = smallConfig();
let baseAssignments = new Map<string, string>();
beforeAll(async () => {
  baseAssignments = await assignAll(base);
});

describe('weighted rendezvous pool', () => {
  it('gives a 3:2:1 pool its weights within 5% over 10,000 assignments', () => {
    const counts = shares(baseAssignments);
    const weights = { a: 3, b: 2, c: 1 };
    for (const [rep, w] of Object.entries(weights)) {
      const expected = (N * w) / 6;
      expect(Math.abs((counts[rep] ?? 0) - expected) / expected, `rep ${rep}: ${counts[rep]}`).toBeLessThan(
        0.05,
      );
    }
  });

  it('moves only about the new rep’s share when a rep is added, and only to that rep', async () => {
    const added = withPoolMembers(base, 'fs', [
      { rep: 'a', weight: 3 },
      { rep: 'b', weight: 2 },
      { rep: 'c', weight: 1 },
      { rep: 'd', weight: 2 },
    ]);
    const after = await assignAll(added);
    const moved = ids.filter((id) => after.get(id) !== baseAssignments.get(id));
    const expectedShare = 2 / 8;
    expect(moved.length / N).toBeLessThan(1.5 * expectedShare);
    expect(moved.length / N).toBeGreaterThan(0.5 * expectedShare); // the new rep does get leads
    expect(moved.every((id) => after.get(id) === 'd')).toBe(true);
  });

  it('moves only the removed rep’s leads when a rep is removed', async () => {
    const removed = withPoolMembers(base, 'fs', [
      { rep: 'a', weight: 3 },
      { rep: 'c', weight: 1 },
    ]);
    const after = await assignAll(removed);
    for (const id of ids) {
      if (baseAssignments.get(id) !== 'b') expect(after.get(id)).toBe(baseAssignments.get(id));
      else expect(after.get(id)).not.toBe('b');
    }
    // b's leads are shared by the rest in proportion to their weights (3:1).
    const fromB = ids.filter((id) => baseAssignments.get(id) === 'b').map((id) => after.get(id));
    const toA = fromB.filter((r) => r === 'a').length / fromB.length;
    expect(toA).toBeGreaterThan(0.7);
    expect(toA).toBeLessThan(0.8);
  });

  it('does not move anyone else when a rep becomes inactive (same as removal)', async () => {
    const inactive = { ...base, reps: base.reps.map((r) => (r.key === 'c' ? { ...r, active: false } : r)) };
    const after = await assignAll(inactive);
    for (const id of ids) {
      if (baseAssignments.get(id) !== 'c') expect(after.get(id)).toBe(baseAssignments.get(id));
      else expect(after.get(id)).not.toBe('c');
    }
  });
});

describe('stable hash', () => {
  it('is in (0, 1), deterministic, and pinned so that assignments survive upgrades and restarts', () => {
    const u = stableUnitHash('00Q5g0000000001\u0000a');
    expect(u).toBeGreaterThan(0);
    expect(u).toBeLessThan(1);
    expect(stableUnitHash('00Q5g0000000001\u0000a')).toBe(u);
    // Changing the hash would silently reshuffle every rep's leads: pin today's preference order.
    expect(
      ['lead-1', 'lead-2', 'lead-3', 'lead-4'].map((id) =>
        rendezvousOrder(id, [
          { key: 'u001', weight: 1 },
          { key: 'u002', weight: 1 },
          { key: 'u003', weight: 1 },
        ]).join(','),
      ),
    ).toMatchInlineSnapshot(`
      [
        "u003,u001,u002",
        "u002,u001,u003",
        "u003,u002,u001",
        "u003,u001,u002",
      ]
    `);
  });

  it('ignores members with zero weight', () => {
    expect(
      rendezvousOrder('x', [
        { key: 'a', weight: 0 },
        { key: 'b', weight: 1 },
      ]),
    ).toEqual(['b']);
  });
});
