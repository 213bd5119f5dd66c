import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedLeadInputs } from '../../bench/support/generated-leads.ts';

describe('samples/leads.jsonl', () => {
  it('is exactly what scripts/gen-samples.ts generates, without e-mail addresses', () => {
    const committed = readFileSync(new URL('../../samples/leads.jsonl', import.meta.url), 'utf8')
      .trim()
      .split('\n');
    const fresh = [...generatedLeadInputs(300, 7, '2026-11-20T09:00:00.000Z')];
    expect(committed).toHaveLength(fresh.length);
    expect(committed.map((l) => JSON.parse(l).id)).toEqual(fresh.map((l) => l.id));
    expect(committed.join('\n')).not.toContain('@');
  });
});
