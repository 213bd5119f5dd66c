import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Lead } from '../../src/domain/lead.ts';
import type { Episode } from '../../src/episodes/episode.ts';
import {
  EPISODE_STORE_UNAVAILABLE,
  type PipelineDeps,
  processLeads,
  taskDoneKey,
} from '../../src/pipeline/process-leads.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { EpisodeStore } from '../../src/ports/episode-store.ts';
import type { TossUpUpdate } from '../../src/ports/lead-sink.ts';
import { StateUnavailableError } from '../../src/ports/state-unavailable-error.ts';
import { nextCheckAt } from '../../src/sla/escalation-ladder.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { coldLead, hotLead, NOW, pipelineDeps, sla, strategicLead } from './pipeline-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-pl-episodes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const HOUR = 3_600_000;
const later = (hours: number) => new Date(Date.parse(NOW) + hours * HOUR);

/** A FakeCrm, one state, one file episode store: a CLI sync's set-up, run batch by batch. */
function world() {
  const crm = new FakeCrm();
  const store = new FileEpisodeStore(join(root, `s${++n}`), { clock: fixedClock(NOW) });
  const deps = pipelineDeps(crm, { episodes: { store, schedule: (ep) => nextCheckAt(ep, sla) } });
  /** Processes the CRM's current copy of `ids` (as a sync reads them) at `now`. */
  const run = (ids: string[], now = new Date(NOW), over: Partial<PipelineDeps> = {}) =>
    processLeads(
      ids.map((id) => structuredClone(crm.lead(id))),
      { ...deps, now, ...over },
    );
  const episode = async (key: string | null | undefined): Promise<Episode> => {
    const stored = key ? await store.get(key) : null;
    if (!stored) throw new Error(`no episode ${key}`);
    return stored.episode;
  };
  /** Every episode of the store (the file store keeps 256 item buckets; the test lists through getMany). */
  const count = async (keys: Iterable<string>) => (await store.getMany([...keys])).size;
  return { crm, store, deps, run, episode, count };
}

/** Missing employee count → hold / inside_sales_hearing (large preset, `missingData`). */
function toHold(lead: Lead): void {
  lead.company.employees = null;
}
function toYes(lead: Lead): void {
  lead.company.employees = 1200;
}

describe('processLeads with an episode store', () => {
  it('records one handed_off episode per toss-up task, after the task and before the field write', async () => {
    const w = world();
    for (const l of [hotLead('A'), coldLead('B'), strategicLead('C')]) w.crm.put(l);
    const log: string[] = [];
    const sink = w.deps.sink;
    const store: EpisodeStore = {
      ...w.store,
      getMany: (k) => w.store.getMany(k),
      get: (k) => w.store.get(k),
      put: (e, v) => w.store.put(e, v),
      dueBefore: (a, l) => w.store.dueBefore(a, l),
      recordStep: (key, event, schedule) => {
        log.push(`record:${event.type}`);
        return w.store.recordStep(key, event, schedule);
      },
    };
    const result = await w.run(['A', 'B', 'C'], new Date(NOW), {
      sink: {
        crm: 'salesforce',
        createTasks: (t) => {
          log.push('tasks');
          return sink.createTasks(t);
        },
        writeTossUp: (u) => {
          log.push('write');
          return sink.writeTossUp(u);
        },
      },
      episodes: { store, schedule: w.deps.episodes!.schedule },
    });
    expect(log).toEqual(['tasks', 'record:handed_off', 'record:handed_off', 'write']);
    expect(result.counters).toMatchObject({ written: 3, tasksCreated: 2 });

    const a = await w.episode(w.crm.lead('A').current.decisionKey);
    const task = w.crm.tasks.get(a.key)!;
    expect(a).toMatchObject({
      crm: 'salesforce',
      leadId: 'A',
      objectType: 'Lead',
      nextAction: 'field_sales_tossup',
      owner: { id: task.task.ownerId, poolId: 'fs_kanto_enterprise' },
      taskId: task.id,
      handedOffAt: NOW,
      status: 'open',
      // The most decisive reason, for the rates per reason.
      reason: 'score.attribute.met',
    });
    expect(a.owner.key).toMatch(/^u00\d$/);
    // The ladder's first step is pending, so the sweep will find it.
    expect(a.nextCheckAt).not.toBeNull();
    // The queue's task went to the queue's person, who is the episode's owner.
    const c = await w.episode(w.crm.lead('C').current.decisionKey);
    expect(c).toMatchObject({ nextAction: 'notify_is_sales_planning', owner: { key: 'u011' } });
    expect(await w.count([...w.crm.tasks.keys()])).toBe(w.crm.tasks.size);

    // A re-run of unchanged leads records nothing and creates nothing.
    log.length = 0;
    const again = await w.run(['A', 'B', 'C'], later(1), {
      episodes: { store, schedule: w.deps.episodes!.schedule },
    });
    expect(again.counters).toMatchObject({ unchanged: 3, tasksCreated: 0 });
    expect(log).toEqual([]);
    expect((await w.store.get(a.key))!.version).toBe(1);
  });

  it('a store with recordSteps records the whole batch in one call, between the tasks and the field write', async () => {
    const w = world();
    for (const l of [hotLead('A'), coldLead('B'), strategicLead('C')]) w.crm.put(l);
    const log: string[] = [];
    const sink = w.deps.sink;
    const store: EpisodeStore = {
      get: (k) => w.store.get(k),
      getMany: (k) => w.store.getMany(k),
      put: (e, v) => w.store.put(e, v),
      dueBefore: (a, l) => w.store.dueBefore(a, l),
      recordStep: () => Promise.reject(new Error('the batch form must be used')),
      recordSteps: (items, schedule) => {
        log.push(`recordSteps:${items.map((i) => i.event.type).join(',')}`);
        return w.store.recordSteps(items, schedule);
      },
    };
    const result = await w.run(['A', 'B', 'C'], new Date(NOW), {
      sink: {
        crm: 'salesforce',
        createTasks: (t) => {
          log.push('tasks');
          return sink.createTasks(t);
        },
        writeTossUp: (u) => {
          log.push('write');
          return sink.writeTossUp(u);
        },
      },
      episodes: { store, schedule: w.deps.episodes!.schedule },
    });
    expect(log).toEqual(['tasks', 'recordSteps:handed_off,handed_off', 'write']);
    expect(result.counters).toMatchObject({ written: 3, tasksCreated: 2 });
    expect(await w.count([...w.crm.tasks.keys()])).toBe(2);

    // Failing, it stops the batch before any field write, at the first lead with a step.
    const f = world();
    for (const l of [coldLead('D'), hotLead('E'), hotLead('F')]) f.crm.put(l);
    const failed = await f.run(['D', 'E', 'F'], new Date(NOW), {
      episodes: {
        store: {
          ...store,
          recordSteps: () => Promise.reject(new StateUnavailableError('the state directory is locked')),
        },
        schedule: () => null,
      },
    });
    expect(failed.stop).toMatchObject({ kind: 'transient', code: EPISODE_STORE_UNAVAILABLE });
    expect(failed.outcomes.find((o) => o.leadId === 'E')).toMatchObject({ status: 'failed' });
    expect(f.crm.updates).toHaveLength(0);
  });

  it('a store failure stops the batch before the field write; the retry records once and creates no second task', async () => {
    const w = world();
    w.crm.put(hotLead('F'));
    const broken: EpisodeStore = {
      ...w.store,
      getMany: (k) => w.store.getMany(k),
      get: () => Promise.reject(new StateUnavailableError('the state directory is locked')),
      put: () => Promise.reject(new StateUnavailableError('the state directory is locked')),
      dueBefore: () => Promise.resolve([]),
      recordStep: () => Promise.reject(new StateUnavailableError('the state directory is locked')),
    };
    const failed = await w.run(['F'], new Date(NOW), { episodes: { store: broken, schedule: () => null } });
    expect(failed.stop).toMatchObject({
      kind: 'transient',
      action: 'retry',
      code: EPISODE_STORE_UNAVAILABLE,
    });
    expect(failed.outcomes[0]).toMatchObject({ taskStatus: 'created', status: 'failed' });
    expect(w.crm.updates).toHaveLength(0);
    expect(w.crm.lead('F').current.decisionKey).toBeNull();

    const retry = await w.run(['F'], later(0.1));
    expect(retry.stop).toBeNull();
    expect(retry.outcomes[0]).toMatchObject({ taskStatus: 'existing', status: 'written' });
    expect(w.crm.tasks.size).toBe(1);
    const ep = await w.episode(w.crm.lead('F').current.decisionKey);
    expect(ep.taskId).toBe([...w.crm.tasks.values()][0]!.id);
  });

  it('the episode names its task: after a crash before the field write, the retry asks the CRM for no task, and no done-record is kept', async () => {
    const w = world();
    w.crm.put(hotLead('T'));
    w.crm.failCall('update', new Error('Runtime exited with error: signal: killed'));
    await expect(w.run(['T'])).rejects.toThrow(/killed/);
    expect(w.crm.taskRequests).toHaveLength(1);
    const [task] = [...w.crm.tasks.values()];
    expect((await w.episode(task!.task.key)).taskId).toBe(task!.id);

    const preview = await w.run(['T'], later(0.1), { dryRun: true });
    expect(preview.outcomes[0]).toMatchObject({ status: 'planned', taskStatus: 'existing' });
    const retry = await w.run(['T'], later(0.1));
    expect(retry.outcomes[0]).toMatchObject({ status: 'written', taskStatus: 'existing' });
    expect(w.crm.taskRequests).toHaveLength(1);
    expect(w.crm.lead('T').current.decisionKey).toBe(task!.task.key);
    expect(await w.deps.state.getDone(taskDoneKey('salesforce', task!.task.key))).toBeNull();
  });

  it("a sink that writes the SLA status gets a new hand-off's first one with its fields, recorded with the hand-off: the sweep has nothing due at once", async () => {
    for (const writesSlaStatus of [true, false]) {
      const w = world();
      w.crm.put(hotLead('S'));
      const sent: TossUpUpdate[] = [];
      const sink = w.deps.sink;
      const r = await w.run(['S'], new Date(NOW), {
        episodes: { store: w.store, schedule: sweepSchedule(sla) },
        sink: {
          crm: 'salesforce',
          ...(writesSlaStatus ? { writesSlaStatus } : {}),
          createTasks: (t) => sink.createTasks(t),
          writeTossUp: (u) => {
            sent.push(...u);
            return sink.writeTossUp(u);
          },
        },
      });
      expect(r.outcomes[0]).toMatchObject({ status: 'written', taskStatus: 'created' });
      const ep = await w.episode(w.crm.lead('S').current.decisionKey);
      if (writesSlaStatus) {
        expect(sent[0]!.sla).toEqual({ status: 'on_track', firstResponseAt: null });
        expect(ep.slaWritten).toMatchObject({ status: 'on_track', firstResponseAt: null });
        expect(Date.parse(ep.nextCheckAt!)).toBeGreaterThan(Date.parse(ep.handedOffAt));
      } else {
        expect(sent[0]!.sla).toBeUndefined();
        expect(ep.slaWritten).toBeNull();
        expect(ep.nextCheckAt).toBe(ep.handedOffAt); // the sweep writes it at once
      }
    }
  });

  it('a failing batched read stops the batch before any CRM call', async () => {
    const w = world();
    w.crm.put(hotLead('G'));
    await w.run(['G']);
    w.crm.edit('G', toHold);
    const store: EpisodeStore = {
      ...w.store,
      getMany: () => Promise.reject(new StateUnavailableError('DynamoDB BatchGetItem failed')),
      get: (k) => w.store.get(k),
      put: (e, v) => w.store.put(e, v),
      dueBefore: (a, l) => w.store.dueBefore(a, l),
      recordStep: (k, e, s) => w.store.recordStep(k, e, s),
    };
    const calls = { ...w.crm.calls };
    const r = await w.run(['G'], later(1), { episodes: { store, schedule: () => null } });
    expect(r.stop).toMatchObject({ kind: 'transient', code: EPISODE_STORE_UNAVAILABLE });
    expect(r.counters).toMatchObject({ leads: 1, notAttempted: 1 });
    expect(w.crm.calls).toEqual(calls);
  });

  it('hold pauses the open episode (no new task), yes with the same next action resumes it', async () => {
    const w = world();
    w.crm.put(hotLead('H'));
    await w.run(['H']);
    const key = w.crm.lead('H').current.decisionKey!;
    expect(w.crm.tasks.size).toBe(1);

    w.crm.edit('H', toHold);
    const paused = await w.run(['H'], later(2));
    expect(paused.outcomes[0]).toMatchObject({
      decision: { flag: 'hold', nextAction: 'inside_sales_hearing' },
      episodeKey: key,
      newEpisode: false,
      hold: 'pause',
      task: null,
      status: 'written',
    });
    expect(w.crm.tasks.size).toBe(1);
    // Flag and reason say hold; the next action stays the episode's (the rep keeps that task).
    expect(w.crm.lead('H').current).toMatchObject({
      flag: 'hold',
      nextAction: 'field_sales_tossup',
      decisionKey: key,
    });
    let ep = await w.episode(key);
    expect(ep.pauses).toEqual([{ from: later(2).toISOString(), to: null }]);
    expect(ep.nextCheckAt).toBeNull(); // the clock stands still: nothing to check

    // Held again on a later run: nothing new is recorded.
    const still = await w.run(['H'], later(3));
    expect(still.outcomes[0]).toMatchObject({ hold: 'stay_paused', episodeKey: key, task: null });
    expect((await w.store.get(key))!.version).toBe(2);

    w.crm.edit('H', toYes);
    const resumed = await w.run(['H'], later(5));
    expect(resumed.outcomes[0]).toMatchObject({
      decision: { flag: 'yes', nextAction: 'field_sales_tossup' },
      episodeKey: key,
      hold: 'resume',
      task: null,
    });
    expect(w.crm.tasks.size).toBe(1);
    expect(w.crm.lead('H').current).toMatchObject({ flag: 'yes', decisionKey: key });
    ep = await w.episode(key);
    expect(ep.pauses).toEqual([{ from: later(2).toISOString(), to: later(5).toISOString() }]);
    expect(ep.status).toBe('open');
    expect(ep.nextCheckAt).not.toBeNull();
  });

  it('a crash between recording the resume and writing the flag: the retry keeps the episode', async () => {
    const w = world();
    w.crm.put(hotLead('R'));
    await w.run(['R']);
    const key = w.crm.lead('R').current.decisionKey!;
    w.crm.edit('R', toHold);
    await w.run(['R'], later(1));
    w.crm.edit('R', toYes);
    w.crm.failCall('update', w.crm.crmError('transient', 'SERVER_UNAVAILABLE'));
    const crashed = await w.run(['R'], later(2));
    expect(crashed.stop).toMatchObject({ kind: 'transient' });
    expect(w.crm.lead('R').current.flag).toBe('hold');

    const retry = await w.run(['R'], later(3));
    expect(retry.outcomes[0]).toMatchObject({
      episodeKey: key,
      hold: 'resumed',
      task: null,
      status: 'written',
    });
    expect(w.crm.tasks.size).toBe(1);
    const ep = await w.episode(key);
    expect(ep.events.filter((e) => e.type === 'hold_ended')).toHaveLength(1);
    expect(ep.pauses).toEqual([{ from: later(1).toISOString(), to: later(2).toISOString() }]);
  });

  it('a new decision replaces an open episode: closed as superseded, the new one handed off', async () => {
    const w = world();
    // A strategic target: hold with a task for IS/sales planning (the hold's own work, not a pause).
    w.crm.put(strategicLead('S'));
    await w.run(['S']);
    const first = w.crm.lead('S').current.decisionKey!;
    // No longer strategic, and hot: a field-sales toss-up, a new episode with its own task.
    w.crm.edit('S', (l) => {
      Object.assign(l, { ...hotLead('S'), current: l.current, modifiedAt: l.modifiedAt });
    });
    const next = await w.run(['S'], later(1));
    expect(next.outcomes[0]).toMatchObject({
      decision: { flag: 'yes', nextAction: 'field_sales_tossup' },
      newEpisode: true,
      supersedes: first,
      taskStatus: 'created',
    });
    expect((await w.episode(first)).status).toBe('closed');
    expect((await w.episode(first)).closeReason).toBe('superseded');
    const second = w.crm.lead('S').current.decisionKey!;
    expect((await w.episode(second)).status).toBe('open');
    expect(w.crm.tasks.size).toBe(2);

    // Then decided no: the open episode is closed, and nothing new is handed off.
    w.crm.edit('S', (l) => {
      l.company.employees = 40;
      l.maBehaviourScore = 0;
    });
    const no = await w.run(['S'], later(2));
    expect(no.outcomes[0]).toMatchObject({ decision: { flag: 'no' }, supersedes: second, task: null });
    expect((await w.episode(second)).closeReason).toBe('superseded');
    expect(w.crm.tasks.size).toBe(2);
    expect(await w.count([first, second, w.crm.lead('S').current.decisionKey!])).toBe(2);
  });

  it('a paused episode decided with another next action is superseded by a new hand-off', async () => {
    const w = world();
    w.crm.put(hotLead('P'));
    await w.run(['P']);
    const first = w.crm.lead('P').current.decisionKey!;
    w.crm.edit('P', toHold);
    await w.run(['P'], later(1));
    // Decided no while paused: the pause does not keep it; the episode ends.
    w.crm.edit('P', (l) => {
      l.company.employees = 40;
      l.maBehaviourScore = 0;
    });
    const r = await w.run(['P'], later(2));
    expect(r.outcomes[0]).toMatchObject({ decision: { flag: 'no' }, supersedes: first, newEpisode: true });
    expect((await w.episode(first)).status).toBe('closed');
  });

  it('dry run reads the episodes to plan the same way and records nothing', async () => {
    const w = world();
    w.crm.put(hotLead('D'));
    await w.run(['D']);
    const key = w.crm.lead('D').current.decisionKey!;
    w.crm.edit('D', toHold);
    const plan = await w.run(['D'], later(1), { dryRun: true });
    expect(plan.outcomes[0]).toMatchObject({ hold: 'pause', episodeKey: key, task: null, status: 'planned' });
    expect((await w.store.get(key))!.version).toBe(1);
  });

  it('without an episode store a hold after a toss-up starts a new episode with its own task, as before', async () => {
    const w = world();
    w.crm.put(hotLead('N'));
    await w.run(['N'], new Date(NOW), { episodes: undefined });
    w.crm.edit('N', toHold);
    const r = await w.run(['N'], later(1), { episodes: undefined });
    expect(r.outcomes[0]).toMatchObject({ newEpisode: true, taskStatus: 'created' });
    expect(r.outcomes[0]!.hold).toBeUndefined();
    expect(w.crm.tasks.size).toBe(2);
  });
});
