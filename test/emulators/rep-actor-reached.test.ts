import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repActorCrms } from '../../emulators/rep-actor-crms.ts';
import { type RepAction, RepActor } from '../../emulators/shared/rep-actor.ts';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';
import { demoSteps, stepAtOrBefore } from '../../src/cli/commands/demo-after-handoff.ts';
import { executeSync } from '../../src/cli/commands/sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { calendarFor } from '../../src/sla/due-date.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';
import { quietOutput } from '../support/quiet-output.ts';

/**
 * The demo's reps count their delays from the step a task was created in, not from the creation
 * instant on the emulators' clock, which runs on at real speed within a step: a hand-off whose tasks
 * were written late in its step (a slow machine) gets the same actions at the same steps.
 */

const AT = '2026-12-01T10:00:00+09:00';
const LATE_MS = 59 * 60_000;
const calendar = calendarFor(defaultSlaConfig());
const quiet = quietOutput;

let dir: string;
let emu: RunningEmulators;
let actions: RepAction[];
let actor: RepActor;
const steps = demoSteps(calendar, Date.parse(AT), 2, 4);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rep-actor-reached-'));
  emu = await startEmulators({ leads: 120, seed: 5, asOf: AT, workDir: join(dir, 'emulate') });
  // The hand-off decides as of AT, but its tasks are written 59 minutes into the step.
  for (const c of [emu.salesforce.clock, emu.hubspot.clock]) c.advance(LATE_MS);
  for (const crm of ['salesforce', 'hubspot'] as const) {
    const env = {
      ...emu.info.env,
      TOSSUP_RULES: 'large',
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
    };
    const r = await executeSync(
      { crm },
      {
        env,
        stdout: quiet(),
        stderr: quiet(),
        profileFiles: [],
        clock: fixedClock(new Date(AT).toISOString()),
      },
    );
    expect(r.exitCode).toBe(0);
  }
  actor = new RepActor({
    world: emu.world,
    businessHoursBetween: (a, b) => calendar.businessHoursBetween(a, b),
    reachedAt: (ms) => stepAtOrBefore([Date.parse(AT), ...steps], ms),
    ...repActorCrms(emu),
  });
  actions = steps.flatMap((t) => actor.act(t));
}, 120_000);

afterAll(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('emulated reps in the demo', () => {
  it('act at the first step their planned delay has passed since the hand-off, however late in it the task was written', () => {
    const sfTask = emu.salesforce.store.all('Task').find((t) => t.TossUp_Key__c);
    const created = sfTask?.CreatedDate;
    expect(typeof created === 'number' ? created : Date.parse(String(created))).toBeGreaterThanOrEqual(
      Date.parse(AT) + LATE_MS,
    );
    expect(actions.length).toBeGreaterThan(5);
    const users = new Map(emu.world.users.map((u) => [u.key, u]));
    for (const x of actions) {
      const plan = actor.planFor(x.taskKey, users.get(x.repKey)!);
      if (!plan.answers) throw new Error(`${x.taskKey}: acted without a plan to answer`);
      const due = steps.find(
        (t) => calendar.businessHoursBetween(new Date(AT), new Date(t)) >= plan.afterHours,
      );
      expect({ task: x.taskKey, at: x.at }).toEqual({ task: x.taskKey, at: new Date(due!).toISOString() });
    }
  });

  it('count from the step at or before an instant, or the instant itself before the first step', () => {
    expect(stepAtOrBefore([10, 20, 30], 25)).toBe(20);
    expect(stepAtOrBefore([10, 20, 30], 20)).toBe(20);
    expect(stepAtOrBefore([10, 20, 30], 99)).toBe(30);
    expect(stepAtOrBefore([10, 20, 30], 5)).toBe(5);
  });
});
