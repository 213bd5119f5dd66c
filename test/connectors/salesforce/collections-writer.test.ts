import { describe, expect, it } from 'vitest';
import {
  CollectionsWriter,
  updateRequest,
  type Work,
} from '../../../connectors/salesforce/collections-writer.ts';
import type { WriteOutcome } from '../../../src/ports/lead-sink.ts';
import { counter, emulatorRunner, insertLead, startOrg, T0 } from './sf-kit.ts';

describe('Collections writer', () => {
  it('makes a call’s records when it is sent: never more than the runner’s calls at once are held unwritten', async () => {
    const emu = await startOrg();
    const ids = Array.from({ length: 1_000 }, () => insertLead(emu, T0));
    const runner = await emulatorRunner(emu);
    const writer = new CollectionsWriter(runner, 200);
    const outcomes: WriteOutcome[] = new Array(ids.length);
    let made = 0;
    let mostUnwritten = 0;
    const work: Work[] = ids.map((id, index) => ({
      index,
      ref: id,
      make: () => {
        made += 1;
        const written = outcomes.filter((o) => o !== undefined).length;
        mostUnwritten = Math.max(mostUnwritten, made - written);
        return { attributes: { type: 'Lead' }, Id: id, Title: '取締役' };
      },
    }));
    const before = counter(emu, 'sf.collections.update');

    await writer.send(work, outcomes, 'test update', updateRequest);

    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(counter(emu, 'sf.collections.update') - before).toBe(5);
    expect(made).toBe(1_000);
    // Two calls at once (the runner's concurrency) of 200 records: the other 600 not yet made.
    expect(runner.concurrency).toBe(2);
    expect(mostUnwritten).toBeLessThanOrEqual(400);
    expect(emu.store.get('Lead', ids[999]!)?.Title).toBe('取締役');
  });
});
