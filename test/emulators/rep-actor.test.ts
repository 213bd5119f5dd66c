import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repActorCrms } from '../../emulators/rep-actor-crms.ts';
import { type RepAction, RepActor } from '../../emulators/shared/rep-actor.ts';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';
import { executeSync } from '../../src/cli/commands/sync.ts';
import { calendarFor } from '../../src/sla/due-date.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';
import { quietOutput } from '../support/quiet-output.ts';

/**
 * The emulated reps act on the toss-up tasks a real sync created, in the CRM emulators' stores, as
 * their world profiles say: never-answering reps leave their tasks alone, the others answer after
 * their planned business hours, and two runs of the same world act identically.
 */

const AT = '2026-12-01T10:00:00+09:00';
const calendar = calendarFor(defaultSlaConfig());
const quiet = quietOutput;

async function world(dir: string) {
  const emu = await startEmulators({ leads: 200, seed: 5, asOf: AT, workDir: join(dir, 'emulate') });
  for (const crm of ['salesforce', 'hubspot'] as const) {
    const env = {
      ...emu.info.env,
      TOSSUP_RULES: 'large',
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
    };
    const r = await executeSync({ crm }, { env, stdout: quiet(), stderr: quiet(), profileFiles: [] });
    expect(r.exitCode).toBe(0);
  }
  return emu;
}

function actorFor(emu: RunningEmulators): RepActor {
  return new RepActor({
    world: emu.world,
    businessHoursBetween: (a, b) => calendar.businessHoursBetween(a, b),
    ...repActorCrms(emu),
  });
}

/** Four business days in steps of two business hours from AT (Tuesday 10:00 JST). */
function steps(): number[] {
  const out: number[] = [];
  let t = new Date(AT);
  for (let i = 0; i < 18; i++) {
    t = calendar.addBusinessHours(t, 2);
    out.push(t.getTime());
  }
  return out;
}

let a: RunningEmulators;
let b: RunningEmulators;
let actionsA: RepAction[];
let actionsB: RepAction[];

beforeAll(async () => {
  a = await world(mkdtempSync(join(tmpdir(), 'rep-actor-a-')));
  b = await world(mkdtempSync(join(tmpdir(), 'rep-actor-b-')));
  const actorA = actorFor(a);
  const actorB = actorFor(b);
  actionsA = steps().flatMap((t) => actorA.act(t));
  actionsB = steps().flatMap((t) => actorB.act(t));
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe('emulated reps', () => {
  it('act on part of the toss-up tasks of both CRMs, by completing them or logging calls and meetings', () => {
    const sfTasks = a.salesforce.store.all('Task').filter((t) => t.TossUp_Key__c);
    expect(sfTasks.length).toBeGreaterThan(10);
    for (const crm of ['salesforce', 'hubspot'] as const) {
      const mine = actionsA.filter((x) => x.crm === crm);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.length).toBeLessThan(
        crm === 'salesforce' ? sfTasks.length : a.hubspot.store.list('tasks').length,
      );
    }
    expect(new Set(actionsA.map((x) => x.via))).toEqual(new Set(['task', 'call', 'meeting']));
  });

  it('leave the tasks of reps who never answer untouched and act no earlier than planned', () => {
    const users = new Map(a.world.users.map((u) => [u.key, u]));
    const actor = actorFor(a);
    for (const x of actionsA) {
      const rep = users.get(x.repKey)!;
      expect(rep.response?.style).not.toBe('never');
      const plan = actor.planFor(x.taskKey, rep);
      expect(plan.answers).toBe(true);
      if (plan.answers) {
        expect(x.afterHours).toBeGreaterThanOrEqual(plan.afterHours);
        // Within one step (two business hours) of the plan.
        expect(x.afterHours).toBeLessThan(plan.afterHours + 2 + 1e-9);
        expect(x.via).toBe(plan.via);
      }
    }
    const sfNever = new Set(
      a.world.users
        .filter((u) => u.response?.style === 'never')
        .map((u) => a.salesforce.seeded!.users.get(u.key)),
    );
    const neverTasks = a.salesforce.store
      .all('Task')
      .filter((t) => t.TossUp_Key__c && sfNever.has(String(t.OwnerId)));
    expect(neverTasks.length).toBeGreaterThan(0);
    for (const t of neverTasks) expect(t.Status).not.toBe('Completed');
  });

  it('show in the CRM as a rep would leave it: a completed task, or a call or meeting on the lead by its owner', () => {
    const sf = a.salesforce.store;
    for (const x of actionsA.filter((y) => y.crm === 'salesforce')) {
      const task = sf.get('Task', x.taskId)!;
      if (x.via === 'task') {
        expect(task.Status).toBe('Completed');
        expect(task.LastModifiedDate).toBe(Date.parse(x.at));
      } else {
        expect(task.Status).not.toBe('Completed');
        const logged = [...sf.all('Task'), ...(hasEvent(a) ? sf.all('Event') : [])].filter(
          (r) => r.WhoId === task.WhoId && r.OwnerId === task.OwnerId && !r.TossUp_Key__c,
        );
        expect(logged.some((r) => r.CreatedDate === Date.parse(x.at))).toBe(true);
      }
    }
    const hs = a.hubspot.store;
    for (const x of actionsA.filter((y) => y.crm === 'hubspot')) {
      const task = hs.get('tasks', x.taskId)!;
      const contact = hs.associationsOf('tasks', x.taskId, 'contacts')[0]!.to;
      if (x.via === 'task') expect(task.props.hs_task_status).toBe('COMPLETED');
      else {
        const type = x.via === 'call' ? 'calls' : 'meetings';
        const logged = hs
          .associationsOf('contacts', contact, type)
          .map((e) => hs.get(type, e.to)!)
          .filter((r) => r.props.hubspot_owner_id === task.props.hubspot_owner_id);
        expect(logged.some((r) => r.props.hs_timestamp === x.at)).toBe(true);
      }
    }
  });

  it('act the same way on two runs of the same world', () => {
    const strip = (xs: RepAction[]) => xs.map(({ taskId: _id, afterHours: _h, ...rest }) => rest);
    expect(strip(actionsB)).toEqual(strip(actionsA));
    // Each task is acted on once, however many steps follow.
    expect(new Set(actionsA.map((x) => `${x.crm}:${x.taskId}`)).size).toBe(actionsA.length);
  });
});

function hasEvent(emu: RunningEmulators): boolean {
  try {
    emu.salesforce.store.objectSchema('Event');
    return true;
  } catch {
    return false;
  }
}
