import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';
import type { BacktestReport } from '../../src/backtest/backtest-report.ts';
import { readBacktestHistory } from '../../src/backtest/read-backtest-history.ts';
import { runBacktest } from '../../src/backtest/run-backtest.ts';
import { withThreshold } from '../../src/backtest/threshold-sweep.ts';
import { DEMO_AT } from '../../src/cli/commands/demo.ts';
import { buildDemoHistory, HISTORY_DAYS } from '../../src/cli/commands/demo-history.ts';
import { loadCrmRunConfig } from '../../src/cli/crm-run-config.ts';
import { resolveSyncSettings } from '../../src/cli/settings.ts';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import { calendarFor } from '../../src/sla/due-date.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { MemoryOutcomeStore } from '../../src/state/file-outcome-store.ts';

/**
 * The backtest over the demo's 90 days of history (src/cli/commands/demo-history.ts: the real batch
 * step on the generated world, reps answering from each lead's true quality), read back from the
 * ledger files with DuckDB. The replay — quotas and hold expiry rebuilt in time order — must reproduce
 * every recorded decision, and a looser candidate must trade load for recall the way the flips say.
 */
const endMs = Date.parse(DEMO_AT);
const period = {
  from: new Date(endMs - HISTORY_DAYS * 86_400_000).toISOString(),
  to: new Date(endMs).toISOString(),
};
let emulators: RunningEmulators;
let stateDir: string;
let report: BacktestReport;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'tossup-demo-backtest-'));
  emulators = await startEmulators({
    leads: 1000,
    seed: 2,
    asOf: period.to,
    workDir: join(stateDir, 'work'),
  });
  const config = loadCrmRunConfig(
    resolveSyncSettings({
      flags: { crm: 'salesforce' },
      env: { ...emulators.info.env, TOSSUP_RULES: 'large' },
      profileFiles: [],
    }),
  );
  const seeded = emulators.salesforce.seeded!;
  const history = await buildDemoHistory({
    world: emulators.world,
    ids: { users: seeded.users, leads: seeded.leads, contacts: seeded.contacts },
    config,
    endMs,
  });
  await new FileLedger(stateDir).append(history.records);
  const reader = await DuckDbLedgerReader.open(stateDir);
  const read = await readBacktestHistory(reader, new MemoryOutcomeStore(), period).finally(() =>
    reader.close(),
  );
  const current = loadRuleSet('large');
  // The candidate: the behaviour threshold lowered from 40 to 30 all year (not only in the campaign).
  const candidate = { ...withThreshold(current, 'behaviour', 30), name: 'large_behaviour_30' };
  report = await runBacktest(read, {
    current,
    candidate,
    routing: config.routing,
    calendar: calendarFor(config.sla),
  });
}, 300_000);

afterAll(async () => {
  await emulators?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the backtest over the demo history', () => {
  it('replays every recorded decision as recorded (quotas and holds rebuilt from the replay)', () => {
    expect(report.decisions).toBeGreaterThan(300);
    expect(report.reproduced).toBe(report.decisions);
    expect(report.current.classification.opportunities).toBeGreaterThan(0);
  });

  it('the looser candidate flips only away from no (to yes, or to hold where the attribute is unknown); more toss-ups, recall not lower', () => {
    const now = report.current.classification;
    const then = report.candidate.classification;
    const flipped = report.flips.filter((f) => f.decisions > 0);
    expect(flipped.every((f) => f.from === 'no')).toBe(true);
    const noToYes = flipped.find((f) => f.to === 'yes')!;
    expect(noToYes.leads).toBeGreaterThan(0);
    // Leads already tossed up at another of their decisions are not new toss-ups.
    expect(then.tossedUp - now.tossedUp).toBeGreaterThan(0);
    expect(then.tossedUp - now.tossedUp).toBeLessThanOrEqual(noToYes.leads);
    expect(then.caught - now.caught).toBeLessThanOrEqual(noToYes.opportunityLeads);
    expect(then.recall.rate!).toBeGreaterThanOrEqual(now.recall.rate!);
    expect(report.candidate.load.tasks).toBe(then.tasks);
  });
});
