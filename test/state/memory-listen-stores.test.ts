import { describe, expect, it } from 'vitest';
import { MemoryEventDedup } from '../../src/state/memory-event-dedup.ts';
import { MemoryLeadVersions } from '../../src/state/memory-lead-versions.ts';

/** The in-memory version claims and event ids of `tossup listen`, held to the DynamoDB ones' behaviour. */

function manualClock(start = Date.parse('2026-12-02T00:00:00.000Z')) {
  let now = start;
  return {
    now: () => new Date(now),
    ms: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('MemoryLeadVersions', () => {
  it('claims, refuses older versions, reports a finished one as done, and a newer one is claimed', async () => {
    const clock = manualClock();
    const v = new MemoryLeadVersions(clock.ms);
    const first = await v.claim('k', 2000, clock.ms() + 60_000);
    expect(first.status).toBe('claimed');
    expect(await v.complete('k', 2000, (first as { token: string }).token)).toBe(true);
    expect(await v.claim('k', 1000, clock.ms() + 60_000)).toEqual({ status: 'stale', storedVersion: 2000 });
    expect(await v.claim('k', 2000, clock.ms() + 60_000)).toEqual({ status: 'done', storedVersion: 2000 });
    expect((await v.claim('k', 3000, clock.ms() + 60_000)).status).toBe('claimed');
  });

  it('a live claim is busy; after its lease a redelivery takes it over and the old holder cannot complete', async () => {
    const clock = manualClock();
    const v = new MemoryLeadVersions(clock.ms);
    const crashed = await v.claim('k', 5000, clock.ms() + 60_000);
    expect(await v.claim('k', 5000, clock.ms() + 60_000)).toEqual({ status: 'busy', storedVersion: 5000 });
    expect(await v.claim('k', 6000, clock.ms() + 60_000)).toEqual({ status: 'busy', storedVersion: 5000 });
    clock.advance(60_000);
    const takeover = await v.claim('k', 5000, clock.ms() + 60_000);
    expect(takeover.status).toBe('claimed');
    expect(await v.complete('k', 5000, (crashed as { token: string }).token)).toBe(false);
    expect(await v.complete('k', 5000, (takeover as { token: string }).token)).toBe(true);
  });

  it('a released claim can be claimed again at once', async () => {
    const clock = manualClock();
    const v = new MemoryLeadVersions(clock.ms);
    const c = await v.claim('k', 1, clock.ms() + 60_000);
    await v.release('k', 1, (c as { token: string }).token);
    expect((await v.claim('k', 1, clock.ms() + 60_000)).status).toBe('claimed');
  });
});

describe('MemoryEventDedup', () => {
  it('a pending claim keeps a duplicate out for its lease, then lapses; a release gives it back', async () => {
    const clock = manualClock();
    const d = new MemoryEventDedup(clock);
    expect(await d.claim('e1', 15)).toBe(true);
    expect(await d.claim('e1', 15)).toBe(false);
    expect(await d.claim('e2', 15)).toBe(true);
    await d.release('e2');
    expect(await d.claim('e2', 15)).toBe(true);
    clock.advance(15_000);
    expect(await d.claim('e1', 15)).toBe(true);
  });

  it('a confirmed event is a duplicate for its TTL, and a late release does not forget it', async () => {
    const clock = manualClock();
    const d = new MemoryEventDedup(clock);
    expect(await d.claim('e1', 15)).toBe(true);
    await d.confirm('e1', 3600);
    await d.release('e1');
    clock.advance(3_599_000);
    expect(await d.claim('e1', 15)).toBe(false);
    clock.advance(1_000);
    expect(await d.claim('e1', 15)).toBe(true);
  });
});
