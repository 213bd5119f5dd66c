import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestReport } from '../../src/backtest/backtest-report.ts';
import { runBacktest } from '../../src/backtest/run-backtest.ts';
import { loadCompiledRuleSet, loadRuleSet } from '../../src/config/load-rule-set.ts';
import { readConfigFile } from '../../src/config/read-config-file.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { calendarFor } from '../../src/sla/due-date.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { runCli } from '../support/cli-child.ts';
import {
  PLANTED_PERIOD,
  type PlantedHistory,
  plantedHistory,
  writePlantedHistory,
} from './planted-history.ts';

const bundledRouting = () =>
  parseRoutingConfig(readConfigFile('mappings/routing.yaml', 'routing file', ''), 'mappings/routing.yaml');

/**
 * `tossup backtest` as a process, over the planted history written where the CLI reads it (the ledger's
 * JSON Lines and the outcome store of a state directory).
 */
const CURRENT = 'test/backtest/fixtures/planted-current.yaml';
const CANDIDATE = 'test/backtest/fixtures/planted-candidate.yaml';
let stateDir: string;
let history: PlantedHistory;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'tossup-backtest-'));
  history = plantedHistory(loadCompiledRuleSet(CURRENT), { leads: 600, seed: 7 });
  await writePlantedHistory(stateDir, history);
});

afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

const period = ['--since', PLANTED_PERIOD.from, '--until', PLANTED_PERIOD.to];
const backtest = (...args: string[]) =>
  runCli(['backtest', '--current', CURRENT, '--state-dir', stateDir, ...period, ...args], {});

describe('tossup backtest', () => {
  it('prints the comparison, flips and sweeps in English or Japanese (exit 0)', async () => {
    const en = await backtest('--rules', CANDIDATE, '--locale', 'en');
    expect(en.err).toBe('');
    expect(en.code).toBe(0);
    expect(en.out).toContain(
      'decisions replayed 600 (600 leads); reproduced as recorded by the current rules 600',
    );
    expect(en.out).toMatch(/no → yes\s+\d+/);
    expect(en.out).toMatch(/Threshold sweep: behaviour \(current 40/);
    expect(en.out).toMatch(/\n\s+30\s.*best F1/);
    const ja = await backtest('--rules', CANDIDATE);
    expect(ja.code).toBe(0);
    expect(ja.out).toContain('現行ルールと候補ルールの比較');
    expect(ja.out).toContain('再現率 (トスアップされていた商談化の割合)');
    expect(ja.out).toMatch(/いいえ → はい\s+\d+/);
  });

  it('--format json --out writes the report model; read back from the ledger and the outcome store, the same figures as in process', async () => {
    const file = join(stateDir, 'report.json');
    const r = await backtest('--rules', CANDIDATE, '--format', 'json', '--out', file);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const report = JSON.parse(readFileSync(file, 'utf8')) as BacktestReport;
    expect(report.decisions).toBe(600);
    // Read back through DuckDB and the outcome store, the history gives what it gives in process.
    const inProcess = await runBacktest(
      {
        period: PLANTED_PERIOD,
        decisions: history.decisions,
        outcomeEvents: history.events,
        opportunities: history.opportunities,
      },
      {
        current: loadRuleSet(CURRENT),
        candidate: loadRuleSet(CANDIDATE),
        routing: bundledRouting(),
        calendar: calendarFor(
          parseSlaConfig(readConfigFile('mappings/sla.yaml', 'SLA file', ''), 'mappings/sla.yaml'),
        ),
      },
    );
    expect(report.current).toEqual(inProcess.current);
    expect(report.candidate).toEqual(inProcess.candidate);
    expect(report.flips).toEqual(inProcess.flips);
    expect(report.sweeps).toEqual(inProcess.sweeps);
    expect(report.candidate.classification.recall.rate!).toBeGreaterThan(
      report.current.classification.recall.rate!,
    );
    expect(report.current.classification.opportunities).toBeGreaterThan(0);
    // Every opportunity comes from the ledger's events or the outcome store: with both read, none is lost.
    const c = report.current.classification;
    expect(c.caught + c.missed).toBe(c.opportunities);
  });

  it('reads a compacted ledger (older days in Parquet, `tossup ledger compact`) to the same report', async () => {
    const before = await backtest('--rules', CANDIDATE, '--format', 'json');
    const compact = await runCli(
      ['ledger', 'compact', '--before', '2026-10-15', '--state-dir', stateDir],
      {},
    );
    expect(compact.code).toBe(0);
    expect(compact.out + compact.err).toMatch(/[1-9]\d* day partition\(s\) before 2026-10-15 compacted/);
    const after = await backtest('--rules', CANDIDATE, '--format', 'json');
    expect(after.code).toBe(0);
    expect(after.out).toBe(before.out);
  });

  it('--format csv: one section per table, UTF-8 with a BOM; --format md: Markdown tables', async () => {
    const csv = await backtest('--rules', CANDIDATE, '--format', 'csv', '--locale', 'en');
    expect(csv.code).toBe(0);
    expect(csv.out.startsWith('\uFEFFsummary,')).toBe(true);
    const sections = csv.out
      .slice(1)
      .split('\r\n')
      .filter((l) => /^(summary|flips|load|sweep_\w+),/.test(l))
      .map((l) => l.split(',')[0]);
    expect(sections).toEqual(['summary', 'flips', 'load', 'sweep_behaviour', 'sweep_attribute']);
    const md = await backtest('--rules', CANDIDATE, '--format', 'md', '--locale', 'en');
    expect(md.out).toContain('## Current rules vs candidate');
    expect(md.out).toMatch(/\| 30 \| .* \| best F1/);
  });

  it('a bad candidate file is refused before anything runs: file, line, field and the fix (exit 2)', async () => {
    const r = await backtest('--rules', 'test/backtest/fixtures/bad-candidate.yaml');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(
      'test/backtest/fixtures/bad-candidate.yaml:12:19 rules[0].when.all[1].fact: unknown fact "score.behavior"',
    );
    expect(r.err).toContain('did you mean "score.behaviour"?');
    expect(r.err).toMatch(/bad-candidate\.yaml:13:11 rules\[0\]\.flag: .*\n\s+hint: use yes, no or hold/);
  });

  it('a bad --since, and a period with nothing recorded, say so', async () => {
    const bad = await runCli(
      ['backtest', '--rules', CANDIDATE, '--state-dir', stateDir, '--since', 'last week'],
      {},
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('"last week" is not an ISO time with an offset');
    const empty = await runCli(
      [
        'backtest',
        '--rules',
        CANDIDATE,
        '--state-dir',
        stateDir,
        '--until',
        '2026-01-01T00:00:00Z',
        '--locale',
        'en',
      ],
      {},
    );
    expect(empty.code).toBe(1);
    expect(empty.err).toContain(
      'no decision recorded from 2025-10-03T00:00:00.000Z to 2026-01-01T00:00:00.000Z',
    );
  });
});
