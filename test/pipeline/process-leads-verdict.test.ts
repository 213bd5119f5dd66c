import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Lead } from '../../src/domain/lead.ts';
import type { RepFeedback } from '../../src/domain/rep-feedback.ts';
import type { Episode } from '../../src/episodes/episode.ts';
import { type PipelineDeps, processLeads } from '../../src/pipeline/process-leads.ts';
import { renderSummary } from '../../src/pipeline/render-summary.ts';
import { RunReportBuilder } from '../../src/pipeline/run-report.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { verdictReason } from '../../src/reasons/verdict-reason.ts';
import { nextCheckAt } from '../../src/sla/escalation-ladder.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { hotLead, NOW, pipelineDeps, sla } from './pipeline-fixtures.ts';

/**
 * The sync and the rep's verdict (issue 14; docs/sales-in-the-loop.md): the verdict read with the lead
 * is recorded on the episode its decision key names; sent back closes it, and the next runs keep the
 * flag, create nothing and say why in the reason, until the rep clears the verdict or the lead shows
 * new intent; accepted keeps the hand-off against the rules.
 */

const root = mkdtempSync(join(tmpdir(), 'tossup-pl-verdict-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const HOUR = 3_600_000;
const later = (hours: number) => new Date(Date.parse(NOW) + hours * HOUR);
const TOO_EARLY: RepFeedback = { result: 'sent_back', sentBackReason: 'too_early', note: '来期に再検討' };

function world(withEpisodes = true) {
  const crm = new FakeCrm();
  const store = new FileEpisodeStore(join(root, `s${++n}`), { clock: fixedClock(NOW) });
  const deps = pipelineDeps(
    crm,
    withEpisodes ? { episodes: { store, schedule: (ep) => nextCheckAt(ep, sla) } } : {},
  );
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
  /** What a person does in the CRM: edit the lead's fields (the engine then reads them). */
  const edit = (id: string, change: (l: Lead) => void) => {
    const l = structuredClone(crm.lead(id));
    change(l);
    crm.put(l);
  };
  const setFeedback = (id: string, f: RepFeedback | undefined) =>
    edit(id, (l) => {
      if (f) l.current.feedback = f;
      else delete l.current.feedback;
    });
  return { crm, store, deps, run, episode, edit, setFeedback };
}

/** Missing employee count → hold / inside_sales_hearing (large preset): the rules would change the flag. */
const toHold = (l: Lead) => {
  l.company.employees = null;
};

describe('processLeads and the rep verdict', () => {
  it('sent back (too early) closes the episode; ten more runs keep the flag, write the reason once, create nothing', async () => {
    const w = world();
    w.crm.put(hotLead('A'));
    await w.run(['A']);
    const handedOff = w.crm.lead('A').current;
    expect(handedOff.flag).toBe('yes');
    expect(w.crm.tasks.size).toBe(1);

    w.setFeedback('A', TOO_EARLY);
    const first = await w.run(['A'], later(1));
    const ep = await w.episode(handedOff.decisionKey);
    expect(ep).toMatchObject({ status: 'closed', closeReason: 'sent_back', nextCheckAt: null });
    expect(ep.verdict).toEqual({
      result: 'sent_back',
      sentBackReason: 'too_early',
      at: later(1).toISOString(),
    });
    expect(first.outcomes[0]).toMatchObject({ verdict: 'stands', status: 'written', taskStatus: 'none' });
    expect(first.outcomes[0]!.changes!.map((c) => c.field)).toEqual(['reason']);
    const reason = verdictReason(
      { result: 'sent_back', sentBackReason: 'too_early' },
      'cleared_or_intent',
      'ja',
    );
    expect(w.crm.lead('A').current).toMatchObject({
      flag: 'yes',
      nextAction: handedOff.nextAction,
      decisionKey: handedOff.decisionKey,
      reason,
    });
    expect(reason).toContain('差し戻し（時期尚早）');

    // The rules now say hold (the employee count was removed): still nothing but the kept flag.
    w.edit('A', toHold);
    for (let i = 2; i <= 11; i++) {
      const r = await w.run(['A'], later(i));
      expect(r.counters).toMatchObject({ unchanged: 1, written: 0, tasksCreated: 0, tasksExisting: 0 });
      expect(r.outcomes[0]?.decision?.flag).toBe('hold');
    }
    expect(w.crm.lead('A').current).toMatchObject({ flag: 'yes', decisionKey: handedOff.decisionKey });
    expect(w.crm.tasks.size).toBe(1);
    const after = await w.episode(handedOff.decisionKey);
    expect(after.events.filter((e) => e.type === 'verdict')).toHaveLength(1);
    expect(JSON.stringify(after)).not.toContain('来期');
  });

  it('cleared by the rep: the rules decide again (a changed decision is written as usual)', async () => {
    const w = world();
    w.crm.put(hotLead('A'));
    await w.run(['A']);
    w.setFeedback('A', TOO_EARLY);
    w.edit('A', toHold);
    await w.run(['A'], later(1));
    expect(w.crm.lead('A').current.flag).toBe('yes');
    w.setFeedback('A', undefined);
    const r = await w.run(['A'], later(2));
    expect(r.outcomes[0]?.verdict).toBeUndefined();
    expect(w.crm.lead('A').current.flag).toBe('hold');
  });

  it('new intent after the verdict hands the lead back: a new episode and one new task, even with the same flag', async () => {
    const w = world();
    w.crm.put(hotLead('A'));
    await w.run(['A']);
    const k0 = w.crm.lead('A').current.decisionKey;
    w.setFeedback('A', TOO_EARLY);
    await w.run(['A'], later(1));
    // A newsletter opened and pages viewed are not intent: the verdict stands.
    w.edit('A', (l) => {
      l.activities.push({ type: 'email_open', at: later(2).toISOString() });
      l.activities.push({ type: 'page_view', at: later(2).toISOString(), page: 'pricing' });
    });
    expect((await w.run(['A'], later(3))).outcomes[0]).toMatchObject({
      verdict: 'stands',
      taskStatus: 'none',
    });
    expect(w.crm.tasks.size).toBe(1);
    // An inquiry after the verdict is.
    w.edit('A', (l) => {
      l.activities.push({ type: 'inquiry', at: later(4).toISOString() });
    });
    const back = await w.run(['A'], later(5));
    expect(back.outcomes[0]).toMatchObject({ verdict: 'released', newEpisode: true, taskStatus: 'created' });
    const k1 = w.crm.lead('A').current.decisionKey;
    expect(k1).not.toBe(k0);
    expect(w.crm.lead('A').current.flag).toBe('yes');
    expect(w.crm.tasks.size).toBe(2);
    const e1 = await w.episode(k1);
    expect(e1).toMatchObject({
      status: 'open',
      verdictBefore: { result: 'sent_back', sentBackReason: 'too_early' },
    });
    expect(e1.verdict).toBeUndefined();
    // The CRM still shows the earlier toss-up's verdict: it is not the new episode's, nothing stands.
    const again = await w.run(['A'], later(6));
    expect(again.counters).toMatchObject({ unchanged: 1, tasksCreated: 0 });
    expect(again.outcomes[0]?.verdict).toBeUndefined();
    // The rep answers the new toss-up with another value: that one is recorded and closes it.
    w.setFeedback('A', { result: 'lost', sentBackReason: null, note: null });
    await w.run(['A'], later(7));
    expect(await w.episode(k1)).toMatchObject({ status: 'closed', closeReason: 'lost' });
    expect((await w.episode(k0)).closeReason).toBe('sent_back');
    expect(w.crm.tasks.size).toBe(2);
  });

  it('not our target: new intent does not hand it back, only clearing does', async () => {
    const w = world();
    w.crm.put(hotLead('A'));
    await w.run(['A']);
    w.setFeedback('A', { result: 'sent_back', sentBackReason: 'not_our_target', note: null });
    w.edit('A', (l) => {
      l.activities.push({ type: 'inquiry', at: later(4).toISOString() });
    });
    await w.run(['A'], later(1));
    const r = await w.run(['A'], later(5));
    expect(r.outcomes[0]).toMatchObject({ verdict: 'stands', taskStatus: 'none' });
    expect(w.crm.lead('A').current.reason).toBe(
      verdictReason({ result: 'sent_back', sentBackReason: 'not_our_target' }, 'cleared', 'ja'),
    );
  });

  it('accepted marks the episode and keeps the hand-off: the rules cannot withdraw it, no second task', async () => {
    const w = world();
    w.crm.put(hotLead('A'));
    await w.run(['A']);
    const k0 = w.crm.lead('A').current.decisionKey;
    w.setFeedback('A', { result: 'accepted', sentBackReason: null, note: null });
    w.edit('A', toHold);
    const r = await w.run(['A'], later(1));
    expect(r.outcomes[0]).toMatchObject({ verdict: 'keep_hand_off', kept: true, taskStatus: 'none' });
    expect(w.crm.lead('A').current).toMatchObject({ flag: 'yes', decisionKey: k0 });
    const ep = await w.episode(k0);
    expect(ep).toMatchObject({ status: 'open', verdict: { result: 'accepted' } });
    expect(w.crm.tasks.size).toBe(1);
  });

  it('without an episode store the CRM verdict alone decides: sent back keeps the flag until cleared', async () => {
    const w = world(false);
    w.crm.put(hotLead('A'));
    await w.run(['A']);
    w.setFeedback('A', TOO_EARLY);
    w.edit('A', (l) => {
      toHold(l);
      l.activities.push({ type: 'inquiry', at: later(4).toISOString() });
    });
    const r = await w.run(['A'], later(5));
    expect(r.outcomes[0]).toMatchObject({ verdict: 'stands', taskStatus: 'none' });
    expect(w.crm.lead('A').current.flag).toBe('yes');
    expect(w.crm.lead('A').current.reason).toContain('クリアされるまで再判定しません');
  });

  it('a dry run plans the kept flag and records nothing', async () => {
    const w = world();
    w.crm.put(hotLead('A'));
    await w.run(['A']);
    const k0 = w.crm.lead('A').current.decisionKey;
    w.setFeedback('A', TOO_EARLY);
    const before = await w.store.get(k0!);
    const r = await w.run(['A'], later(1), { dryRun: true });
    expect(r.outcomes[0]).toMatchObject({ verdict: 'stands', status: 'planned' });
    expect(await w.store.get(k0!)).toEqual(before);
  });
});

describe('the run report and summary', () => {
  it('count the leads a verdict shaped, and keep the unwritten rules decision out of the breakdowns', async () => {
    const w = world();
    w.crm.put(hotLead('A'));
    w.crm.put(hotLead('B'));
    await w.run(['A', 'B']);
    w.setFeedback('A', TOO_EARLY);
    w.setFeedback('B', { result: 'accepted', sentBackReason: null, note: null });
    w.edit('A', toHold);
    const batch = await w.run(['A', 'B'], later(1));
    const builder = new RunReportBuilder({
      runId: 'r1',
      crm: 'salesforce',
      scope: 'test',
      dryRun: false,
      rules: { name: 'large', version: 'v' },
      startedAt: later(1),
      cursorKey: 'salesforce:test',
      startedFrom: 'stored',
      start: null,
    });
    builder.addBatch(batch);
    const report = builder.finish({ finishedAt: later(1), stop: null, api: null });
    expect(report.verdicts).toEqual({ stands: 1, keep_hand_off: 1 });
    // A's rules decision (hold) was not written: only its reason was.
    expect(report.byFlag).toEqual({});
    expect(report.counts.written).toBe(1);
    const ja = renderSummary(report, 'ja');
    expect(ja).toContain('営業の判断 (読み込んだリード)');
    expect(ja).toMatch(/差し戻し・失注のため判定を保留\s+1/);
    expect(renderSummary(report, 'en')).toMatch(/accepted or opportunity: hand-off kept\s+1/);
    // A run no verdict shaped shows no such block.
    const quiet = new RunReportBuilder({
      runId: 'r2',
      crm: 'salesforce',
      scope: 'test',
      dryRun: false,
      rules: { name: 'large', version: 'v' },
      startedAt: later(2),
      cursorKey: 'salesforce:test',
      startedFrom: 'stored',
      start: null,
    }).finish({ finishedAt: later(2), stop: null, api: null });
    expect(renderSummary(quiet, 'ja')).not.toContain('営業の判断');
  });
});
