import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { unknownInputKeyHint } from '../../src/cli/read-lead-input.ts';

/** What a user meets when a lead file is not what the reader expects: run as a real process. */

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const SJIS = new URL('./fixtures/leads-shift-jis.csv', import.meta.url).pathname;
const AT = '2026-11-21T12:00:00+09:00';
// Each test starts up to four CLI processes; on a loaded 2-core CI box that can take a while.
vi.setConfig({ testTimeout: 90_000 });
const dir = mkdtempSync(join(tmpdir(), 'tossup-lead-files-'));

/** Async, so the processes one test starts run side by side. */
function tossup(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { encoding: 'utf8' }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out, err });
    });
  });
}

function score(file: string, ...extra: string[]) {
  return tossup('score', '--rules', 'large', '--input', file, '--at', AT, ...extra);
}

function decisions(out: string) {
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { id: string; flag: string; scores: { attribute: number } });
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

// The committed fixture is what Excel's "CSV (comma delimited)" writes in Japan: CP932 bytes,
// including the NEC/IBM extensions ㈱, ① and 髙 that plain Shift_JIS lacks.
const UTF8_TEXT = new TextDecoder('shift_jis', { fatal: true }).decode(readFileSync(SJIS));

describe('lead file encodings', () => {
  it('reads the committed fixture as CP932 text (guards the fixture itself)', async () => {
    expect(UTF8_TEXT).toContain('id,会社名,従業員数,役職,都道府県,score');
    expect(UTF8_TEXT).toContain('㈱髙橋ソフト①');
  });

  it('scores a Shift_JIS (CP932) CSV exactly like its UTF-8 copy and says how it was read', async () => {
    const [utf8, sjis] = await Promise.all([score(file('leads-utf8.csv', UTF8_TEXT)), score(SJIS)]);
    expect(utf8.code).toBe(0);
    // A 取締役 at a 1,200-person company in 東京都 with score 120: 30 + 20 + 10 = 60 ≥ 60 → yes.
    expect(decisions(utf8.out).map((d) => [d.id, d.flag, d.scores.attribute])).toEqual([
      ['L-SJ1', 'yes', 60],
      ['L-SJ2', 'no', 15],
    ]);
    expect(sjis.code).toBe(0);
    expect(sjis.out).toBe(utf8.out);
    expect(sjis.err).toContain('read as Shift_JIS (CP932)');
    expect(sjis.err).not.toContain('warning');
  });

  it('reads UTF-8 with a BOM and UTF-16 with a BOM (Excel "Unicode text") the same way', async () => {
    const [plain, withBom, utf16le, utf16be] = await Promise.all([
      score(file('plain.csv', UTF8_TEXT)),
      score(file('bom.csv', `\uFEFF${UTF8_TEXT}`)),
      score(file('utf16le.csv', Buffer.from(`\uFEFF${UTF8_TEXT}`, 'utf16le'))),
      score(file('utf16be.csv', Buffer.from(`\uFEFF${UTF8_TEXT}`, 'utf16le').swap16())),
    ]);
    const utf8 = plain.out;
    expect([withBom.out, utf16le.out, utf16be.out]).toEqual([utf8, utf8, utf8]);
    expect(utf16le.err).toContain('UTF-16LE');
  });

  it('refuses a tab-separated file (Excel "Unicode text") with the fix', async () => {
    const tsv = UTF8_TEXT.replaceAll(',', '\t');
    const r = await score(file('unicode-text.csv', Buffer.from(`\uFEFF${tsv}`, 'utf16le')));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(':1: the columns are separated by tabs, not commas');
  });

  it('refuses text in another encoding with the fix instead of scoring mojibake', async () => {
    // ISO-8859-1 bytes are valid neither as UTF-8 nor as Shift_JIS.
    const r = await score(
      file('latin1.csv', Buffer.from('id,company.name,employees\nL1,Café Ünïçødé,1200\n', 'latin1')),
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('neither UTF-8 nor Shift_JIS');
    expect(r.err).toContain('CSV UTF-8');
  });
});

describe('unknown columns', () => {
  const typos = (name: string) => file(name, 'id,employes,titel,phone\nL1,1200,部長,03-0000-0000\n');

  it('warns about each column that fills no lead field, with a did-you-mean, and still scores', async () => {
    const path = typos('typos.csv');
    const r = await score(path);
    expect(r.code).toBe(0);
    expect(decisions(r.out)).toHaveLength(1);
    expect(r.err).toContain(
      `${path}:1: warning: column "employes" is not a lead field and is ignored; did you mean "employees"?`,
    );
    expect(r.err).toContain('column "titel" is not a lead field and is ignored; did you mean "title"?');
    expect(r.err).toContain('column "phone" is not a lead field');
  });

  it('stops before scoring anything with --strict (score and explain), exit 2', async () => {
    const path = typos('typos-strict.csv');
    const r = await score(path, '--strict');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('did you mean "employees"? (--strict)');
    const x = await tossup('explain', '--rules', 'large', '--input', path, '--at', AT, '--strict');
    expect(x.code).toBe(2);
    expect(x.out).toBe('');
  });

  it('warns once per misspelt JSON key, also inside a section', async () => {
    const path = file(
      'keys.jsonl',
      [
        { id: 'L1', company: { employes: 1200 }, titel: '部長' },
        { id: 'L2', company: { employes: 300 } },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    const r = await score(path);
    expect(r.code).toBe(0);
    expect(r.err.match(/company\.employes/gu)).toHaveLength(1);
    expect(r.err).toContain(
      `${path}:1: warning: key "company.employes" is not a lead field and is ignored; did you mean "company.employees"?`,
    );
    expect(r.err).toContain('key "titel" is not a lead field and is ignored; did you mean "title"?');
  });
});

describe('lead file shapes', () => {
  it('loses only the row with an unclosed quote and names its line', async () => {
    const path = file('quote.csv', 'id,company.name,employees\nL1,"Acme,1200\nL2,Beta,300\nL3,Gamma,400\n');
    const r = await score(path);
    expect(decisions(r.out).map((d) => d.id)).toEqual(['L2', 'L3']);
    expect(r.err).toContain(`${path}:2: skipped: a quoted field opened at column 4 is never closed`);
    expect(r.code).toBe(2);
  });

  it('refuses a JSON array with the hint "one object per line"', async () => {
    const path = file('array.json', '[{"id":"L1"},\n{"id":"L2"}]\n');
    const r = await score(path);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toEqual([
      expect.stringContaining(`${path}:1: the file holds a JSON array`),
    ]);
    expect(r.err).toContain('one JSON object per line');
  });

  it('names an Excel workbook, by extension or by content, with the fix', async () => {
    for (const r of await Promise.all([
      score(file('leads.xlsx', 'anything')),
      score(file('renamed.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]))),
    ])) {
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain('Excel workbook (.xlsx)');
      expect(r.err).toContain('Save As > "CSV UTF-8');
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('says in one line that the file is missing, exit 2 as documented for input problems', async () => {
    const path = join(dir, 'nope.jsonl');
    for (const r of await Promise.all([
      score(path),
      tossup('explain', '--rules', 'large', '--input', path),
    ])) {
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `${path}: no such file; check the path (leads as .jsonl or .csv, or - for JSON Lines on stdin)\n`,
      );
    }
  });

  it('names the file line and column of a JSON error, without echoing the record', async () => {
    const path = file(
      'broken.jsonl',
      [JSON.stringify({ id: 'L1' }), '{"id":"L2","person":{"email":"taro@example.co.jp"},}', 'not json'].join(
        '\n',
      ),
    );
    const r = await score(path);
    expect(r.code).toBe(2);
    expect(decisions(r.out).map((d) => d.id)).toEqual(['L1']);
    expect(r.err).toContain(`${path}:2:52: skipped: not valid JSON: expected double-quoted property name\n`);
    expect(r.err).toContain(`${path}:3: skipped: not valid JSON: unexpected token 'o'\n`);
    expect(r.err).not.toMatch(/line 1 column|taro|not json"/u);
  });
});

describe('score | head', () => {
  it('ends quietly, exit 0, when the reader closes the pipe early', async () => {
    const path = file(
      'many.jsonl',
      Array.from({ length: 20_000 }, (_, i) =>
        JSON.stringify({ id: `L${i}`, employees: 1200, title: '部長' }),
      ).join('\n'),
    );
    const child = spawn(process.execPath, [MAIN, 'score', '--rules', 'large', '--input', path, '--at', AT], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    // Like `head -1`: read the first chunk, then go away.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});

describe('reading from stdin', () => {
  it('still reads JSON Lines from -', async () => {
    const r = spawnSync(process.execPath, [MAIN, 'score', '--rules', 'large', '--input', '-', '--at', AT], {
      input: `${JSON.stringify({ id: 'S1', employees: '1,200名', title: '取締役' })}\n`,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(decisions(r.stdout).map((d) => d.id)).toEqual(['S1']);
  });
});

describe('dropped values', () => {
  // Fit 60 on the large preset; the second inquiry's date does not exist, so it was dropped.
  const inquiryLead = {
    id: 'D1',
    company: { employees: '1,200名', region: '東京都' },
    person: { title: '取締役' },
    activities: [
      { type: 'inquiry', at: '2026-11-18T10:00:00+09:00' },
      { type: 'inquiry', at: '2026-11-31' },
    ],
  };
  const path = file('dropped.jsonl', `${JSON.stringify(inquiryLead)}\n`);

  it('score holds the lead, says why in the reason and carries dataIssues', async () => {
    const r = await score(path);
    expect(r.code).toBe(0);
    const [d] = decisions(r.out) as unknown as Array<Record<string, unknown>>;
    expect(d).toMatchObject({
      flag: 'hold',
      reasons: [
        { code: 'data_issue', message: '行動履歴「2026-11-31」を読み取れないため保留' },
        { code: 'score.behaviour.not_met' },
      ],
      dataIssues: [{ field: 'activities[1].at', raw: '2026-11-31', problem: 'out_of_range' }],
    });
  });

  it('explain lists the data issues and which one the decision depends on', async () => {
    const r = await tossup('explain', '--rules', 'large', '--input', path, '--at', AT);
    expect(r.code).toBe(0);
    expect(r.out).toContain('decision: hold → inside_sales_hearing');
    expect(r.out).toContain(
      '  ! activities[1].at "2026-11-31" out_of_range  ← the decision depends on it: held',
    );
  });
});

describe('Function: unknownInputKeyHint', () => {
  it('suggests the intended name, within the section for a nested key', () => {
    expect(unknownInputKeyHint('employes')).toBe('did you mean "employees"?');
    expect(unknownInputKeyHint('company.employes')).toBe('did you mean "company.employees"?');
    expect(unknownInputKeyHint('従業員')).toBe('did you mean "従業員数"?');
    expect(unknownInputKeyHint('phone')).toContain('docs/lead-model.md');
  });
});
