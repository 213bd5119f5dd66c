import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDedup } from '../../src/ports/event-dedup.ts';
import { FileEventDedup } from '../../src/state/file-event-dedup.ts';
import { MemoryEventDedup } from '../../src/state/memory-event-dedup.ts';
import { MemoryLeadVersions } from '../../src/state/memory-lead-versions.ts';

/** The version claims and event ids of `tossup listen` (event ids in memory and in the state directory), held to the DynamoDB ones' behaviour. */

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
    const held = clock.ms() + 60_000;
    const crashed = await v.claim('k', 5000, held);
    expect(await v.claim('k', 5000, clock.ms() + 60_000)).toEqual({
      status: 'busy',
      storedVersion: 5000,
      leaseUntilMs: held,
    });
    expect(await v.claim('k', 6000, clock.ms() + 60_000)).toEqual({
      status: 'busy',
      storedVersion: 5000,
      leaseUntilMs: held,
    });
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

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tossup-events-'));
  dirs.push(d);
  return d;
};

const dedups: [string, (clock: ReturnType<typeof manualClock>) => EventDedup][] = [
  ['MemoryEventDedup', (clock) => new MemoryEventDedup(clock)],
  ['FileEventDedup', (clock) => new FileEventDedup(tempDir(), { clock })],
];

describe.each(dedups)('%s', (_name, make) => {
  it('remembers handed-off events for their TTL, and nothing else', async () => {
    const clock = manualClock();
    const d = make(clock);
    expect(await d.seen(['e1', 'e2'])).toEqual(new Set());
    await d.remember(['e1', 'e3'], 3600);
    expect(await d.seen(['e1', 'e2', 'e3'])).toEqual(new Set(['e1', 'e3']));
    clock.advance(3_599_000);
    expect(await d.seen(['e1', 'e2'])).toEqual(new Set(['e1']));
    clock.advance(1_000);
    expect(await d.seen(['e1', 'e3'])).toEqual(new Set());
    expect(await d.seen([])).toEqual(new Set());
  });
});

describe('FileEventDedup across a restart', () => {
  it('an event remembered before the process died is still a duplicate for the next one', async () => {
    const clock = manualClock();
    const dir = tempDir();
    const before = new FileEventDedup(dir, { clock });
    await before.remember(['e1'], 3600);
    const after = new FileEventDedup(dir, { clock });
    expect(await after.seen(['e1', 'e2'])).toEqual(new Set(['e1']));
  });
});
