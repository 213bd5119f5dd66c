import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CrmName } from '../../src/domain/lead.ts';
import { episodeEvent } from '../../src/episodes/episode.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { ApiUsage } from '../../src/ports/crm-connector.ts';
import type { EpisodeCrm } from '../../src/ports/episode-crm.ts';
import type { Notification, NotificationTarget, Notifier } from '../../src/ports/notifier.ts';
import { parseRoutingConfig, type RoutingConfig } from '../../src/routing/routing-config.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { FileRoutingState } from '../../src/state/file-routing-state.ts';
import { runSweep, type SweepOptions } from '../../src/sweep/run-sweep.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { T } from './sweep-kit.ts';

/**
 * The sweep on a real connector against a CRM emulator, with the emulator's clock pinned to each
 * sweep's instant (issue 13 "Must show"): the same scenarios on Salesforce and HubSpot.
 */

export interface CrmTask {
  id: string;
  ownerId: string;
  completed: boolean;
  body: string;
}

/** What a scenario needs from one CRM and its emulator. */
export interface SweepCrmWorld {
  crm: CrmName;
  objectType: string;
  episodes: EpisodeCrm;
  usage(): ApiUsage;
  /** CRM user ids of the routing file's reps r1, r3, r4 and the manager m1 (all in the emulator). */
  users: { r1: string; r3: string; r4: string; m1: string; other: string };
  newLead(): Promise<string>;
  pin(iso: string): void;
  logCall(leadId: string, ownerId: string, at: string): Promise<void>;
  completeTask(taskId: string, at: string): Promise<void>;
  ownerOf(leadId: string): Promise<string>;
  tasksByKey(key: string): Promise<CrmTask[]>;
  slaStatusOf(leadId: string): Promise<string | undefined>;
  /** Environment for `tossup sweep --crm <crm>` in a child process (credentials, base URL). */
  cliEnv: Record<string, string>;
  /** Calls `onCreate` synchronously when the emulator creates a task whose key ends with `suffix`. */
  onTaskCreated(suffix: string, onCreate: () => void): void;
  close(): Promise<void>;
}

export function routingYaml(crm: CrmName, u: SweepCrmWorld['users']): string {
  const field = crm === 'salesforce' ? 'salesforceId' : 'hubspotOwnerId';
  return `
version: 1
timeZone: Asia/Tokyo
reps:
  - { key: r1, name: Rep One, ${field}: "${u.r1}" }
  - { key: r3, name: Rep Three, ${field}: "${u.r3}", dailyCapacity: 1 }
  - { key: r4, name: Rep Four, ${field}: "${u.r4}" }
  - { key: m1, name: Manager One, ${field}: "${u.m1}" }
pools:
  - id: fs
    manager: m1
    members: [{ rep: r1 }, { rep: r3 }, { rep: r4 }]
overflow: { rep: m1 }
`;
}

/** An in-memory notifier, idempotent per (episode, step, target) as the outbox is. */
export class RecordingNotifier implements Notifier {
  readonly sent = new Map<string, Notification>();
  async notify(n: Notification, targets: readonly NotificationTarget[]): Promise<void> {
    for (const t of targets) this.sent.set(`${n.episodeKey}|${n.step}|${JSON.stringify(t)}`, n);
  }
  count(event: Notification['event']): number {
    return [...this.sent.values()].filter((n) => n.event === event).length;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

export function describeSweepOnCrm(name: string, open: () => Promise<SweepCrmWorld>): void {
  describe(`sweep on ${name} (real connector, emulator clock)`, () => {
    async function setup() {
      const world = await open();
      const dir = mkdtempSync(join(tmpdir(), `tossup-sweep-${world.crm}-`));
      const stateDir = join(dir, 'state');
      const routingFile = join(dir, 'routing.yaml');
      writeFileSync(routingFile, routingYaml(world.crm, world.users));
      const routing: RoutingConfig = parseRoutingConfig(routingYaml(world.crm, world.users));
      const sla = defaultSlaConfig();
      const store = new FileEpisodeStore(stateDir);
      const routingState = new FileRoutingState(stateDir);
      const notifier = new RecordingNotifier();
      let n = 0;
      const handOff = async (at = T.handOff) => {
        const leadId = await world.newLead();
        const key = `tu_${world.crm}_${++n}_${leadId}`;
        world.pin(at);
        const [out] = await world.episodes.createTasks([
          {
            key,
            leadId,
            objectType: world.objectType,
            ownerId: world.users.r1,
            subject: '【トスアップ】',
            body: 'toss-up',
            dueAt: '2026-12-08T01:00:00.000Z',
            dueDate: '2026-12-08',
            priority: 'high',
          },
        ]);
        if (!out?.ok) throw new Error(`toss-up task not created: ${JSON.stringify(out)}`);
        await store.recordStep(
          key,
          episodeEvent({
            type: 'handed_off',
            at,
            cause: 'rule',
            crm: world.crm,
            leadId,
            objectType: world.objectType,
            nextAction: 'field_sales_tossup',
            owner: { id: world.users.r1, key: 'r1', poolId: 'fs' },
            taskId: out.id,
          }),
          sweepSchedule(sla),
        );
        return { key, leadId, taskId: out.id };
      };
      const sweep = (at: string, extra: Partial<SweepOptions> = {}) => {
        world.pin(at);
        return runSweep({
          crmName: world.crm,
          episodes: store,
          crm: world.episodes,
          sla,
          routing,
          routingState,
          clock: fixedClock(at),
          usage: () => world.usage(),
          notify: {
            notifier,
            language: 'en',
            targetsFor: (event, who) => [
              {
                kind: 'slack-user',
                email: `${(event === 'escalation' ? who.manager : who.owner)?.key}@example.test`,
              },
            ],
            recordRef: ({ leadId }) => ({ crm: 'hubspot', portalId: '1', contactId: leadId }),
          },
          ...extra,
        });
      };
      const close = async () => {
        await world.close();
        rmSync(dir, { recursive: true, force: true });
      };
      return { world, dir, stateDir, routingFile, routingState, store, notifier, handOff, sweep, close };
    }

    it('a task completed in time or a call logged is the first response (no reminder); no response is reminded', async () => {
      const s = await setup();
      try {
        const done = await s.handOff();
        const called = await s.handOff();
        const silent = await s.handOff();
        s.world.pin('2026-12-07T03:00:00.000Z');
        await s.world.completeTask(done.taskId, '2026-12-07T03:00:00.000Z');
        await s.world.logCall(called.leadId, s.world.users.r1, '2026-12-07T05:00:00.000Z');
        await s.world.logCall(silent.leadId, s.world.users.other, '2026-12-07T05:00:00.000Z');
        const r = await s.sweep(T.afterRemind);
        expect(r.failures).toMatchObject({ count: 0 });
        expect(r.counts).toMatchObject({ checked: 3, completed: 1, responded: 2, reminders: 1 });
        expect(r.firstResponses.byOwner[s.world.users.r1]).toEqual({ onTime: 2, late: 0 });
        expect(await s.world.slaStatusOf(done.leadId)).toBe('met');
        expect(await s.world.slaStatusOf(called.leadId)).toBe('met');
        expect(await s.world.slaStatusOf(silent.leadId)).toBe('due_soon');
        expect(s.notifier.count('reminder')).toBe(1);
        const later = await s.sweep(T.afterReassign);
        expect(later.counts).toMatchObject({ escalations: 1, managerTasks: 1, reassignments: 1 });
        expect(await s.world.tasksByKey(`${done.key}.r0.manager_task`)).toEqual([]);
        expect(await s.world.tasksByKey(`${called.key}.r0.manager_task`)).toEqual([]);
        expect(r.api.total).toBeGreaterThan(0);
      } finally {
        await s.close();
      }
    });

    it('overdue: exactly one manager notice and one manager task per toss-up, run twice and by two sweeps at once', async () => {
      const s = await setup();
      try {
        const eps = [await s.handOff(), await s.handOff(), await s.handOff()];
        await s.sweep(T.afterRemind);
        const other = new FileEpisodeStore(s.stateDir);
        const [a, b] = await Promise.all([
          s.sweep(T.afterEscalation),
          s.sweep(T.afterEscalation, { episodes: other }),
        ]);
        const again = await s.sweep(T.afterEscalation);
        expect(a.counts.managerTasks + b.counts.managerTasks + again.counts.managerTasks).toBe(3);
        expect(a.failures.count + b.failures.count + again.failures.count).toBe(0);
        for (const ep of eps) {
          const tasks = await s.world.tasksByKey(`${ep.key}.r0.manager_task`);
          expect(tasks).toHaveLength(1);
          expect(tasks[0]!.ownerId).toBe(s.world.users.m1);
          expect(await s.world.slaStatusOf(ep.leadId)).toBe('escalated');
        }
        expect(s.notifier.count('escalation')).toBe(3);
      } finally {
        await s.close();
      }
    });

    it('reassigns after the configured delay to an active rep of the pool with capacity: new task, owner moved, old task closed', async () => {
      const s = await setup();
      try {
        const ep = await s.handOff();
        await s.routingState.reserveSlot('r3', '2026-12-09', 1); // r3 is full that day
        const early = await s.sweep('2026-12-09T04:00:00.000Z'); // Wed 13:00 JST: escalated, not yet reassigned
        expect(early.counts).toMatchObject({ managerTasks: 1, reassignments: 0 });
        const r = await s.sweep(T.afterReassign);
        expect(r.counts).toMatchObject({ reassignments: 1, failed: 0 });
        expect(await s.world.ownerOf(ep.leadId)).toBe(s.world.users.r4);
        const newTask = await s.world.tasksByKey(`${ep.key}.r1`);
        expect(newTask).toHaveLength(1);
        expect(newTask[0]!.ownerId).toBe(s.world.users.r4);
        const old = await s.world.tasksByKey(ep.key);
        expect(old[0]).toMatchObject({ completed: true });
        expect(old[0]!.body).toContain('Rep Four');
        expect(await s.world.slaStatusOf(ep.leadId)).toBe('reassigned');
        expect((await s.store.get(ep.key))?.episode).toMatchObject({ round: 1, owner: { key: 'r4' } });
      } finally {
        await s.close();
      }
    });

    it('a hold pauses the clock: no reminder while on hold, the SLA status shows paused', async () => {
      const s = await setup();
      try {
        const ep = await s.handOff();
        const sla = defaultSlaConfig();
        await s.store.recordStep(
          ep.key,
          episodeEvent({ type: 'hold_started', at: '2026-12-07T02:00:00.000Z', cause: 'rule' }),
          sweepSchedule(sla),
        );
        const r = await s.sweep(T.afterEscalation);
        expect(r.counts).toMatchObject({ reminders: 0, escalations: 0, managerTasks: 0 });
        expect(await s.world.slaStatusOf(ep.leadId)).toBe('paused');
        await s.store.recordStep(
          ep.key,
          episodeEvent({ type: 'hold_ended', at: '2026-12-09T02:00:00.000Z', cause: 'rule' }),
          sweepSchedule(sla),
        );
        expect((await s.sweep('2026-12-09T07:00:00.000Z')).counts.reminders).toBe(0);
        expect((await s.sweep('2026-12-09T08:00:00.000Z')).counts.reminders).toBe(1);
      } finally {
        await s.close();
      }
    });

    it('`tossup sweep` killed (SIGKILL) while creating manager tasks, then a clean run: one manager task each', async () => {
      const s = await setup();
      try {
        const eps = [];
        for (let i = 0; i < 5; i++) eps.push(await s.handOff());
        s.world.pin(T.afterEscalation);
        const env = {
          ...s.world.cliEnv,
          PATH: process.env.PATH ?? '',
          HOME: s.dir,
          TOSSUP_STATE_DIR: s.stateDir,
          TOSSUP_RUNS_DIR: join(s.dir, 'runs'),
          TOSSUP_ROUTING: s.routingFile,
          TOSSUP_NOTIFICATIONS: join(s.dir, 'none.yaml'),
          TOSSUP_LOCALE: 'en',
        };
        const args = ['sweep', '--crm', s.world.crm, '--at', T.afterEscalation, '--json'];
        let child: ChildProcess | null = null;
        let killed = false;
        s.world.onTaskCreated('.r0.manager_task', () => {
          if (!killed && child) {
            killed = true;
            child.kill('SIGKILL');
          }
        });
        const first = await new Promise<{ code: number | null; signal: string | null; err: string }>(
          (resolve, reject) => {
            child = spawn(process.execPath, [MAIN, ...args], {
              cwd: ROOT,
              env,
              stdio: ['ignore', 'pipe', 'pipe'],
            });
            let err = '';
            child.stderr?.setEncoding('utf8').on('data', (d: string) => {
              err += d;
            });
            child.once('error', reject);
            child.once('close', (code, signal) => resolve({ code, signal, err }));
          },
        );
        expect(first.signal, first.err).toBe('SIGKILL');
        const created = (
          await Promise.all(eps.map((ep) => s.world.tasksByKey(`${ep.key}.r0.manager_task`)))
        ).flat();
        expect(created.length).toBeGreaterThan(0);
        // The steps of the killed run were not recorded.
        const stored = await s.store.get(eps[0]!.key);
        expect(stored?.episode.ladder['r0.manager_task']).toBeUndefined();

        const second = await new Promise<{ code: number | null; out: string; err: string }>(
          (resolve, reject) => {
            const c = spawn(process.execPath, [MAIN, ...args], {
              cwd: ROOT,
              env,
              stdio: ['ignore', 'pipe', 'pipe'],
            });
            let out = '';
            let err = '';
            c.stdout.setEncoding('utf8').on('data', (d: string) => {
              out += d;
            });
            c.stderr.setEncoding('utf8').on('data', (d: string) => {
              err += d;
            });
            c.once('error', reject);
            c.once('close', (code) => resolve({ code, out, err }));
          },
        );
        expect(second.code, second.err).toBe(0);
        const report = JSON.parse(second.out);
        expect(report.counts).toMatchObject({ managerTasks: 5, failed: 0 });
        for (const ep of eps) {
          expect(await s.world.tasksByKey(`${ep.key}.r0.manager_task`)).toHaveLength(1);
          expect((await s.store.get(ep.key))?.episode.ladder['r0.manager_task']).toBeDefined();
        }
      } finally {
        await s.close();
      }
    });
  });
}
