import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { type CliResult, runCli } from '../support/cli-child.ts';
import { RECORDS } from './review-fixture.ts';

/** `tossup review` as a real child process over the hand-made ledger of review-fixture.ts. */
let stateDir: string;
beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'tossup-review-'));
  await new FileLedger(stateDir).append(RECORDS);
});

const AT = '2026-12-01T10:00:00+09:00';
const review = (args: string[]): Promise<CliResult> =>
  runCli(['review', '--state-dir', stateDir, '--at', AT, ...args], {});

/** One CSV line's fields (RFC 4180: quoted fields may hold commas and doubled quotes). */
function fields(line: string): string[] {
  return [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) =>
    m[1] !== undefined ? m[1].replaceAll('""', '"') : (m[2] ?? ''),
  );
}

/** The CSV's blocks by section id: title, header line and rows. */
function csvBlocks(csv: string): Map<string, { title: string; header: string[]; rows: string[][] }> {
  const blocks = new Map<string, { title: string; header: string[]; rows: string[][] }>();
  for (const block of csv.replace(/^\uFEFF/, '').split('\r\n\r\n')) {
    const [first, header, ...rows] = block.split('\r\n').filter((l) => l !== '');
    if (!first?.startsWith('# ') || header === undefined) continue;
    const [id, title] = fields(first.slice(2));
    blocks.set(id ?? '', { title: title ?? '', header: fields(header), rows: rows.map(fields) });
  }
  return blocks;
}

describe('tossup review (child process)', () => {
  it('--month as CSV: a UTF-8 BOM, CRLF, one block per section with numbers as numbers', async () => {
    const r = await review(['--month', '2026-11', '--format', 'csv', '--locale', 'en']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(
      r.out.startsWith(
        '\uFEFFperiod,month,2026-11,2026-10-31T15:00:00.000Z,2026-11-30T15:00:00.000Z,Asia/Tokyo\r\n',
      ),
    ).toBe(true);
    expect(r.out).not.toMatch(/[^\r]\n/);
    const blocks = csvBlocks(r.out);
    expect([...blocks.keys()]).toEqual([
      'summary',
      'open_tossups',
      'response_by_rep',
      'response_by_next_action',
      'escalations',
      'rates_by_reason',
      'rates_by_rule',
      'rates_by_campaign',
      'rates_by_source',
      'rates_by_rep',
      'score_grid',
      'sent_back_reasons',
      'lost_reasons',
      'missed',
      'noise',
      'load',
    ]);
    expect(blocks.get('summary')?.rows).toEqual([['12', '11', '7', '3', '2', '7']]);
    const byRep = blocks.get('response_by_rep');
    expect(byRep?.header).toEqual([
      'Rep',
      'Toss-ups',
      'Answered',
      'On time',
      'Late',
      'Unanswered, past due',
      'Not due yet',
      'On-time rate',
      'First response p50 (h)',
      'First response p90 (h)',
    ]);
    // Rates as fractions (2 of 3 rounded to 6 places), hours as numbers.
    expect(byRep?.rows).toEqual([
      ['u001', '5', '3', '2', '1', '1', '1', '0.5', '4', '18'],
      ['u002', '3', '2', '2', '0', '1', '0', '0.666667', '1', '6'],
      // Unknown rate and times are empty cells.
      ['u004', '1', '0', '0', '0', '0', '1', '', '', ''],
    ]);
    // Every row has as many cells as its header.
    for (const b of blocks.values()) for (const row of b.rows) expect(row).toHaveLength(b.header.length);
    // Without the outcome store, the missed list is the ledger's: L7 (override), L6 (late), L12 (checked).
    expect(blocks.get('missed')?.rows.map((row) => row[2])).toEqual(['L7', 'L6', 'L12']);
  });

  it('--week with a date, Japanese Markdown on the terminal; the week leads with the follow-up', async () => {
    const r = await review(['--week', '2026-11-03']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('# トスアップ レビュー — 週次 2026-W45');
    expect(r.out).toContain('2026-11-01T15:00:00.000Z – 2026-11-08T15:00:00.000Z');
    expect(r.out.indexOf('## 週次フォロー状況')).toBeLessThan(r.out.indexOf('## 月次 精度レビュー'));
    // Handed off that week: E1 E2 (u001), E3 E4 (u002).
    expect(r.out).toMatch(/\| u001 \| 2 \| 2 \| 1 \| 1 \| 0 \| 0 \| 50% \| 2 \| 18 \|/);
  });

  it('--out writes the file (format from its extension) and names it on stderr', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tossup-review-out-')), 'review.html');
    const r = await review(['--from', '2026-11-01', '--to', '2026-11-30', '--out', out, '--locale', 'en']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err.trim()).toBe(out);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>Toss-up review 2026-11-01..2026-11-30</title>');
    // The configured rule set (large) draws its thresholds: attribute 60, behaviour 40.
    expect(html).toContain('class="threshold threshold-attribute" data-value="60"');
  });

  it('a bad --month is exit 2 with what to write instead', async () => {
    const r = await review(['--month', '2026-13']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'tossup review: --month "2026-13" is not a month: write it as YYYY-MM, e.g. 2026-11\n',
    );
  });

  it('two periods at once, or --from without --to, are exit 2', async () => {
    const both = await review(['--month', '2026-11', '--week', '2026-W47']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('give one period');
    const half = await review(['--from', '2026-11-01']);
    expect(half.code).toBe(2);
    expect(half.err).toContain('--from and --to go together');
  });

  it('a state directory without a ledger is exit 1, saying where it looked', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tossup-review-empty-'));
    const r = await runCli(['review', '--month', '2026-11', '--state-dir', empty, '--locale', 'en'], {});
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no ledger at ${join(empty, 'ledger')}`);
  });
});
