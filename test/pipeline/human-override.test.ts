import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OverrideFlag } from '../../src/domain/human-override.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { type Episode, episodeEvent, isOnHold } from '../../src/episodes/episode.ts';
import { keyFlag } from '../../src/pipeline/episode-key.ts';
import { overrideRecordKey } from '../../src/pipeline/human-override.ts';
import { type PipelineDeps, processLeads } from '../../src/pipeline/process-leads.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { isOverrideReason } from '../../src/reasons/override-reason.ts';
import { nextCheckAt } from '../../src/sla/escalation-ladder.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { coldLead, hotLead, NOW, pipelineDeps, SF, sla } from './pipeline-fixtures.ts';

/**
 * Human overrides win (issue 14, src/pipeline/human-override.ts): a flag a person edited, or set in
 * the explicit override field, is kept through runs, creates no task, is explained in the reason with
 * who and when, and clearing it hands the lead back to the rules.
 */

const root = mkdtempSync(join(tmpdir(), 'tossup-override-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const HOUR = 3_600_000;
const later = (hours: number) => new Date(Date.parse(NOW) + hours * HOUR);

function world() {
  const crm = new FakeCrm();
  const store = new FileEpisodeStore(join(root, `s${++n}`), { clock: fixedClock(NOW) });
  const deps = pipelineDeps(crm, { episodes: { store, schedule: (ep) => nextCheckAt(ep, sla) } });
  const run = (ids: string[], now: Date, over: Partial<PipelineDeps> = {}) =>
    processLeads(
      ids.map((id) => structuredClone(crm.lead(id))),
      { ...deps, now, ...over },
    );
  const episode = async (key: string | null): Promise<Episode> => (await store.get(key!))!.episode;
  return { crm, store, deps, run, episode };
}

/** A person edits the flag (and is the record's last modifier) at `at`. */
function editFlag(lead: Lead, flag: OverrideFlag | null, at: Date, by: string = SF.u002): void {
  lead.current.flag = flag;
  lead.current.override = { flag: null, modifiedBy: by, modifiedAt: at.toISOString() };
  lead.modifiedAt = at.toISOString();
}
/** A person sets (or empties) the explicit override field at `at`. */
function setOverrideField(lead: Lead, flag: OverrideFlag | null, at: Date, by: string = SF.u002): void {
  lead.current.override = { flag, modifiedBy: by, modifiedAt: at.toISOString() };
  lead.modifiedAt = at.toISOString();
}

describe('a person edits the flag', () => {
  it('yes → no survives ten runs with no task and no write that undoes it; the reason says who and when; the open episode is paused; setting it back resumes the same episode', async () => {
    const w = world();
    w.crm.put(hotLead('A'));
    const first = await w.run(['A'], new Date(NOW));
    expect(first.counters).toMatchObject({ tasksCreated: 1, written: 1 });
    const key = w.crm.lead('A').current.decisionKey!;
    expect(keyFlag(key)).toBe('yes');

    w.crm.edit('A', (l) => editFlag(l, 'no', later(1)));
    const updatesBefore = w.crm.updates.length;
    for (let i = 0; i < 10; i++) {
      const r = await w.run(['A'], later(2 + i));
      expect(r.counters).toMatchObject({ tasksCreated: 0, tasksExisting: 0, failed: 0 });
      expect(r.outcomes[0]!.override).toMatchObject({ flag: 'no', source: 'flag_edit', by: SF.u002 });
      const l = w.crm.lead('A').current;
      expect(l.flag).toBe('no');
      expect(l.decisionKey).toBe(key);
    }
    // One write in ten runs: the reason, explaining the override; never the flag, key or next action.
    const writes = w.crm.updates.slice(updatesBefore);
    expect(writes).toHaveLength(1);
    expect(Object.keys(writes[0]!.fields)).toEqual(['reason']);
    const reason = w.crm.lead('A').current.reason!;
    expect(isOverrideReason(reason)).toBe(true);
    expect(reason).toContain('「いいえ」');
    expect(reason).toContain('鈴木 陽子'); // the user, by name when routing.yaml lists them
    expect(reason).toContain('2026-11-24 11:00'); // when the person changed it (JST), not when a run saw it
    expect(reason).toContain('ルールの判定は「はい」');
    expect(w.crm.tasks.size).toBe(1);
    expect(await w.deps.state.getDone(overrideRecordKey('salesforce', w.crm.lead('A')))).toContain('"by"');

    const paused = await w.episode(key);
    expect(paused.override).toMatchObject({
      flag: 'no',
      source: 'flag_edit',
      by: SF.u002,
      at: later(1).toISOString(),
    });
    expect(isOnHold(paused)).toBe(true);
    expect(paused.events.filter((e) => e.type === 'override')).toHaveLength(1);

    // Cleared: the person sets it back; the rules decide again, the same episode runs on, no second task.
    w.crm.edit('A', (l) => editFlag(l, 'yes', later(20)));
    const back = await w.run(['A'], later(21));
    expect(back.outcomes[0]!.override).toBeUndefined();
    expect(back.counters).toMatchObject({ tasksCreated: 0, written: 1 });
    expect(isOverrideReason(w.crm.lead('A').current.reason)).toBe(false);
    expect(w.crm.lead('A').current.decisionKey).toBe(key);
    const resumed = await w.episode(key);
    expect(resumed.override).toBeNull();
    expect(isOnHold(resumed)).toBe(false);
    expect(w.crm.tasks.size).toBe(1);
  });

  it('no → yes creates no task; emptying the flag hands the lead back to the rules, which write no again', async () => {
    const w = world();
    w.crm.put(coldLead('B'));
    await w.run(['B'], new Date(NOW));
    expect(w.crm.lead('B').current.flag).toBe('no');
    w.crm.edit('B', (l) => editFlag(l, 'yes', later(1), SF.u004));
    for (let i = 0; i < 10; i++) {
      const r = await w.run(['B'], later(2 + i));
      expect(r.outcomes[0]!.override).toMatchObject({ flag: 'yes', by: SF.u004 });
    }
    expect(w.crm.lead('B').current.flag).toBe('yes');
    expect(w.crm.tasks.size).toBe(0);

    w.crm.edit('B', (l) => editFlag(l, null, later(20)));
    const back = await w.run(['B'], later(21));
    expect(back.outcomes[0]!.override).toBeUndefined();
    expect(w.crm.lead('B').current.flag).toBe('no');
    expect(isOverrideReason(w.crm.lead('B').current.reason)).toBe(false);
    expect(w.crm.tasks.size).toBe(0);
  });

  it('the engine pausing a toss-up for a hold (flag hold, key yes) is not a person', async () => {
    const w = world();
    w.crm.put(hotLead('H'));
    await w.run(['H'], new Date(NOW));
    w.crm.edit('H', (l) => {
      l.company.employees = null; // missing data → hold
    });
    for (let i = 0; i < 3; i++) {
      const r = await w.run(['H'], later(1 + i));
      expect(r.outcomes[0]!.override).toBeUndefined();
    }
    expect(w.crm.lead('H').current.flag).toBe('hold');
    expect(keyFlag(w.crm.lead('H').current.decisionKey)).toBe('yes');
    // The rep completes the task during the pause (the sweep records it): still not a person's flag.
    const key = w.crm.lead('H').current.decisionKey!;
    await w.store.recordStep(
      key,
      episodeEvent({ type: 'task_completed', at: later(5).toISOString(), cause: 'rep' }),
      () => null,
    );
    expect((await w.episode(key)).status).toBe('done');
    const r = await w.run(['H'], later(6));
    expect(r.outcomes[0]!.override).toBeUndefined();
    expect(isOverrideReason(w.crm.lead('H').current.reason)).toBe(false);
  });
});

describe('the explicit override field', () => {
  it('yes on a lead the rules say no to: the flag is written, no task, ten runs change nothing; emptied, the rules write no and the next runs see no person', async () => {
    const w = world();
    w.crm.put(coldLead('C'));
    await w.run(['C'], new Date(NOW));
    w.crm.edit('C', (l) => setOverrideField(l, 'yes', later(1)));
    const first = await w.run(['C'], later(2));
    expect(first.outcomes[0]!.changes!.map((c) => c.field).sort()).toEqual(['flag', 'reason']);
    expect(first.outcomes[0]!.override).toMatchObject({ flag: 'yes', source: 'field' });
    expect(w.crm.lead('C').current.reason).toContain('トスアップ上書き項目');
    const updates = w.crm.updates.length;
    for (let i = 0; i < 10; i++) await w.run(['C'], later(3 + i));
    expect(w.crm.updates.length).toBe(updates);
    expect(w.crm.lead('C').current.flag).toBe('yes');
    expect(w.crm.tasks.size).toBe(0);

    w.crm.edit('C', (l) => setOverrideField(l, null, later(20)));
    const back = await w.run(['C'], later(21));
    expect(back.outcomes[0]!.override).toBeUndefined();
    expect(w.crm.lead('C').current.flag).toBe('no');
    // The flag the engine wrote for the field is not mistaken for a person's edit afterwards.
    for (let i = 0; i < 3; i++) {
      const r = await w.run(['C'], later(22 + i));
      expect(r.outcomes[0]).toMatchObject({ status: 'unchanged' });
      expect(r.outcomes[0]!.override).toBeUndefined();
    }
    expect(w.crm.tasks.size).toBe(0);
  });

  it('no on a toss-up pauses its episode; emptied, the same episode resumes with no second task', async () => {
    const w = world();
    w.crm.put(hotLead('D'));
    await w.run(['D'], new Date(NOW));
    const key = w.crm.lead('D').current.decisionKey!;
    w.crm.edit('D', (l) => setOverrideField(l, 'no', later(1)));
    await w.run(['D'], later(2));
    expect(w.crm.lead('D').current.flag).toBe('no');
    expect(isOnHold(await w.episode(key))).toBe(true);
    w.crm.edit('D', (l) => setOverrideField(l, null, later(3)));
    await w.run(['D'], later(4));
    expect(w.crm.lead('D').current).toMatchObject({ flag: 'yes', decisionKey: key });
    const ep = await w.episode(key);
    expect(isOnHold(ep)).toBe(false);
    expect(ep.override).toBeNull();
    expect(w.crm.tasks.size).toBe(1);
  });

  it('a dry run plans the override but stores nothing', async () => {
    const w = world();
    w.crm.put(coldLead('E'));
    await w.run(['E'], new Date(NOW));
    w.crm.edit('E', (l) => setOverrideField(l, 'hold', later(1)));
    const r = await w.run(['E'], later(2), { dryRun: true });
    expect(r.outcomes[0]).toMatchObject({ status: 'planned', override: { flag: 'hold' } });
    expect(await w.deps.state.getDone(overrideRecordKey('salesforce', w.crm.lead('E')))).toBeNull();
    expect(w.crm.lead('E').current.flag).toBe('no');
  });
});
