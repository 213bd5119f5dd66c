import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FailureKind } from '../../src/domain/errors.ts';
import { type PipelineDeps, processLeads } from '../../src/pipeline/process-leads.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { FileRecheckStore } from '../../src/state/file-recheck-store.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { hotLead, NOW, pipelineDeps, strategicLead } from '../pipeline/pipeline-fixtures.ts';

/** processLeads with a recheck store: what is scheduled when, and what a re-check never does. */

const root = mkdtempSync(join(tmpdir(), 'tossup-pl-rechecks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function world() {
  const crm = new FakeCrm();
  const rechecks = new FileRecheckStore(join(root, `s${++n}`), { clock: fixedClock(NOW) });
  const deps = pipelineDeps(crm, { rechecks });
  const run = (ids: string[], over: Partial<PipelineDeps> = {}) =>
    processLeads(
      ids.map((id) => structuredClone(crm.lead(id))),
      { ...deps, ...over },
    );
  const record = async (id: string) =>
    (await rechecks.getMany('salesforce', [{ objectType: 'Lead', leadId: id }])).get(`Lead|${id}`);
  return { crm, run, record };
}

describe('processLeads with rechecks', () => {
  it('schedules settled leads, keeps a hold start across runs, and writes nothing on a dry run', async () => {
    const { crm, run, record } = world();
    crm.put(strategicLead('S1')); // hold (strategic target): the hold starts now
    crm.put(hotLead('H1', { maBehaviourScore: 45 })); // yes; the year-end campaign adds its reason on 12/01
    await run(['S1', 'H1'], { dryRun: true });
    expect(await record('S1')).toBeUndefined();

    await run(['S1', 'H1']);
    expect(await record('S1')).toMatchObject({ holdSince: NOW, recheckAt: null });
    expect((await record('H1'))?.recheckAt).toBe('2026-11-30T15:00:00.000Z');

    // A day later the hold continues: its start stays.
    await run(['S1'], { now: new Date(Date.parse(NOW) + 86_400_000) });
    expect((await record('S1'))?.holdSince).toBe(NOW);
  });

  it('a lead whose write failed is not scheduled (it comes back and is scheduled then)', async () => {
    const { crm, run, record } = world();
    crm.put(strategicLead('S2'));
    crm.failRecord('update', 'S2', FailureKind.Transient);
    const result = await run(['S2'], { recordFailures: 'lead' });
    expect(result.outcomes[0]?.status).toBe('failed');
    expect(await record('S2')).toBeUndefined();
  });

  it('keepHandOffs: a lead the CRM has as yes is not written when the re-decision says otherwise', async () => {
    const { crm, run } = world();
    crm.put(hotLead('H2'));
    await run(['H2']);
    expect(crm.lead('H2').current.flag).toBe('yes');
    crm.edit('H2', (l) => {
      l.maBehaviourScore = 5; // now it would be no / nurture
    });
    const kept = await run(['H2'], { keepHandOffs: true });
    expect(kept.outcomes[0]).toMatchObject({ kept: true, status: 'unchanged', changes: [] });
    expect(kept.outcomes[0]?.decision?.flag).toBe('no');
    expect(crm.lead('H2').current.flag).toBe('yes');
    // A sync (no keepHandOffs) decides it as always.
    await run(['H2']);
    expect(crm.lead('H2').current.flag).toBe('no');
  });
});
