import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BACKTEST_FORMATS, type BacktestFormat } from '../../backtest/render-backtest.ts';
import { loadRuleSet } from '../../config/load-rule-set.ts';
import { readConfigFile } from '../../config/read-config-file.ts';
import { terminalSafeLines } from '../../logging/terminal-text.ts';
import type { Locale } from '../../reasons/messages.ts';
import { parseRoutingConfig } from '../../routing/routing-config.ts';
import { calendarFor } from '../../sla/due-date.ts';
import { parseSlaConfig } from '../../sla/sla-config.ts';
import { DEFAULT_STATE_DIR } from '../../state/file-state-store.ts';
import { parseInstant } from '../parse-instant.ts';
import { positiveInt } from '../positive-int.ts';
import { configuredRules, resolveFileSettings } from '../settings.ts';

interface BacktestOptions {
  rules: string;
  current?: string;
  since: string;
  until?: string;
  stateDir?: string;
  format: BacktestFormat;
  out?: string;
  locale: Locale;
  step?: number;
}

export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description(
      'replay the decisions recorded in the ledger through candidate rules and the current ones, at each decision’s own time, against what became of the leads: flag flips, tasks per rep per week, precision and recall, threshold sweeps',
    )
    .requiredOption('--rules <file|preset>', 'the candidate rule file (or a preset: small, mid, large)')
    .option(
      '--current <file|preset>',
      'the rules to compare with (default: the configured rule set — TOSSUP_RULES, the profile, else large)',
    )
    .option('--since <90d|ISO time>', 'start of the period: N days before --until, or an instant', '90d')
    .option('--until <ISO time>', 'end of the period, exclusive (default: now)')
    .option(
      '--state-dir <dir>',
      'the state directory holding the ledger (default: TOSSUP_STATE_DIR, else .tossup/state)',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices([...BACKTEST_FORMATS]).default('text'),
    )
    .option('--out <file>', 'write the report to this file instead of the terminal')
    .addOption(new Option('--locale <locale>', 'language of the labels').choices(['ja', 'en']).default('ja'))
    .option('--step <n>', 'threshold sweep step (default 5)', positiveInt)
    .action(async (opts: BacktestOptions) => {
      try {
        process.exitCode = await backtestCommand(opts, process.env, process.stdout);
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw e;
        process.stderr.write(`tossup backtest: ${e.message}\n`);
        process.exitCode = 2;
      }
    });
}

/** Exit 0 with the report; 2 for a bad rule file or option (thrown as ConfigError / argument error). */
export async function backtestCommand(
  opts: BacktestOptions,
  env: Readonly<Record<string, string | undefined>>,
  out: NodeJS.WritableStream,
): Promise<number> {
  // Both rule files are checked first: a bad candidate is an admin's fix, with file:line and the hint.
  const candidate = loadRuleSet(opts.rules);
  const current = loadRuleSet(opts.current ?? configuredRules(env));
  const files = resolveFileSettings({ flags: {}, env });
  const routing = parseRoutingConfig(
    readConfigFile(files.routingFile, 'routing file', 'set TOSSUP_ROUTING to the right file'),
    files.routingFile,
  );
  // The calendar the sync routes with: a task counts against the business day the rep will work it.
  const calendar = calendarFor(
    parseSlaConfig(
      readConfigFile(files.slaFile, 'SLA file', 'set TOSSUP_SLA to the right file'),
      files.slaFile,
    ),
  );
  const until = opts.until ? parseInstant(opts.until) : Date.now();
  const period = {
    from: new Date(sinceOf(opts.since, until)).toISOString(),
    to: new Date(until).toISOString(),
  };
  const stateDir = opts.stateDir ?? env.TOSSUP_STATE_DIR ?? DEFAULT_STATE_DIR;

  // Loaded here only: no other command pays for DuckDB.
  const { DuckDbLedgerReader } = await import('../../state/duckdb-ledger-reader.ts');
  const { FileOutcomeStore } = await import('../../state/file-outcome-store.ts');
  const { readBacktestHistory } = await import('../../backtest/read-backtest-history.ts');
  const { runBacktest } = await import('../../backtest/run-backtest.ts');
  const { renderBacktest } = await import('../../backtest/render-backtest.ts');
  const reader = await DuckDbLedgerReader.open(stateDir);
  let history: Awaited<ReturnType<typeof readBacktestHistory>>;
  try {
    history = await readBacktestHistory(reader, new FileOutcomeStore(stateDir), period);
  } finally {
    reader.close();
  }
  if (history.decisions.length === 0) {
    process.stderr.write(
      opts.locale === 'ja'
        ? `${period.from} から ${period.to} までの判定は台帳に記録されていません (台帳: ${stateDir}/ledger)\n`
        : `no decision recorded from ${period.from} to ${period.to} (ledger: ${stateDir}/ledger)\n`,
    );
    return 1;
  }
  const report = await runBacktest(
    history,
    { current, candidate, routing, calendar },
    opts.step !== undefined ? { step: opts.step } : {},
  );
  const text = renderBacktest(report, opts.format, opts.locale);
  if (opts.out) {
    writeFileSync(opts.out, text);
    process.stderr.write(`${opts.out}\n`);
  } else out.write(opts.format === 'text' ? terminalSafeLines(text) : text);
  return 0;
}

/** `90d` (days before `until`) or an ISO instant. */
function sinceOf(text: string, until: number): number {
  const days = /^(\d+)d$/.exec(text);
  if (days) {
    const n = Number(days[1]);
    if (n < 1) throw new InvalidArgumentError(`--since ${text}: give at least 1d`);
    return until - n * 86_400_000;
  }
  const at = parseInstant(text);
  if (at >= until) throw new InvalidArgumentError(`--since ${text} is not before --until`);
  return at;
}
