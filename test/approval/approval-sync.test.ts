import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processLeads } from '../../src/pipeline/process-leads.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { hotLead, NOW, pipelineDeps, sla } from '../pipeline/pipeline-fixtures.ts';
import { approvalRules } from './approval-kit.ts';

/** The sync's side of `approval: manager` (processLeads with the fake CRM). */

const root = mkdtempSync(join(tmpdir(), 'tossup-approval-sync-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('processLeads with a rule that needs the manager', () => {
  it('writes the decision, creates no task, starts a pending episode due at once; a re-run does nothing more', async () => {
    const crm = new FakeCrm();
    crm.put(hotLead('A'));
    const store = new FileEpisodeStore(join(root, 'a'), { clock: fixedClock(NOW) });
    const deps = pipelineDeps(crm, {
      rules: approvalRules(),
      episodes: { store, schedule: sweepSchedule(sla) },
    });
    const first = await processLeads([structuredClone(crm.lead('A'))], deps);
    const o = first.outcomes[0]!;
    expect(o).toMatchObject({
      status: 'written',
      taskStatus: 'none',
      approval: 'requested',
      newEpisode: true,
    });
    expect(o.decision).toMatchObject({ flag: 'yes', ruleId: 'auto_tossup' });
    expect(crm.tasks.size).toBe(0);
    expect(crm.lead('A').current).toMatchObject({ flag: 'yes', decisionKey: o.episodeKey, dueAt: null });
    const stored = (await store.get(o.episodeKey!))!;
    expect(stored.episode).toMatchObject({ status: 'pending_approval', taskId: null, nextCheckAt: NOW });
    expect(stored.episode.owner.id).toBe(o.task!.ownerId);

    const again = await processLeads([structuredClone(crm.lead('A'))], deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'unchanged', taskStatus: 'none', newEpisode: false });
    expect(crm.tasks.size).toBe(0);
    expect((await store.get(o.episodeKey!))!.version).toBe(stored.version);
  });

  it('without an episode store nothing could track the approval: the task is created at once, as before', async () => {
    const crm = new FakeCrm();
    crm.put(hotLead('A'));
    const result = await processLeads(
      [structuredClone(crm.lead('A'))],
      pipelineDeps(crm, { rules: approvalRules() }),
    );
    expect(result.outcomes[0]).toMatchObject({ taskStatus: 'created' });
    expect(result.outcomes[0]!.approval).toBeUndefined();
    expect(crm.tasks.size).toBe(1);
  });
});
