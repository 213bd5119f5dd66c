import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.ts';
import type { RouteResult, RoutingState } from '../../src/ports/routing-state.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { type RouteRequest, route } from '../../src/routing/route.ts';
import type { RoutingConfig } from '../../src/routing/routing-config.ts';
import { createBusinessCalendar } from '../../src/sla/business-calendar.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';
import { makeDecision, makeLead, smallConfig, withPoolMembers } from './routing-fixtures.ts';

const config = smallConfig();
const MONDAY = '2026-03-09';

function req(id: string, over: Partial<RouteRequest> = {}, company = {}): RouteRequest {
  return {
    decision: makeDecision(id),
    lead: makeLead(id, company),
    crm: 'salesforce',
    config,
    state: new MemoryRoutingState(),
    ...over,
  };
}

function withRep(
  c: RoutingConfig,
  key: string,
  patch: Partial<RoutingConfig['reps'][number]>,
): RoutingConfig {
  return { ...c, reps: c.reps.map((r) => (r.key === key ? { ...r, ...patch } : r)) };
}

describe('pool routing', () => {
  it('returns the CRM id of the chosen rep for each CRM, and records the business date', async () => {
    const sf = await route(req('L1'));
    expect(sf).toMatchObject({
      ownerKind: 'user',
      via: 'pool',
      poolId: 'fs',
      ruleId: 'fs-kanto',
      businessDate: MONDAY,
    });
    const rep = config.reps.find((r) => r.key === sf.ownerKey);
    expect(sf.ownerId).toBe(rep?.salesforceId);
    const hs = await route(req('L1', { crm: 'hubspot' }));
    expect(hs.ownerKey).toBe(sf.ownerKey); // same lead, same rep in either CRM
    expect(hs.ownerId).toBe(rep?.hubspotOwnerId);
    const file = await route(req('L1', { crm: 'file' }));
    expect(file.ownerId).toBe(sf.ownerKey);
  });

  it('respects daily capacity, spills over in the lead’s order, then overflows when all are full', async () => {
    const capped: RoutingConfig = { ...config, defaults: { dailyCapacity: 2 } };
    const state = new MemoryRoutingState();
    const results: RouteResult[] = [];
    for (let i = 0; i < 8; i++) results.push(await route(req(`cap-${i}`, { config: capped, state })));
    const pooled = results.filter((r) => r.via === 'pool');
    expect(pooled).toHaveLength(6);
    expect(state.dailyCounts(MONDAY)).toEqual({ a: 2, b: 2, c: 2 });
    expect(results.some((r) => r.note?.startsWith('spilled over from'))).toBe(true);
    const over = results.filter((r) => r.via === 'overflow');
    expect(over).toHaveLength(2);
    expect(over[0]).toMatchObject({
      ownerKind: 'queue',
      ownerKey: 'overflow',
      ownerId: '00G000000000003AAA',
      poolId: 'fs',
    });
    expect(over[0]?.note).toContain('all 3 available members of pool fs are at daily capacity');
  });

  it('starts a new count on the next business date', async () => {
    const capped: RoutingConfig = { ...config, defaults: { dailyCapacity: 1 } };
    const state = new MemoryRoutingState();
    for (let i = 0; i < 3; i++) await route(req(`d1-${i}`, { config: capped, state }));
    const full = await route(req('d1-x', { config: capped, state }));
    expect(full.via).toBe('overflow');
    const tuesday = makeDecision('d2-x', 'field_sales_tossup', undefined, '2026-03-10T01:00:00Z');
    const next = await route({ ...req('d2-x', { config: capped, state }), decision: tuesday });
    expect(next).toMatchObject({ via: 'pool', businessDate: '2026-03-10' });
  });

  it('counts against the business date it is given (e.g. the SLA calendar’s next working day)', async () => {
    const state = new MemoryRoutingState();
    const r = await route(req('weekend', { state, businessDate: '2026-03-09' }));
    expect(r.businessDate).toBe('2026-03-09');
    expect(await state.getDailyCount(r.ownerKey ?? '', '2026-03-09')).toBe(1);
  });

  it('counts a Saturday lead against Monday when given the SLA business calendar', async () => {
    const state = new MemoryRoutingState();
    const saturday = makeDecision('sat', 'field_sales_tossup', undefined, '2026-03-07T05:00:00Z');
    const calendar = createBusinessCalendar(defaultSlaConfig());
    const r = await route({ ...req('sat', { state, calendar }), decision: saturday });
    expect(r.businessDate).toBe('2026-03-09');
    const plain = await route({ ...req('sat', { state: new MemoryRoutingState() }), decision: saturday });
    expect(plain.businessDate).toBe('2026-03-07');
  });

  it('uses a pool member’s own capacity over the rep’s and the default, and treats null as no limit', async () => {
    let c = withPoolMembers({ ...config, defaults: { dailyCapacity: 0 } }, 'fs', [
      { rep: 'a', weight: 1, dailyCapacity: null },
    ]);
    c = withRep(c, 'a', { dailyCapacity: 0 });
    const state = new MemoryRoutingState();
    for (let i = 0; i < 5; i++)
      expect((await route(req(`nolimit-${i}`, { config: c, state }))).via).toBe('pool');
  });

  it('sends the same lead, retried the same day, to the same rep without counting it twice', async () => {
    const capped: RoutingConfig = { ...config, defaults: { dailyCapacity: 1 } };
    const state = new MemoryRoutingState();
    const first = await route(req('retry-me', { config: capped, state }));
    // Fill everyone else so that a fresh route would have to go elsewhere.
    for (let i = 0; i < 4; i++) await route(req(`filler-${i}`, { config: capped, state }));
    const again = await route(req('retry-me', { config: capped, state }));
    expect(again).toEqual(first);
    expect(await state.getDailyCount(first.ownerKey ?? '', MONDAY)).toBe(1);
  });

  it('gives one answer to two concurrent routes of the same lead and counts it once', async () => {
    const state = new MemoryRoutingState();
    const [x, y] = await Promise.all([route(req('race', { state })), route(req('race', { state }))]);
    expect(x).toEqual(y);
    const total = Object.values(state.dailyCounts(MONDAY)).reduce((s, n) => s + n, 0);
    expect(total).toBe(1);
  });

  it('routes a new decision for the same lead afresh (different decision key)', async () => {
    const state = new MemoryRoutingState();
    const fs = await route(req('L9', { state }));
    const is = await route({
      ...req('L9', { state }),
      decision: makeDecision('L9', 'inside_sales_follow_up'),
    });
    expect(fs.poolId).toBe('fs');
    expect(is.poolId).toBe('is');
  });

  it('skips inactive reps and reps away on that date', async () => {
    const onlyInactive = withPoolMembers(config, 'fs', [
      { rep: 'gone', weight: 9 },
      { rep: 'c', weight: 1 },
    ]);
    for (let i = 0; i < 20; i++)
      expect((await route(req(`in-${i}`, { config: onlyInactive }))).ownerKey).toBe('c');
    const away = withRep(config, 'a', { away: [{ from: '2026-03-09', to: '2026-03-13' }] });
    const keys = new Set<string>();
    for (let i = 0; i < 50; i++) keys.add((await route(req(`away-${i}`, { config: away }))).ownerKey ?? '');
    expect(keys.has('a')).toBe(false);
    expect(keys).toEqual(new Set(['b', 'c']));
    const later = makeDecision('back', 'field_sales_tossup', undefined, '2026-03-16T01:00:00Z');
    const backKeys = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const d = { ...later, leadId: `back-${i}` };
      backKeys.add((await route({ ...req(`back-${i}`, { config: away }), decision: d })).ownerKey ?? '');
    }
    expect(backKeys.has('a')).toBe(true);
  });

  it('overflows with a note when nobody in the pool is available', async () => {
    const c = withPoolMembers(config, 'fs', [{ rep: 'gone', weight: 1 }]);
    const r = await route(req('nobody', { config: c }));
    expect(r).toMatchObject({ via: 'overflow', ownerKey: 'overflow', ownerKind: 'queue' });
    expect(r.note).toContain('no member of pool fs is available today');
  });

  it('prefers the pool’s own overflow target over the file’s', async () => {
    const c: RoutingConfig = {
      ...config,
      defaults: { dailyCapacity: 0 },
      pools: config.pools.map((p) => (p.id === 'fs' ? { ...p, overflow: { rep: 'd' } } : p)),
    };
    const state = new MemoryRoutingState();
    const r = await route(req('pool-overflow', { config: c, state }));
    expect(r).toMatchObject({
      via: 'overflow',
      ownerKind: 'user',
      ownerKey: 'd',
      ownerId: '005000000000004AAA',
    });
    expect(await state.getDailyCount('d', MONDAY)).toBe(1);
  });

  it('overflows with a note when no rule matches', async () => {
    const r = await route(req('osaka-lead', {}, { region: '大阪府' }));
    expect(r.via).toBe('overflow');
    expect(r.note).toContain('no routing rule matched (next action field_sales_tossup, territory kansai');
  });
});

describe('rule matching', () => {
  it('maps prefectures to territories however the CRM spells them', async () => {
    for (const region of ['東京都', '東京', 'Tokyo', 'tokyo-to', 'ＴＯＫＹＯ', ' 神奈川 ']) {
      expect((await route(req(`r-${region}`, {}, { region }))).poolId, region).toBe('fs');
    }
    for (const region of [null, '', 'Hokkaido', 'Singapore']) {
      expect((await route(req(`r-${region}`, {}, { region }))).via, String(region)).toBe('overflow');
    }
  });

  it('sends inside_sales_* to the IS pool, strategic review and nurture to queues', async () => {
    const is = await route({ ...req('n1'), decision: makeDecision('n1', 'inside_sales_hearing') });
    expect(is).toMatchObject({ via: 'pool', poolId: 'is', ownerKey: 'i1' });
    const planning = await route({ ...req('n2'), decision: makeDecision('n2', 'notify_is_sales_planning') });
    expect(planning).toMatchObject({
      via: 'queue',
      ownerKind: 'queue',
      ownerId: '00G000000000001AAA',
      ruleId: 'planning',
    });
    const nurture = await route({
      ...req('n3', { crm: 'hubspot' }),
      decision: makeDecision('n3', 'nurture'),
    });
    expect(nurture).toMatchObject({
      via: 'queue',
      ownerKind: 'queue',
      ownerId: '902',
      ownerKey: 'marketing',
    });
  });

  it('matches on segment, industry and priority', async () => {
    const c: RoutingConfig = {
      ...config,
      rules: [
        {
          id: 'big',
          when: { segment: ['enterprise'], industry: ['Finance'], priority: ['high'] },
          queue: 'planning',
        },
        ...config.rules,
      ],
    };
    const big = await route(req('big', { config: c }, { employees: 5000, industry: 'finance' }));
    expect(big.ruleId).toBe('big');
    const small = await route(req('small', { config: c }, { employees: 50, industry: 'finance' }));
    expect(small.ruleId).toBe('fs-kanto');
    const blank = await route(req('blank', { config: c }, { employees: null, industry: 'finance' }));
    expect(blank.ruleId).toBe('fs-kanto');
  });
});

describe('decided owners', () => {
  it('gives an existing customer to the account owner and counts it', async () => {
    const state = new MemoryRoutingState();
    const d = makeDecision('acc', 'field_sales_tossup', { kind: 'account_owner', id: '005000000000002AAA' });
    const r = await route({ ...req('acc', { state }), decision: d });
    expect(r).toEqual({
      ownerId: '005000000000002AAA',
      ownerKind: 'user',
      via: 'account_owner',
      ownerKey: 'b',
      businessDate: MONDAY,
    });
    expect(await state.getDailyCount('b', MONDAY)).toBe(1);
  });

  it('matches a 15-character Salesforce id to the 18-character id in the config', async () => {
    const d = makeDecision('acc15', 'field_sales_tossup', { kind: 'account_owner', id: '005000000000002' });
    expect((await route({ ...req('acc15'), decision: d })).ownerKey).toBe('b');
  });

  it('is not refused for capacity: the account relationship wins', async () => {
    const capped: RoutingConfig = { ...config, defaults: { dailyCapacity: 0 } };
    const d = makeDecision('acc-full', 'field_sales_tossup', {
      kind: 'account_owner',
      id: '005000000000001AAA',
    });
    expect((await route({ ...req('acc-full', { config: capped }), decision: d })).via).toBe('account_owner');
  });

  it('falls back to the pool, saying so, when the account owner is inactive', async () => {
    const d = makeDecision('acc-gone', 'field_sales_tossup', {
      kind: 'account_owner',
      id: '005000000000099AAA',
    });
    const r = await route({ ...req('acc-gone'), decision: d });
    expect(r).toMatchObject({ via: 'fallback', poolId: 'fs', ruleId: 'fs-kanto', ownerKind: 'user' });
    expect(['a', 'b', 'c']).toContain(r.ownerKey);
    expect(r.note).toBe('account owner gone is inactive; routed via pool fs');
  });

  it('falls back when the account owner is away, and reports overflow if the pool is full too', async () => {
    const c: RoutingConfig = {
      ...withRep(config, 'b', { away: [{ from: MONDAY, to: MONDAY }] }),
      defaults: { dailyCapacity: 0 },
    };
    const d = makeDecision('acc-away', 'field_sales_tossup', {
      kind: 'account_owner',
      id: '005000000000002AAA',
    });
    const r = await route({ ...req('acc-away', { config: c }), decision: d });
    expect(r.via).toBe('overflow');
    expect(r.note).toMatch(
      /^account owner b is away; all 2 available members of pool fs are at daily capacity/,
    );
  });

  it('trusts an account owner who is not listed in routing.yaml', async () => {
    const d = makeDecision('acc-x', 'field_sales_tossup', {
      kind: 'account_owner',
      id: '005000000000777AAA',
    });
    const r = await route({ ...req('acc-x'), decision: d });
    expect(r).toEqual({
      ownerId: '005000000000777AAA',
      ownerKind: 'user',
      via: 'account_owner',
      businessDate: MONDAY,
    });
  });

  it('gives a manual toss-up to the requester (HubSpot owner id), or falls back if inactive', async () => {
    const ok = makeDecision('rq', 'field_sales_tossup', { kind: 'requester', id: '103' });
    expect(await route({ ...req('rq', { crm: 'hubspot' }), decision: ok })).toMatchObject({
      via: 'requester',
      ownerKey: 'c',
      ownerId: '103',
    });
    const gone = makeDecision('rq2', 'field_sales_tossup', { kind: 'requester', id: '199' });
    const r = await route({ ...req('rq2', { crm: 'hubspot' }), decision: gone });
    expect(r.via).toBe('fallback');
    expect(r.note).toContain('requester gone is inactive');
  });

  it('sends a queue decision to the queue’s CRM id, and falls back on an unknown queue', async () => {
    const d = makeDecision('q1', 'notify_is_sales_planning', { kind: 'queue', queue: 'planning' });
    expect(await route({ ...req('q1'), decision: d })).toMatchObject({
      via: 'queue',
      ownerId: '00G000000000001AAA',
      ownerKind: 'queue',
    });
    const bad = makeDecision('q2', 'field_sales_tossup', { kind: 'queue', queue: 'planing' });
    const r = await route({ ...req('q2'), decision: bad });
    expect(r.via).toBe('fallback');
    expect(r.note).toContain('queue "planing" is not in routing.yaml');
  });
});

describe('recorded assignments', () => {
  it('routes again, saying why, when the recorded rep has since become inactive', async () => {
    const state = new MemoryRoutingState();
    const first = await route(req('moved', { state }));
    const without = withRep(config, first.ownerKey ?? '', { active: false });
    const again = await route(req('moved', { state, config: without }));
    expect(again.ownerKey).not.toBe(first.ownerKey);
    expect(again.note).toContain(`previously assigned rep ${first.ownerKey} is inactive`);
    // …and the new answer is the one recorded for further retries.
    expect(await route(req('moved', { state, config: without }))).toEqual(again);
  });

  it('gives back the slot when another run recorded a different owner first', async () => {
    const inner = new MemoryRoutingState();
    const winner: RouteResult = { ownerId: 'X', ownerKind: 'user', via: 'pool', businessDate: MONDAY };
    // A state whose first read misses, as if another process wrote between our read and write.
    const racy: RoutingState = {
      getAssignment: async () => null,
      putAssignment: async (key) => {
        await inner.putAssignment(key, winner, null);
        return inner.putAssignment(key, { ...winner, ownerId: 'ignored' }, null);
      },
      getDailyCount: (k, d) => inner.getDailyCount(k, d),
      reserveSlot: (k, d, c) => inner.reserveSlot(k, d, c),
      releaseSlot: (k, d) => inner.releaseSlot(k, d),
    };
    const r = await route(req('lost-race', { state: racy }));
    expect(r).toEqual(winner);
    expect(inner.dailyCounts(MONDAY)).toEqual({});
  });

  it('rejects a decision for another lead', async () => {
    await expect(route({ ...req('A'), decision: makeDecision('B') })).rejects.toThrow(
      /decision is for lead B/,
    );
  });

  it('raises a ConfigError when the overflow owner has no id for the CRM', async () => {
    const c: RoutingConfig = {
      ...config,
      queues: config.queues.map((q) => (q.key === 'overflow' ? { key: q.key, name: q.name } : q)),
    };
    await expect(route(req('no-id', { config: c }, { region: null }))).rejects.toBeInstanceOf(ConfigError);
  });
});
