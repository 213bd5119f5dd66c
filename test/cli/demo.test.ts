import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedLeadInputs } from '../../bench/support/generated-leads.ts';

describe('npm start (tossup demo)', () => {
  it('decides all 300 sample leads under each preset and prints a summary', () => {
    const r = spawnSync(
      process.execPath,
      [new URL('../../src/cli/main.ts', import.meta.url).pathname, 'demo'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    const presets = [...r.stdout.matchAll(/■ (\w+): はい (\d+) \/ いいえ (\d+) \/ 一時保留 (\d+)/g)];
    expect(presets.map((m) => m[1])).toEqual(['small', 'mid', 'large']);
    for (const m of presets) expect(Number(m[2]) + Number(m[3]) + Number(m[4])).toBe(300);
    // Every preset tosses some leads up and holds back most: a demo where everything is "yes" shows nothing.
    for (const m of presets) expect(Number(m[2])).toBeGreaterThan(0);
  });

  it('ships samples/leads.jsonl exactly as scripts/gen-samples.ts generates it', () => {
    const committed = readFileSync(new URL('../../samples/leads.jsonl', import.meta.url), 'utf8')
      .trim()
      .split('\n');
    const fresh = [...generatedLeadInputs(300, 7, '2026-11-20T09:00:00.000Z')];
    expect(committed).toHaveLength(fresh.length);
    expect(JSON.parse(committed[42]!).id).toBe(fresh[42]!.id);
    expect(committed.join('\n')).not.toContain('@');
  });
});
