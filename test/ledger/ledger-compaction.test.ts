import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  OPPORTUNITY_RATE_BY_ANY_REASON,
  OPPORTUNITY_RATE_BY_REASON,
  RESPONSE_BY_REP,
} from '../../src/ledger/ledger-queries.ts';
import type { DecisionRecord, EventRecord, LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { compactLedger } from '../../src/state/ledger-compaction.ts';
import { decisionRow, eventRow } from '../support/ledger-rows.ts';
import { localLedgerAt } from './ledger-kit.ts';

/**
 * Compaction (docs/ledger.md): older day partitions become one Parquet file each, and every query
 * answers as before — also after a crash between writing the Parquet file and deleting the JSON Lines
 * it replaces, and with records appended to a compacted day afterwards.
 */
const FROM = '2026-11-01T00:00:00.000Z';
const TO = '2026-12-01T00:00:00.000Z';
const DAYS = ['2026-11-10', '2026-11-11', '2026-11-12'];

function dec(i: number, day: string): DecisionRecord {
  const yes = i % 3 !== 0;
  return decisionRow({
    record_id: `d_${day}_${i}`,
    lead_id: `L${i}`,
    decided_at: `${day}T0${i % 9}:00:00.000Z`,
    dt: day,
    rule_id: yes ? 'hot' : 'otherwise',
    flag: yes ? 'yes' : 'no',
    next_action: yes ? 'field_sales_tossup' : 'nurture',
    primary_reason: i % 2 ? 'behaviour.high' : 'title.executive',
    reason_codes: i % 2 ? ['behaviour.high', 'size.enterprise'] : ['title.executive'],
    reasons_json: '[{"code":"behaviour.high","params":{"score":70}}]',
    attribute_score: 40 + i,
    behaviour_score: i % 4 ? 30 + i : null,
    owner_id: yes ? `005${i % 2}` : null,
    owner_key: yes ? `u00${i % 2}` : null,
    episode_key: yes ? `tu_${day}_${i}.y` : null,
    new_episode: yes,
    sources: i % 2 ? ['webinar-2026-11', 'whitepaper'] : [],
    facts_json: `{"employees":${100 * i},"title":"部長"}`,
  });
}

function ev(d: DecisionRecord, type: string, hours: number): EventRecord {
  const first = type === 'first_response';
  return eventRow({
    record_id: `e_${d.record_id}_${type}`,
    lead_id: d.lead_id,
    episode_key: d.episode_key ?? '',
    event_type: type,
    step: type,
    event_at: new Date(Date.parse(d.decided_at) + hours * 3_600_000).toISOString(),
    cause: first ? 'rep' : 'crm_change',
    next_action: d.next_action,
    owner_id: d.owner_id ?? '',
    owner_key: d.owner_key,
    close_reason: type === 'opportunity' ? 'opportunity' : null,
    opportunity_id: type === 'opportunity' ? `006${d.lead_id}` : null,
    activity: first ? 'call' : null,
    response_hours: first ? hours : null,
    response_unit: first ? 'businessHours' : null,
    allowed_hours: first ? 8 : null,
    on_time: first ? hours <= 8 : null,
  });
}

/** Three days of decisions, each toss-up answered (some late) and every third one an opportunity. */
function fixture(): LedgerRecord[][] {
  const batches: LedgerRecord[][] = [];
  for (const day of DAYS) {
    for (let b = 0; b < 3; b++) {
      const decisions = Array.from({ length: 7 }, (_, k) => dec(b * 7 + k, day));
      const events = decisions
        .filter((d) => d.flag === 'yes')
        .flatMap((d, k) => [
          ev(d, 'first_response', 1 + (k % 11)),
          ...(k % 3 === 0 ? [ev(d, 'opportunity', 30)] : []),
        ]);
      batches.push(decisions, events);
    }
  }
  return batches;
}

async function snapshot(stateDir: string, inMemory = false): Promise<unknown[]> {
  const reader = await DuckDbLedgerReader.open(
    stateDir,
    inMemory ? { inMemory: { omit: ['facts_json'] } } : {},
  );
  try {
    const all = (table: string) => ({
      sql: `SELECT * FROM ${table} ORDER BY record_id`,
      params: [] as string[],
    });
    return [
      await reader.query(all('ledger_decisions'), []),
      await reader.query(all('ledger_events'), []),
      await reader.query(OPPORTUNITY_RATE_BY_REASON, [FROM, TO]),
      await reader.query(OPPORTUNITY_RATE_BY_ANY_REASON, [FROM, TO]),
      await reader.query(RESPONSE_BY_REP, [FROM, TO]),
    ];
  } finally {
    reader.close();
  }
}

/** A snapshot as the in-memory reader shows it: the same, facts read as NULL. */
function withoutFacts(snap: unknown[]): unknown[] {
  const [decisions, ...rest] = snap as [Record<string, unknown>[], ...unknown[]];
  return [decisions.map((d) => ({ ...d, facts_json: null })), ...rest];
}

/** Part files per partition, e.g. `decisions/dt=2026-11-10` → ['jsonl', 'jsonl', 'parquet']. */
function parts(stateDir: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const table of ['decisions', 'events']) {
    const dir = join(stateDir, 'ledger', table);
    for (const p of readdirSync(dir).sort())
      out[`${table}/${p}`] = readdirSync(join(dir, p))
        .filter((f) => !f.startsWith('.'))
        .map((f) => f.slice(f.lastIndexOf('.') + 1))
        .sort();
  }
  return out;
}

async function written(): Promise<{ stateDir: string; rows: LedgerRecord[] }> {
  const { stateDir, ledger } = localLedgerAt();
  const batches = fixture();
  for (const batch of batches) await ledger.append(batch);
  return { stateDir, rows: batches.flat() };
}

describe('ledger compaction', () => {
  it('turns the days before the given date into one Parquet file each, and every query answers as before', async () => {
    const { stateDir, rows } = await written();
    const before = await snapshot(stateDir);
    expect((before[0] as unknown[]).length).toBe(63);

    const r = await compactLedger(stateDir, { before: '2026-11-12' });

    const older = rows.filter((x) => x.dt < '2026-11-12');
    expect(r.rows).toBe(older.length);
    expect(r.partitions).toBe(new Set(older.map((x) => `${x.kind}/${x.dt}`)).size);
    const p = parts(stateDir);
    expect(p['decisions/dt=2026-11-10']).toEqual(['parquet']);
    expect(p['events/dt=2026-11-11']).toEqual(['parquet']);
    expect(p['decisions/dt=2026-11-12']).toEqual(['jsonl', 'jsonl', 'jsonl']);
    expect(await snapshot(stateDir)).toEqual(before);

    // Nothing left to do: a second run rewrites nothing.
    expect(await compactLedger(stateDir, { before: '2026-11-12' })).toEqual({
      partitions: 0,
      rows: 0,
      filesReplaced: 0,
    });
  });

  it('after a crash between the rename and the deletes, rows are counted once and the next run tidies up', async () => {
    const { stateDir } = await written();
    const before = await snapshot(stateDir);
    const day = join(stateDir, 'ledger', 'decisions', 'dt=2026-11-10');
    const aside = join(stateDir, 'aside');
    mkdirSync(aside);
    const jsonl = readdirSync(day);
    for (const f of jsonl) copyFileSync(join(day, f), join(aside, f));

    await compactLedger(stateDir, { before: '2026-11-11' });
    // The crash: the Parquet file is in place, the JSON Lines it replaced are not deleted yet.
    for (const f of jsonl) copyFileSync(join(aside, f), join(day, f));
    // And an earlier compaction's Parquet file not deleted either (the same rows in two Parquet files).
    const parquet = readdirSync(day).find((f) => f.endsWith('.parquet')) ?? '';
    copyFileSync(join(day, parquet), join(day, 'part-compact-0-0-old.parquet'));
    // And one compaction died while writing (its temporary file is not a part, whatever it holds).
    writeFileSync(join(day, '.part-compact-1-1-abc.parquet.tmp'), 'torn');
    expect(parts(stateDir)['decisions/dt=2026-11-10']).toEqual([
      'jsonl',
      'jsonl',
      'jsonl',
      'parquet',
      'parquet',
    ]);
    expect(await snapshot(stateDir)).toEqual(before);
    expect(await snapshot(stateDir, true)).toEqual(withoutFacts(before));

    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(day, '.part-compact-1-1-abc.parquet.tmp'), old, old);
    const again = await compactLedger(stateDir, { before: '2026-11-11' });
    expect(again).toEqual({ partitions: 1, rows: 21, filesReplaced: 5 });
    expect(readdirSync(day).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(parts(stateDir)['decisions/dt=2026-11-10']).toEqual(['parquet']);
    expect(await snapshot(stateDir)).toEqual(before);
  });

  it('a record appended to a compacted day is read, a record appended again is read once', async () => {
    const { stateDir, rows } = await written();
    await compactLedger(stateDir, { before: '2026-11-12' });
    const old = rows.find((x): x is DecisionRecord => x.kind === 'decision' && x.dt === '2026-11-10');
    if (!old) throw new Error('fixture has no decision on 2026-11-10');
    const late: DecisionRecord = { ...old, record_id: 'd_late', lead_id: 'L_late' };
    // A fresh process's ledger: it does not know the ids inside the Parquet file, so `old` is written again.
    expect((await new FileLedger(stateDir).append([old, late])).appended).toBe(2);

    const [decisions] = (await snapshot(stateDir)) as [Record<string, unknown>[]];
    expect(decisions).toHaveLength(64);
    expect(decisions.filter((d) => d.record_id === old.record_id)).toHaveLength(1);
    expect(decisions.filter((d) => d.record_id === 'd_late')).toHaveLength(1);

    const r = await compactLedger(stateDir, { before: '2026-11-12' });
    expect(r).toEqual({ partitions: 1, rows: 22, filesReplaced: 2 });
    expect(((await snapshot(stateDir)) as [unknown[]])[0]).toHaveLength(64);
  });

  it('refuses a date that is not YYYY-MM-DD', async () => {
    const { stateDir } = await written();
    await expect(compactLedger(stateDir, { before: '2026-11' })).rejects.toThrow(/YYYY-MM-DD/);
  });

  it('`tossup ledger compact` compacts and says what it did; a bad --before is refused', async () => {
    const { stateDir } = await written();
    const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [main, 'ledger', 'compact', '--state-dir', stateDir, ...args]);
    const ok = await run(['--before', '2026-11-11']);
    expect(ok.stdout).toMatch(
      /2 day partition\(s\) before 2026-11-11 compacted into Parquet \(\d+ rows, 6 files replaced\)/,
    );
    expect(parts(stateDir)['decisions/dt=2026-11-10']).toEqual(['parquet']);
    await expect(run(['--before', '11/10/2026'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('"11/10/2026" is not a date YYYY-MM-DD'),
    });
  });
});
