import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runDemoDetailed } from '../../src/cli/commands/demo.ts';
import type { RunReport } from '../../src/pipeline/run-report.ts';

function sink() {
  return Object.assign(
    new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }),
    { isTTY: false },
  );
}

afterEach(() => {
  vi.useRealTimers();
});

/** Runs the demo with the machine's clock reading `wallClock` (and moving on at real speed). */
async function decidedAtWallClock(wallClock: string) {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(new Date(wallClock));
  try {
    return await decided();
  } finally {
    vi.useRealTimers();
  }
}

/**
 * What a run decided, per CRM: flags, reasons, next actions and due dates (not timings); and what came
 * after the hand-off: the reps' actions, the ladder, the on-time rates and the chat messages by kind.
 */
async function decided(at?: string) {
  const out = mkdtempSync(join(tmpdir(), 'tossup-demo-repeat-'));
  const run = await runDemoDetailed(
    { leads: 60, seed: 7, rules: 'large', locale: 'ja', out, ...(at ? { at } : {}) },
    sink(),
    sink(),
  );
  expect(run.exitCode).toBe(0);
  const runs = join(out, 'runs');
  const syncs = readdirSync(runs)
    .map((f) => JSON.parse(readFileSync(join(runs, f), 'utf8')) as RunReport)
    .map((r) => ({ crm: r.crm, byFlag: r.byFlag, byReasonCode: r.byReasonCode, dueDates: r.dueDates }))
    .sort((a, b) => (a.crm < b.crm ? -1 : 1));
  const a = run.after!;
  const after = {
    steps: a.steps,
    repActions: a.repActions,
    total: a.total,
    ladder: a.ladder,
    reps: a.reps,
    nextActions: a.nextActions,
    messages: { byEvent: a.messages.byEvent, byChannel: a.messages.byChannel },
    texts: run.slackMessages.map((m) => m.text).sort(),
  };
  return { syncs, after };
}

describe('tossup demo is repeatable', () => {
  it('gives the same flags, reasons and due dates for the same seed, whatever the time of day', async () => {
    // Three runs of the issue gave はい 766 / 754 / 765: the data and the decisions followed the
    // wall clock. A morning run and a late-evening run must now agree.
    const morning = await decidedAtWallClock('2026-12-02T09:05:00+09:00');
    const evening = await decidedAtWallClock('2026-12-03T23:55:00+09:00');
    expect(morning.syncs).toHaveLength(2);
    expect(Object.values(morning.syncs[0]!.byFlag).reduce((a, b) => a + (b ?? 0), 0)).toBe(60);
    expect(evening.syncs).toEqual(morning.syncs);
    // The days after the hand-off repeat too: the same reps act, the same steps, the same messages.
    expect(morning.after.repActions.total).toBeGreaterThan(0);
    expect(morning.after.texts.length).toBeGreaterThan(0);
    expect(evening.after).toEqual(morning.after);
  }, 240_000);

  it('decides as of --at: another instant gives other due dates', async () => {
    const [, hubspot] = (await decided('2026-12-04T10:00:00+09:00')).syncs;
    // Due dates follow --at (the default, Tuesday 2026-12-01, gives earlier ones).
    expect(Object.keys(hubspot!.dueDates).every((d) => d >= '2026-12-04')).toBe(true);
  }, 120_000);
});
