import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../src/domain/errors.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { SMALL_ROUTING } from './routing-fixtures.ts';

const shippedText = readFileSync('mappings/routing.yaml', 'utf8');

function issuesOf(text: string, crm?: 'salesforce' | 'hubspot'): ConfigIssue[] {
  try {
    parseRoutingConfig(text, 'routing.yaml', crm ? { crm } : undefined);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('the shipped routing.yaml', () => {
  it('is valid for both CRMs', () => {
    const c = parseRoutingConfig(shippedText, 'mappings/routing.yaml', { crm: 'salesforce' });
    parseRoutingConfig(shippedText, 'mappings/routing.yaml', { crm: 'hubspot' });
    expect(c.timeZone).toBe('Asia/Tokyo');
    expect(c.pools.map((p) => p.id)).toContain('fs_kanto');
    expect(c.overflow).toEqual({ queue: 'sales_ops_overflow' });
    expect(c.reps.find((r) => r.key === 'u012')?.active).toBe(false);
  });
});

describe('parseRoutingConfig errors', () => {
  it('points an unknown pool member at its line with a did-you-mean hint', () => {
    const text = SMALL_ROUTING.replace('{ rep: b, weight: 2 }', '{ rep: bb, weight: 2 }');
    const [i] = issuesOf(text);
    expect(i).toMatchObject({
      file: 'routing.yaml',
      line: lineOf(text, 'rep: bb'),
      path: 'pools[0].members[1].rep',
      message: 'unknown rep "bb"',
      hint: 'did you mean "b"?',
    });
  });

  it('reports duplicates, unknown references and unreachable rules together', () => {
    const text = SMALL_ROUTING.replace('{ key: d, name: D', '{ key: a, name: D')
      .replace('pool: is }', 'pool: iss }')
      .replace('territory: kanto }', 'territory: kantou }')
      .replace(
        '  - { id: planning, when: { nextAction: notify_is_sales_planning }, queue: planning }',
        '  - { id: all, queue: planning }',
      );
    const issues = issuesOf(text);
    const messages = issues.map((i) => i.message);
    expect(messages).toContain('rep key "a" is listed twice');
    expect(messages).toContain('unknown pool "iss"');
    expect(messages).toContain('unknown territory "kantou"');
    expect(messages.some((m) => m.startsWith('rules after "all" can never match'))).toBe(true);
    expect(issues.find((i) => i.message === 'unknown pool "iss"')?.hint).toBe('did you mean "is"?');
    expect(issues.every((i) => i.line > 0)).toBe(true);
  });

  it('rejects a typo in a key at the key itself', () => {
    const text = SMALL_ROUTING.replace('{ rep: c, weight: 1 }', '{ rep: c, wieght: 1 }');
    const [i] = issuesOf(text);
    expect(i).toMatchObject({
      path: 'pools[0].members[2].wieght',
      line: lineOf(text, 'wieght'),
      message: 'unknown key "wieght"',
    });
    expect(i?.column).toBe(text.split('\n')[i!.line - 1]!.indexOf('wieght') + 1);
  });

  it('explains wrong ids and values', () => {
    const text = SMALL_ROUTING.replace(
      'salesforceId: "005000000000001AAA"',
      'salesforceId: "00G000000000001AAA"',
    ).replace('{ id: nurture, when: { nextAction: nurture }', '{ id: nurture, when: { nextAction: nurtur }');
    const issues = issuesOf(text);
    expect(issues.find((i) => i.path === 'reps[0].salesforceId')?.message).toContain('starts with "005"');
    expect(issues.find((i) => i.path === 'rules[1].when.nextAction[0]')?.message).toContain(
      'not a next action',
    );
  });

  it('needs an overflow target with exactly one of queue or rep', () => {
    const missing = issuesOf(SMALL_ROUTING.replace('overflow: { queue: overflow }\n', ''));
    expect(missing[0]).toMatchObject({ path: 'overflow', message: '"overflow" is required' });
    const both = issuesOf(
      SMALL_ROUTING.replace('overflow: { queue: overflow }', 'overflow: { queue: overflow, rep: a }'),
    );
    expect(both[0]?.message).toBe('give exactly one of "queue" or "rep"');
    const inactive = issuesOf(
      SMALL_ROUTING.replace('overflow: { queue: overflow }', 'overflow: { rep: gone }'),
    );
    expect(inactive[0]?.message).toBe('overflow rep "gone" is inactive');
  });

  it('rejects a prefecture listed in two territories, however it is spelled', () => {
    const text = SMALL_ROUTING.replace('kansai: [大阪府]', 'kansai: [大阪府, Tokyo]');
    expect(issuesOf(text)[0]).toMatchObject({
      path: 'territories.kansai[1]',
      message: '"Tokyo" is already in territory "kanto"',
    });
  });

  it('with a CRM named, requires that CRM’s id on every rep and queue that can receive leads', () => {
    const text = SMALL_ROUTING.replace(', hubspotOwnerId: "102"', '').replace(', hubspotOwnerId: "903"', '');
    expect(() => parseRoutingConfig(text, 'routing.yaml', { crm: 'salesforce' })).not.toThrow();
    const issues = issuesOf(text, 'hubspot');
    expect(issues.map((i) => i.message)).toEqual([
      'rep "b" has no hubspotOwnerId but receives leads in hubspot',
      'queue "overflow" has no hubspotOwnerId for hubspot',
    ]);
    expect(issues[0]?.line).toBe(lineOf(text, '{ key: b,'));
  });

  it('accepts numeric HubSpot ids and a single value where a list is expected', () => {
    const text = SMALL_ROUTING.replace('hubspotOwnerId: "101"', 'hubspotOwnerId: 101').replace(
      'territory: kanto }',
      'territory: [kanto] }',
    );
    const c = parseRoutingConfig(text, 'routing.yaml');
    expect(c.reps[0]?.hubspotOwnerId).toBe('101');
    expect(c.rules[0]?.when.nextAction).toEqual(['notify_is_sales_planning']);
  });

  it('formats a readable message', () => {
    try {
      parseRoutingConfig(
        SMALL_ROUTING.replace('{ rep: b, weight: 2 }', '{ rep: bb, weight: 2 }'),
        'mappings/routing.yaml',
      );
    } catch (e) {
      expect((e as Error).message).toMatch(
        /^mappings\/routing\.yaml:\d+:\d+ pools\[0\]\.members\[1\]\.rep: unknown rep "bb"\n {2}hint: did you mean "b"\?$/,
      );
      return;
    }
    throw new Error('expected a ConfigError');
  });
});
