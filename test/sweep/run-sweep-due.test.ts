import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { runSweep } from '../../src/sweep/run-sweep.ts';
import { FakeEpisodeCrm } from './fake-episode-crm.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-sweep-due-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runSweep: what is due', () => {
  it('looks at the episodes due at its instant, re-reads each and counts an index entry that moved as stale', async () => {
    const store = new FileEpisodeStore(join(root, 'a'), { clock: fixedClock('2026-12-02T00:00:00Z') });
    const start = foldEpisode('tu_1', [
      episodeEvent({
        type: 'handed_off',
        at: '2026-12-01T01:00:00.000Z',
        cause: 'rule',
        crm: 'salesforce',
        leadId: '00Q1',
        nextAction: 'field_sales_tossup',
        owner: { id: '005000000000001AAA', key: 'u001' },
        taskId: '00T1',
      }),
    ]);
    if (!start) throw new Error('no episode');
    await store.put({ ...start, nextCheckAt: '2026-12-01T08:00:00.000Z' }, null);
    await store.put({ ...start, key: 'tu_2', nextCheckAt: '2026-12-09T08:00:00.000Z' }, null);
    const crm = new FakeEpisodeCrm();
    const report = await runSweep({
      crmName: 'salesforce',
      episodes: store,
      crm,
      sla: parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8')),
      routing: parseRoutingConfig(readFileSync('mappings/routing.yaml', 'utf8')),
      routingState: new MemoryRoutingState(),
      clock: fixedClock('2026-12-02T00:00:00Z'),
      dryRun: true,
    });
    expect(report).toMatchObject({ kind: 'sweep', crm: 'salesforce', dryRun: true, limitReached: false });
    expect(report.counts).toMatchObject({ due: 1, checked: 1, stale: 0 });
    expect(crm.calls.readFacts).toBe(1);
  });
});
