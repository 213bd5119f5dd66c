import { describe, expect, it } from 'vitest';
import type { CallRunner } from '../../../connectors/salesforce/call-runner.ts';
import { prefetchFirstPages, RestQuery, rideAlong } from '../../../connectors/salesforce/change-streams.ts';
import { counter, emulatorRunner, insertLead, startOrg, T0 } from './sf-kit.ts';

// A query the run reads whole (the account index) lets its next page ride in a Composite call the
// run makes anyway: the same rows, in the same order, one call fewer.

const query = (runner: CallRunner, soql: string) =>
  new RestQuery(runner, { soql, scanAll: false, batchSize: 200, what: 'test' });

async function readWhole(q: RestQuery): Promise<string[]> {
  const ids: string[] = [];
  do for (const r of await q.page()) ids.push(String(r.Id));
  while (!q.done);
  return ids;
}

describe('Composite riders', () => {
  it("carry a whole-read query's next page in a Composite call made anyway; the rows stay the same", async () => {
    const emu = await startOrg();
    for (let i = 0; i < 450; i++) insertLead(emu, T0 + i);
    const runner = await emulatorRunner(emu);
    const soql = 'SELECT Id FROM Lead ORDER BY Id';
    const plain = await readWhole(query(runner, soql));
    expect(plain).toHaveLength(450);

    const index = query(runner, soql);
    await prefetchFirstPages(runner, [index, query(runner, "SELECT Id FROM Lead WHERE LastName = 'x'")]);
    rideAlong(runner, index);
    const before = counter(emu, 'sf.queryMore') + counter(emu, 'sf.composite') + counter(emu, 'sf.query');
    // A later Composite call (one query of its own) brings page two of the index along.
    const other = query(runner, "SELECT Id FROM Lead WHERE LastName = 'y'");
    await prefetchFirstPages(runner, [other]);
    expect(await other.page()).toEqual([]);
    // And the next one brings page three: the index has no call of its own left to make.
    await prefetchFirstPages(runner, [query(runner, "SELECT Id FROM Lead WHERE LastName = 'z'")]);
    const afterRides = counter(emu, 'sf.queryMore') + counter(emu, 'sf.composite') + counter(emu, 'sf.query');
    expect(afterRides - before).toBe(2);
    expect(await readWhole(index)).toEqual(plain);
    expect(counter(emu, 'sf.queryMore') + counter(emu, 'sf.composite') + counter(emu, 'sf.query')).toBe(
      afterRides,
    );
    runner.client.close();
  });

  it('a page read meanwhile is not taken twice: the rider asks only for pages not read nor waiting', async () => {
    const emu = await startOrg();
    for (let i = 0; i < 450; i++) insertLead(emu, T0 + i);
    const runner = await emulatorRunner(emu);
    const soql = 'SELECT Id FROM Lead ORDER BY Id';
    const plain = await readWhole(query(runner, soql));
    const index = query(runner, soql);
    rideAlong(runner, index);
    const first = await index.page();
    // Page one was read by a call of its own; the rider now asks for page two, and the reader reads
    // it from the Composite answer, then page three by a call of its own.
    await prefetchFirstPages(runner, [query(runner, "SELECT Id FROM Lead WHERE LastName = 'y'")]);
    const rest = await readWhole(index);
    expect([...first.map((r) => String(r.Id)), ...rest]).toEqual(plain);
    runner.client.close();
  });
});
