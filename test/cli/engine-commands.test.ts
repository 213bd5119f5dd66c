import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tossup-cli-'));

function tossup(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const leads = join(dir, 'leads.jsonl');
writeFileSync(
  leads,
  [
    JSON.stringify({
      id: 'L1',
      company: { name: '山田工業', employees: '1,200名', industry: 'manufacturing', region: '東京都' },
      person: { title: '取締役 営業本部長', department: '情報システム部' },
      behaviour_score: 80,
    }),
    'not json',
    JSON.stringify({ id: 'L2', company: { employees: '多数' }, person: { title: '部長' } }),
  ].join('\n'),
);

describe('tossup score', () => {
  it('streams one JSON decision per lead, reports unreadable lines with their number and exits 2', () => {
    const r = tossup('score', '--rules', 'large', '--input', leads, '--at', '2026-11-21T12:00:00+09:00');
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.flag])).toEqual([
      ['L1', 'yes'],
      ['L2', 'no'],
    ]);
    expect(lines[0]).toMatchObject({
      scores: { attribute: 85, behaviour: 80 },
      nextAction: 'field_sales_tossup',
      reasons: [
        { code: 'score.attribute.met', message: '属性スコア 85 ≥ 基準 60 (1,200名・役員・製造)' },
        { code: 'score.behaviour.met', message: '行動スコア 80 ≥ 基準 40' },
      ],
    });
    expect(r.err).toContain(`${leads}:2: skipped: not valid JSON`);
    expect(r.code).toBe(2);
  });

  it('renders English reasons on request', () => {
    const r = tossup(
      'score',
      '--rules',
      'large',
      '--input',
      leads,
      '--at',
      '2026-11-21T12:00:00+09:00',
      '--locale',
      'en',
    );
    expect(JSON.parse(r.out.split('\n')[0]!).reasons[0].message).toBe(
      'Fit score 85 ≥ threshold 60 (1,200 employees, VP/Officer, manufacturing)',
    );
  });

  it('refuses a time without an offset', () => {
    const r = tossup('score', '--rules', 'large', '--input', leads, '--at', '2026-11-21 12:00');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/not an ISO time with an offset/);
  });
});

describe('tossup explain', () => {
  it('lists every rule with each condition and marks the deciding one', () => {
    const r = tossup(
      'explain',
      '--rules',
      'large',
      '--input',
      leads,
      '--id',
      'L1',
      '--at',
      '2026-11-21T12:00:00+09:00',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('▶ ✓ auto_tossup');
    expect(r.out).toContain('✗ company.existingCustomer eq true  (value: false)');
    expect(r.out).toMatch(/company_size\s+\+30/);
  });
});

describe('tossup validate', () => {
  it('accepts the presets', () => {
    const r = tossup('validate', 'small', 'mid', 'large');
    expect(r.code).toBe(0);
    expect(r.out).toContain('large: ok');
  });

  it('exits 2 with file:line, path and hint for a broken file, without a stack trace', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'version: 1\nname: bad\notherwise: { flag: no, nextAction: nurture }\nrules:\n  - { id: r, when: { fact: score.behavior, op: gte, value: 1 }, flag: yes, nextAction: nurture }\n',
    );
    const r = tossup('validate', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(':5:');
    expect(r.err).toContain('rules[0].when.fact: unknown fact "score.behavior"');
    expect(r.err).toContain('hint: did you mean "score.behaviour"? (use one of:');
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('tossup rules doc', () => {
  it('renders a preset as Markdown and as standalone HTML', () => {
    const md = tossup('rules', 'doc', 'large');
    expect(md.out).toContain(
      '| 5. 属性スコア60以上 かつ 行動スコア40以上で自動トスアップ(通知あり) | 属性スコア ≥ 60 かつ 行動スコア ≥ 40 | はい → フィールドセールスへトスアップ |  |',
    );
    const html = tossup('rules', 'doc', 'mid', '--format', 'html', '--locale', 'en');
    expect(html.out.startsWith('<!doctype html>')).toBe(true);
    expect(html.out).toContain('Behaviour score ≥ 100');
    // Sales read values and words, not the rule file's keys and raw numbers.
    for (const raw of ['company.existingCustomer', 'is_sales_planning', '10,000,000,000', '(threshold'])
      expect(md.out + html.out).not.toContain(raw);
    expect(md.out).toContain('既存顧客');
    expect(md.out).toContain('IS/営業企画');
    expect(md.out).toContain('100億円');
  });
});
