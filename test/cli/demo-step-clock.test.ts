import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';
import { DEMO_AT } from '../../src/cli/commands/demo.ts';
import { runAfterHandoff } from '../../src/cli/commands/demo-after-handoff.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';

/**
 * The demo's sync and sweeps after the hand-off run as of their step, whatever the machine's speed: an
 * SLA step due exactly at a step (the hand-off + 2 business days) falls in that step on every run. On a
 * clock that ran on from the step, a run that took a moment to start (a loaded CI) checked a little
 * later than the step and the escalations moved one step earlier than on an idle machine.
 */

let emulators: RunningEmulators;
let slack: SlackEmulator;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'tossup-step-clock-'));
  emulators = await startEmulators({
    leads: 20,
    seed: 3,
    asOf: new Date(DEMO_AT).toISOString(),
    workDir: stateDir,
  });
  slack = await startSlackEmulator({ rateLimitsEnabled: false });
}, 120_000);

afterAll(async () => {
  await slack?.close();
  await emulators?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the demo after the hand-off', () => {
  it('runs each sync and sweep as of its step, however long the run takes to read the clock', async () => {
    const read: Array<{ run: string; at: string }> = [];
    const sla = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'), 'mappings/sla.yaml');
    const report = await runAfterHandoff({
      emulators,
      slack,
      stateDir,
      sla,
      startMs: Date.parse(DEMO_AT),
      stepHours: 3,
      businessDays: 1,
      locale: 'en',
      // A run that is slow to start: the clock it was given is read only after real time has passed.
      sweep: async (crm, clock) => {
        await sleep(25);
        read.push({ run: `sweep ${crm}`, at: clock.now().toISOString() });
        return null;
      },
      sync: async (crm, clock) => {
        await sleep(25);
        read.push({ run: `sync ${crm}`, at: clock.now().toISOString() });
        return true;
      },
      repOf: (key) => ({ name: key }),
    });
    const steps = report.steps.map((s) => s.at);
    expect(steps).toEqual([
      '2026-12-01T04:00:00.000Z',
      '2026-12-01T07:00:00.000Z',
      '2026-12-02T01:00:00.000Z',
    ]);
    // Every run, at every step, read the step's instant itself.
    expect(read.filter((r) => r.run.startsWith('sweep')).map((r) => r.at)).toEqual(
      steps.flatMap((s) => [s, s]),
    );
    expect(new Set(read.filter((r) => r.run.startsWith('sync')).map((r) => r.at))).toEqual(
      new Set([steps[1], steps[2]]),
    );
  }, 120_000);
});
