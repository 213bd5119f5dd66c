import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ruleSetJsonSchema } from '../../src/config/rule-set-json-schema.ts';

describe('rule-set JSON Schema', () => {
  it('is committed exactly as generated from the zod schema (run scripts/gen-rule-schema.ts after changing it)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../mappings/schema/rule-set.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(ruleSetJsonSchema())));
  });

  it('offers fact names and flags for completion', () => {
    const text = JSON.stringify(ruleSetJsonSchema());
    expect(text).toContain('"score.behaviour"');
    expect(text).toContain('"hearing.timelineMonths"');
    expect(text).toMatch(/"enum":\["yes","no","hold"\]/);
  });

  it('is referenced by every shipped preset so editors pick it up', () => {
    for (const p of ['small', 'mid', 'large']) {
      const head = readFileSync(new URL(`../../mappings/rules/${p}.yaml`, import.meta.url), 'utf8').split(
        '\n',
      )[0];
      expect(head).toBe('# yaml-language-server: $schema=../schema/rule-set.schema.json');
    }
  });
});
