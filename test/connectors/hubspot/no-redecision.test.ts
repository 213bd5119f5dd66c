import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { FileRecheckStore } from '../../../src/state/file-recheck-store.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { connect, startPortal } from './harness.ts';
import { addRoutingOwners, syncOptions } from './pipeline-kit.ts';

// No re-decision without new rule input (src/pipeline/decision-inputs.ts): HubSpot's search cannot
// leave out the contacts our own run wrote, so the next run reads them again — and, their decision
// inputs as it left them, decides none of them. A person's edit of a property no rule reads (a name,
// a property the mapping does not read) is read and not decided either; one a rule reads is decided.

const AS_OF = '2026-09-01T01:00:00.000Z';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('HubSpot: no re-decision when the decision inputs are as last decided', () => {
  it('our own writes read back are not decided again; only a rule-read change is', async () => {
    const world = generateWorld({ seed: 11, leads: 120, asOf: AS_OF });
    const clock = new EmulatorClock();
    clock.advance(Date.parse(world.asOf) + 2000 - Date.now());
    const hs = await startPortal({ world, clock });
    addRoutingOwners(hs);
    const dir = mkdtempSync(join(tmpdir(), 'tossup-no-redecide-hs-'));
    dirs.push(dir);
    const state = new MemoryStateStore();
    const rechecks = new FileRecheckStore(dir);
    const sync = async () =>
      runSync(syncOptions(await connect(hs, { pageSize: 200 }), state, AS_OF, { rechecks }));

    const first = await sync();
    expect(first.status).toBe('completed');
    expect(first.counts.written).toBeGreaterThan(0);

    // The next run reads every contact the first one wrote and decides none of them (a manual
    // toss-up request's quota month is an input too, the same within the month).
    hs.clock.advance(60_000);
    const updatesBefore = hs.app.counters.get('hs.contacts.batch.update') ?? 0;
    const requested = hs.store.list('contacts').filter((c) => c.props.sales_tossup_request === 'true');
    expect(requested.length, 'the world has manual requests').toBeGreaterThan(0);
    const second = await sync();
    expect(second.counts.leadsRead).toBe(first.counts.written);
    expect(second.counts.inputsUnchanged).toBe(second.counts.leadsRead);
    expect(second.counts.written).toBe(0);
    expect(hs.app.counters.get('hs.contacts.batch.update') ?? 0).toBe(updatesBefore);

    // A person renames one contact, fills a property the mapping does not read on another, and
    // changes the job title (a rule input) of a third.
    const [renamed, unread, retitled] = hs.store.list('contacts').map((c) => c.id);
    hs.clock.advance(1_000);
    hs.store.update('contacts', renamed!, { firstname: '花子' });
    hs.store.update('contacts', unread!, { website: 'https://example.com/about' });
    hs.store.update('contacts', retitled!, { jobtitle: '代表取締役社長' });
    hs.clock.advance(60_000);
    const third = await sync();
    expect(third.counts.leadsRead).toBe(3);
    expect(third.counts.inputsUnchanged).toBe(2);
    expect(third.counts.leadsRead - (third.counts.inputsUnchanged ?? 0)).toBe(1);
  });
});
