import type { Command } from 'commander';
import { Option } from 'commander';
import type { ScoreOptions } from './score-run.ts';

/** Declares `score` and its options; the implementation is imported when the command runs. */
export function registerScore(program: Command): void {
  program
    .command('score')
    .description('decide the toss-up flag for every lead in a file, one decision per line')
    .option(
      '--rules <file|preset>',
      'rule file, or a preset: small, mid, large (default: TOSSUP_RULES, the profile, else large)',
    )
    .requiredOption(
      '--input <file>',
      'leads as .jsonl or .csv, UTF-8, Shift_JIS or UTF-16 (- for JSON Lines on stdin)',
    )
    .option('--at <ISO time>', 'decide as of this instant (default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'table']).default('jsonl'))
    .addOption(new Option('--locale <locale>', 'language of reasons').choices(['ja', 'en']).default('ja'))
    .option('--strict', 'stop (exit 2) on a column or key that is not a lead field, instead of warning')
    .action(async (opts: ScoreOptions) => (await import('./score-run.ts')).scoreCommand(opts));
}
