import { describe, expect, it } from 'vitest';
import { ledgeredEpisodeStore } from '../../src/ledger/ledgered-episode-store.ts';
import { processLeads } from '../../src/pipeline/process-leads.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { nextCheckAt } from '../../src/sla/escalation-ladder.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { coldLead, hotLead, NOW, pipelineDeps, sla } from '../pipeline/pipeline-fixtures.ts';
import { decisionsOf, eventsOf, ledgerRows, localLedgerAt } from './ledger-kit.ts';

/** A FakeCrm and processLeads with the local ledger and a ledgered file episode store, as `tossup sync` wires them. */
function world() {
  const crm = new FakeCrm();
  const ledger = localLedgerAt();
  const store = ledgeredEpisodeStore(
    new FileEpisodeStore(ledger.stateDir, { clock: fixedClock(NOW) }),
    ledger,
    sla,
  );
  const deps = pipelineDeps(crm, { ledger, episodes: { store, schedule: (ep) => nextCheckAt(ep, sla) } });
  const run = (ids: string[], over: Partial<typeof deps> = {}) =>
    processLeads(
      ids.map((id) => structuredClone(crm.lead(id))),
      { ...deps, ...over },
    );
  return { crm, ledger, deps, run, rows: () => ledgerRows(ledger.stateDir) };
}

describe('the sync records each decision it writes, once', () => {
  it('a toss-up and a no: one decision row each with rule, reasons, scores, owner and episode; the hand-off as an event', async () => {
    const w = world();
    w.crm.put(hotLead('H1'));
    w.crm.put(coldLead('C1'));
    const r = await w.run(['H1', 'C1']);
    expect(r.counters.written).toBe(2);

    const decisions = decisionsOf(w.rows());
    expect(decisions.map((d) => [d.lead_id, d.flag]).sort()).toEqual([
      ['C1', 'no'],
      ['H1', 'yes'],
    ]);
    const h1 = decisions.find((d) => d.lead_id === 'H1')!;
    const o = r.outcomes.find((x) => x.leadId === 'H1')!;
    expect(h1).toMatchObject({
      crm: 'salesforce',
      object_type: 'Lead',
      decided_at: NOW,
      dt: '2026-11-24',
      rules_version: o.decision!.rulesVersion,
      rule_id: o.decision!.ruleId,
      next_action: 'field_sales_tossup',
      attribute_score: o.decision!.scores.attribute,
      behaviour_score: 80,
      owner_id: o.task!.ownerId,
      episode_key: o.episodeKey,
      new_episode: true,
      primary_reason: o.decision!.reasons[0]!.code,
      reason_codes: o.decision!.reasons.map((x) => x.code),
    });
    expect(JSON.parse(h1.reasons_json)).toEqual(o.decision!.reasons);
    expect(JSON.parse(h1.facts_json)).toMatchObject({ company: { employees: 1200 }, maBehaviourScore: 80 });

    const events = eventsOf(w.rows());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event_type: 'handed_off', lead_id: 'H1', episode_key: o.episodeKey });
    expect(w.ledger.errors).toEqual([]);
  });

  it('a re-run that changes nothing records nothing more; a changed decision is a second row', async () => {
    const w = world();
    w.crm.put(coldLead('C1'));
    await w.run(['C1']);
    await w.run(['C1']);
    expect(decisionsOf(w.rows())).toHaveLength(1);

    w.crm.edit('C1', (l) => {
      l.maBehaviourScore = 80;
      l.company.employees = 1200;
      l.person.titleRank = 'officer';
    });
    await w.run(['C1']);
    expect(decisionsOf(w.rows()).map((d) => d.flag)).toEqual(expect.arrayContaining(['no', 'yes']));
    expect(decisionsOf(w.rows())).toHaveLength(2);
  });

  it('the row appended after the CRM write is the record the outbox staged before it, facts and all, key for key', async () => {
    const w = world();
    w.crm.put(hotLead('H1'));
    w.crm.put(coldLead('C1'));
    const staged: string[] = [];
    const put = w.ledger.outbox.put.bind(w.ledger.outbox);
    w.ledger.outbox.put = async (entries) => {
      for (const e of entries) staged.push(JSON.stringify(e.record));
      return put(entries);
    };
    await w.run(['H1', 'C1']);
    // The batch keeps only its staged records' ids through the write and makes the records again,
    // facts and all, from the lead's work for the append (ledger-decisions.ts): the same text as the
    // write-ahead copy.
    const appended = decisionsOf(w.rows()).map((d) => JSON.stringify(d));
    expect(staged).toHaveLength(2);
    expect(appended.sort()).toEqual(staged.sort());
    expect(JSON.parse(staged[0]!).facts_json.length).toBeGreaterThan(100);
  });

  it('a write the CRM refused is not recorded; the outbox keeps nothing for it', async () => {
    const w = world();
    w.crm.put(coldLead('C1'));
    w.crm.failRecord('update', 'C1', 'invalid_record');
    const r = await w.run(['C1']);
    expect(r.outcomes[0]!.status).toBe('skipped');
    expect(decisionsOf(w.rows())).toEqual([]);
    expect(await w.ledger.outbox.list()).toEqual([]);
  });

  it('a crash right after the CRM write: the decision waits in the outbox and is appended once when the lead is read again', async () => {
    const w = world();
    w.crm.put(coldLead('C1'));
    w.crm.put(hotLead('H1'));
    const sink = w.deps.sink;
    // The CRM takes the write, then the process "dies" before anything after it runs.
    const crashing = {
      ...sink,
      writeTossUp: async (u: Parameters<typeof sink.writeTossUp>[0]) => {
        await sink.writeTossUp(u);
        throw new Error('simulated crash after the CRM write');
      },
    };
    await expect(w.run(['C1', 'H1'], { sink: crashing })).rejects.toThrow('simulated crash');
    expect(decisionsOf(w.rows())).toEqual([]);
    expect((await w.ledger.outbox.list()).filter((e) => e.awaiting)).toHaveLength(2);

    // The page was not committed: the retry reads both leads again, which now show the write.
    const again = await w.run(['C1', 'H1']);
    expect(again.counters.unchanged).toBe(2);
    const decisions = decisionsOf(w.rows());
    expect(decisions.map((d) => d.lead_id).sort()).toEqual(['C1', 'H1']);
    expect(new Set(decisions.map((d) => d.record_id)).size).toBe(2);
    expect(await w.ledger.outbox.list()).toEqual([]);
  });

  it('a crash before the CRM write: the staged decision is dropped and the retry records its own, once', async () => {
    const w = world();
    w.crm.put(coldLead('C1'));
    w.crm.failCall('update', new Error('simulated crash before the CRM write'));
    await expect(w.run(['C1'])).rejects.toThrow('simulated crash');
    expect((await w.ledger.outbox.list()).filter((e) => e.awaiting)).toHaveLength(1);

    await w.run(['C1'], { now: new Date(Date.parse(NOW) + 60_000) });
    const decisions = decisionsOf(w.rows());
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.decided_at).toBe(new Date(Date.parse(NOW) + 60_000).toISOString());
    expect(await w.ledger.outbox.list()).toEqual([]);
  });

  it('the ledger failing never stops the CRM write: it is reported, and what waits is appended later', async () => {
    const w = world();
    w.crm.put(coldLead('C1'));
    const append = w.ledger.ledger.append.bind(w.ledger.ledger);
    let down = true;
    w.ledger.ledger.append = async (records) => {
      if (down) throw new Error('disk full');
      return append(records);
    };
    const r = await w.run(['C1']);
    expect(r.counters.written).toBe(1);
    expect(w.ledger.errors.join('\n')).toMatch(/disk full/);
    expect(decisionsOf(w.rows())).toEqual([]);

    down = false;
    w.crm.put(coldLead('C2'));
    await w.run(['C2']);
    expect(
      decisionsOf(w.rows())
        .map((d) => d.lead_id)
        .sort(),
    ).toEqual(['C1', 'C2']);
  });

  it("a person's override: the row keeps what the rules said and names the override the CRM showed", async () => {
    const w = world();
    w.crm.put(coldLead('C1'));
    await w.run(['C1']);
    const later = new Date(Date.parse(NOW) + 3_600_000);
    w.crm.edit('C1', (l) => {
      l.current.override = { flag: 'yes', modifiedBy: '005000000000002AAA', modifiedAt: later.toISOString() };
    });
    const r = await w.run(['C1'], { now: new Date(later.getTime() + 60_000) });
    expect(r.outcomes[0]).toMatchObject({ status: 'written', override: { flag: 'yes', source: 'field' } });
    const rows = decisionsOf(w.rows()).sort((a, b) => a.decided_at.localeCompare(b.decided_at));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ flag: 'no', override_flag: null });
    expect(rows[1]).toMatchObject({
      flag: 'no',
      override_flag: 'yes',
      override_source: 'field',
      override_by: '005000000000002AAA',
    });
  });

  it('a dry run records nothing', async () => {
    const w = world();
    w.crm.put(hotLead('H1'));
    await w.run(['H1'], { dryRun: true });
    expect(w.rows()).toEqual([]);
    expect(await w.ledger.outbox.list()).toEqual([]);
  });
});
