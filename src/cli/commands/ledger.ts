import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_STATE_DIR } from '../../state/file-state-store.ts';
import { positiveInt } from '../positive-int.ts';

/** Day partitions kept as JSON Lines by default: today's and yesterday's (UTC), still being appended to. */
const DEFAULT_KEEP_DAYS = 2;

/**
 * `tossup ledger compact`: rewrites the local ledger's older day partitions into Parquet
 * (src/state/ledger-compaction.ts, docs/ledger.md "Compaction"), so the review reads a month in
 * seconds. Safe to run at any time, also while a sync or sweep appends, and to repeat.
 */
export function registerLedger(program: Command): void {
  const ledger = program.command('ledger').description('maintain the local decision ledger (docs/ledger.md)');
  ledger
    .command('compact')
    .description(
      'rewrite older day partitions of the local ledger (JSON Lines) into one Parquet file each, which the review and explain read much faster',
    )
    .option('--before <YYYY-MM-DD>', 'compact the partitions of UTC dates before this one', utcDate)
    .option(
      '--keep-days <n>',
      `without --before: leave the last n UTC days as JSON Lines (default ${DEFAULT_KEEP_DAYS}, today included)`,
      positiveInt,
    )
    .option(
      '--state-dir <dir>',
      'the state directory holding the ledger (default: TOSSUP_STATE_DIR, else .tossup/state)',
    )
    .action(async (opts: { before?: string; keepDays?: number; stateDir?: string }) => {
      const stateDir = opts.stateDir ?? process.env.TOSSUP_STATE_DIR ?? DEFAULT_STATE_DIR;
      const before =
        opts.before ??
        new Date(Date.now() - ((opts.keepDays ?? DEFAULT_KEEP_DAYS) - 1) * 86_400_000)
          .toISOString()
          .slice(0, 10);
      // Loaded here only: no other command pays for DuckDB.
      const { compactLedger } = await import('../../state/ledger-compaction.ts');
      const started = Date.now();
      const r = await compactLedger(stateDir, { before });
      process.stdout.write(
        `ledger ${stateDir}/ledger: ${r.partitions} day partition(s) before ${before} compacted into Parquet ` +
          `(${r.rows} rows, ${r.filesReplaced} files replaced) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    });
}

function utcDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw new InvalidArgumentError(`"${value}" is not a date YYYY-MM-DD`);
  return value;
}
