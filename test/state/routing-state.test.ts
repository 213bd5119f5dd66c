import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DryRunRoutingState } from '../../src/pipeline/dry-run-routing-state.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { route } from '../../src/routing/route.ts';
import { decide } from '../../src/scoring/decide.ts';
import { FileRoutingState } from '../../src/state/file-routing-state.ts';
import { hotLead, NOW, routing, rules } from '../pipeline/pipeline-fixtures.ts';
import { describeRoutingStateContract } from './routing-state.contract.ts';
import { testClock } from './state-store.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-routing-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeRoutingStateContract('MemoryRoutingState', () => new MemoryRoutingState());
describeRoutingStateContract('FileRoutingState', () => new FileRoutingState(join(root, `r${++n}`)));
describeRoutingStateContract('DryRunRoutingState', () => new DryRunRoutingState(new MemoryRoutingState()));

describe('FileRoutingState', () => {
  it('gives a retried toss-up the same owner from another process instance, counting it once', async () => {
    const dir = join(root, 'retry');
    const lead = hotLead('R1');
    const decision = decide(lead, rules, new Date(NOW));
    const req = { decision, lead, crm: 'salesforce' as const, config: routing, decisionKey: 'tu_x' };
    const first = await route({ ...req, state: new FileRoutingState(dir) });
    const retry = await route({ ...req, state: new FileRoutingState(dir) });
    expect(retry).toEqual(first);
    const counts = await new FileRoutingState(dir).dailyCounts(first.businessDate);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('forgets assignments and counts after the retention period', async () => {
    const clock = testClock();
    const s = new FileRoutingState(join(root, 'retention'), { clock, retentionDays: 1 });
    await s.putAssignment(
      'a',
      { ownerId: 'u', ownerKind: 'user', via: 'pool', businessDate: '2026-11-24' },
      null,
    );
    await s.reserveSlot('u1', '2026-11-24', null);
    clock.advance(86_400_000);
    expect(await s.getAssignment('a')).toBeNull();
    expect(await s.getDailyCount('u1', '2026-11-24')).toBe(0);
  });
});

describe('DryRunRoutingState', () => {
  it('sees what real runs recorded but never changes it', async () => {
    const base = new MemoryRoutingState();
    await base.putAssignment(
      'a',
      { ownerId: 'u1', ownerKind: 'user', via: 'pool', businessDate: '2026-11-24' },
      null,
    );
    await base.reserveSlot('u1', '2026-11-24', null);
    const dry = new DryRunRoutingState(base);
    expect(await dry.getAssignment('a')).toMatchObject({ version: 1 });
    expect(await dry.reserveSlot('u1', '2026-11-24', 2)).toBe(true);
    expect(await dry.reserveSlot('u1', '2026-11-24', 2)).toBe(false);
    await dry.putAssignment(
      'a',
      { ownerId: 'u2', ownerKind: 'user', via: 'pool', businessDate: '2026-11-24' },
      1,
    );
    expect(await dry.getAssignment('a')).toMatchObject({ version: 2, result: { ownerId: 'u2' } });
    expect(await base.getAssignment('a')).toMatchObject({ version: 1, result: { ownerId: 'u1' } });
    expect(await base.getDailyCount('u1', '2026-11-24')).toBe(1);
  });
});
