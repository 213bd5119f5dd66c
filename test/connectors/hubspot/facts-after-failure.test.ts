import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFactsCacheFile } from '../../../connectors/hubspot/facts-cache-file.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import type { LeadOutcome } from '../../../src/pipeline/process-leads.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { connect, startPortal } from './harness.ts';
import { addRoutingOwners, syncOptions } from './pipeline-kit.ts';

/**
 * Issue 10, defect 2: a failed deal read must not poison the company facts cache. Five 503s on the
 * v4 associations batch read outlast the runner's retries; that run stops (transient: the failure
 * policy's `retry`) and the next, clean run decides previously-lost leads as lost.
 */

const AS_OF = '2026-09-01T01:00:00.000Z';
const dir = mkdtempSync(join(tmpdir(), 'tossup-hs-facts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Decided = Pick<NonNullable<LeadOutcome['decision']>, 'flag' | 'nextAction' | 'ruleId'>;

function decisions(into: Map<string, Decided>) {
  return (o: LeadOutcome) => {
    if (o.decision)
      into.set(o.leadId, {
        flag: o.decision.flag,
        nextAction: o.decision.nextAction,
        ruleId: o.decision.ruleId,
      });
  };
}

async function portalWithReference() {
  const world = generateWorld({ seed: 11, leads: 150, asOf: AS_OF });
  const clock = new EmulatorClock();
  // 2 s after asOf: open deals are stamped at asOf, and a sync within a second of them would rightly
  // re-decide their companies' contacts in the next run (the account phase's horizon is now - 1 s).
  clock.advance(Date.parse(world.asOf) + 2000 - Date.now());
  const hs = await startPortal({ world, clock });
  addRoutingOwners(hs);
  // What a clean portal decides (no cache, no fault): the reference for every lead.
  const expected = new Map<string, Decided>();
  const control = await runSync({
    ...syncOptions(await connect(hs), new MemoryStateStore(), AS_OF),
    dryRun: true,
    onLead: decisions(expected),
  });
  expect(control.status).toBe('completed');
  const lost = [...expected].filter(([, d]) => d.ruleId === 'previously_lost').map(([id]) => id);
  expect(lost.length).toBeGreaterThan(0);
  return { hs, expected, lost };
}

describe('company facts after a failed deal read', () => {
  it('caches nothing half-read: the clean run after 503s on associations decides lost leads as lost', async () => {
    const { hs, expected, lost } = await portalWithReference();
    const factsCacheFile = join(dir, 'hubspot-facts.json');

    // Run 1: the company→deal association read fails five times in a row (more than the retries).
    hs.app.faults.set([
      { route: 'hs.associations.v4.batch.read', count: 5, fault: { kind: 'status', status: 503 } },
    ]);
    const state = new MemoryStateStore();
    const run1Connector = await connect(hs, { factsCacheFile });
    const run1 = await runSync(syncOptions(run1Connector, state, AS_OF));
    await run1Connector.close();
    expect(hs.app.faults.fired()).toEqual([5]);
    expect(run1.status).toBe('stopped');
    expect(run1.stop).toMatchObject({ kind: 'transient', action: 'retry', code: 'http_503' });
    expect(run1.counts.written).toBe(0);
    expect(hs.store.list('contacts').some((c) => c.props.tossup_flag)).toBe(false);
    // The cache file was saved, with the companies of the failed read left out.
    expect([...readFactsCacheFile(factsCacheFile)].filter((e) => e.kind === 'company')).toEqual([]);

    // Runs 2 and 3, clean, with the same cache file: every decision is the clean portal's.
    hs.app.faults.clear();
    for (const run of [2, 3]) {
      const got = new Map<string, Decided>();
      const connector = await connect(hs, { factsCacheFile });
      const report = await runSync({
        ...syncOptions(connector, run === 2 ? state : new MemoryStateStore(), AS_OF),
        dryRun: run === 3,
        onLead: decisions(got),
      });
      await connector.close();
      expect(report.status).toBe('completed');
      for (const id of lost) expect(got.get(id), `lead ${id} in run ${run}`).toEqual(expected.get(id));
      expect(new Map([...got].sort())).toEqual(new Map([...expected].sort()));
    }
    for (const id of lost) {
      const c = hs.store.get('contacts', id)!;
      expect(c.props.tossup_next_action, `lead ${id}`).toBeTruthy();
    }
  });

  it('reads again the companies a cache file of an earlier version holds without their deals', async () => {
    const { hs, expected, lost } = await portalWithReference();
    const factsCacheFile = join(dir, 'poisoned-facts.json');
    const warm = await connect(hs, { factsCacheFile });
    expect(
      (await runSync({ ...syncOptions(warm, new MemoryStateStore(), AS_OF), dryRun: true })).status,
    ).toBe('completed');
    await warm.close();
    // What the old code saved after a failed association read: companies read, deals "not read" (in
    // the one-document file of that time, version 1).
    const file: Record<string, unknown> & {
      companies: Record<string, unknown>;
      deals: Record<string, unknown>;
    } = { companies: {}, deals: {} };
    for (const e of readFactsCacheFile(factsCacheFile)) {
      if (e.kind === 'head') Object.assign(file, e.head, { version: 1 });
      else if (e.kind === 'company') file.companies[e.id] = { ...(e.value as object), d: null };
      else file.deals[e.id] = e.value;
    }
    expect(Object.keys(file.companies).length).toBeGreaterThan(0);
    writeFileSync(factsCacheFile, JSON.stringify(file));

    const got = new Map<string, Decided>();
    const connector = await connect(hs, { factsCacheFile });
    const report = await runSync({
      ...syncOptions(connector, new MemoryStateStore(), AS_OF),
      dryRun: true,
      onLead: decisions(got),
    });
    expect(report.status).toBe('completed');
    expect(connector.usage().calls['associations.companies-deals.batch.read']).toBeGreaterThan(0);
    for (const id of lost) expect(got.get(id), `lead ${id}`).toEqual(expected.get(id));
  });
});
