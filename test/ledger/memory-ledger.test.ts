import { describe, expect, it } from 'vitest';
import { flushLedger } from '../../src/ledger/flush-ledger.ts';
import type { LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { MemoryLedger, MemoryLedgerOutbox } from '../../src/state/memory-ledger.ts';
import { MemoryLedgerOutbox as ProcessLedgerOutbox } from '../../src/state/memory-ledger-outbox.ts';

/** Only the fields these stores look at (the id) matter here. */
const row = (id: string): LedgerRecord => ({ kind: 'event', record_id: id }) as unknown as LedgerRecord;

describe('the in-memory ledger and outbox (the demo history’s)', () => {
  it('keeps one row per record id, in append order', async () => {
    const ledger = new MemoryLedger();
    expect(await ledger.append([row('a'), row('b'), row('a')])).toEqual({ appended: 2 });
    expect(await ledger.append([row('b'), row('c')])).toEqual({ appended: 1 });
    expect(ledger.records().map((r) => r.record_id)).toEqual(['a', 'b', 'c']);
  });

  it('appends only what no longer awaits a write, once, as the file outbox does', async () => {
    const w = { ledger: new MemoryLedger(), outbox: new MemoryLedgerOutbox() };
    const awaiting = { crm: 'salesforce' as const, objectType: 'Lead', leadId: 'L1', fields: {} };
    await w.outbox.put([
      { record: row('d1'), awaiting },
      { record: row('d2'), awaiting },
      { record: row('e1') },
    ]);
    expect(await flushLedger(w)).toEqual({ appended: 1, awaiting: 2 });
    await w.outbox.ready(['d1']);
    await w.outbox.remove(['d2']);
    expect(await flushLedger(w)).toEqual({ appended: 1, awaiting: 0 });
    expect(await flushLedger(w)).toEqual({ appended: 0, awaiting: 0 });
    expect(w.ledger.records().map((r) => r.record_id)).toEqual(['e1', 'd1']);
    expect(await w.outbox.list()).toEqual([]);
  });

  it('keep what a record said when stored, though its facts are read from a lead that changes later', async () => {
    // As `withFacts` makes a decision record: `facts_json` read from the lead each time.
    const lead = { score: 1 };
    const lazy = (id: string) =>
      ({
        kind: 'decision',
        record_id: id,
        get facts_json() {
          return JSON.stringify(lead);
        },
      }) as unknown as LedgerRecord;
    const ledger = new MemoryLedger();
    const outbox = new MemoryLedgerOutbox();
    const processOutbox = new ProcessLedgerOutbox();
    await ledger.append([lazy('a')]);
    await outbox.put([{ record: lazy('b') }]);
    await processOutbox.put([{ record: lazy('c') }]);
    lead.score = 2;
    const facts = (r: LedgerRecord) => (r as unknown as { facts_json: string }).facts_json;
    expect(ledger.records().map(facts)).toEqual(['{"score":1}']);
    expect((await outbox.list()).map((e) => facts(e.record))).toEqual(['{"score":1}']);
    expect((await processOutbox.list()).map((e) => facts(e.record))).toEqual(['{"score":1}']);
  });
});
