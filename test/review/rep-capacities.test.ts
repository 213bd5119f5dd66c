import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repCapacities } from '../../src/review/rep-capacities.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';

describe('rep capacities for the review', () => {
  it("takes the rep's own daily capacity, else the file's default", () => {
    const file = 'mappings/routing.yaml';
    const caps = repCapacities(parseRoutingConfig(readFileSync(file, 'utf8'), file));
    // routing.yaml: defaults.dailyCapacity 15; u003 has 8 (also manages key accounts).
    expect(caps.get('u001')).toBe(15);
    expect(caps.get('u003')).toBe(8);
    expect(caps.has('nobody')).toBe(false);
  });

  it('no default and no own capacity: no limit (null)', () => {
    const yaml = [
      'version: 1',
      'timeZone: Asia/Tokyo',
      'reps:',
      '  - { key: a1, name: A }',
      '  - { key: a2, name: B, dailyCapacity: 0 }',
      'overflow: { rep: a1 }',
    ].join('\n');
    const caps = repCapacities(parseRoutingConfig(yaml, 'routing.yaml'));
    expect([...caps]).toEqual([
      ['a1', null],
      ['a2', 0],
    ]);
  });
});
