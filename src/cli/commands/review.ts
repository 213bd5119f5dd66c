import { existsSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadRuleSet } from '../../config/load-rule-set.ts';
import { readConfigFile } from '../../config/read-config-file.ts';
import { terminalSafeLines } from '../../logging/terminal-text.ts';
import type { OpportunityOutcome } from '../../ports/outcome-store.ts';
import type { Locale } from '../../reasons/messages.ts';
import { DEFAULT_NOISE_DAYS } from '../../review/build-review.ts';
import { repCapacities } from '../../review/rep-capacities.ts';
import {
  monthPeriod,
  type ReviewPeriod,
  ReviewPeriodError,
  rangePeriod,
  weekPeriod,
} from '../../review/review-period.ts';
import { parseRoutingConfig } from '../../routing/routing-config.ts';
import { parseSlaConfig } from '../../sla/sla-config.ts';
import { DEFAULT_STATE_DIR } from '../../state/file-state-store.ts';
import { parseInstant } from '../parse-instant.ts';
import { positiveInt } from '../positive-int.ts';
import { configuredRules, resolveFileSettings } from '../settings.ts';

export const REVIEW_FORMATS = ['html', 'md', 'csv'] as const;
export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

export interface ReviewCliOptions {
  week?: string | true;
  month?: string;
  from?: string;
  to?: string;
  format?: ReviewFormat;
  out?: string;
  stateDir?: string;
  locale: Locale;
  rules?: string;
  noiseDays?: number;
  at?: string;
}

export function registerReview(program: Command): void {
  program
    .command('review')
    .description(
      'the weekly follow-up status and the monthly accuracy review from the decision ledger: on-time rate and response times, overdue toss-ups, escalations; opportunity and acceptance rates by reason, rule, campaign, source and rep, the score heat map, missed and noise lists, load against capacity',
    )
    .option('--week [week]', 'a week: 2026-W48, or a date inside it (default: the last complete week)')
    .option('--month <month>', 'a calendar month: 2026-11')
    .option('--from <date>', 'first day of a period (YYYY-MM-DD, with --to)')
    .option('--to <date>', 'last day of the period, included (YYYY-MM-DD)')
    .addOption(
      new Option('--format <format>', 'output format (default: from the --out extension, else md)').choices([
        ...REVIEW_FORMATS,
      ]),
    )
    .option('--out <file>', 'write the review to this file instead of the terminal')
    .option(
      '--state-dir <dir>',
      'the state directory holding the ledger (default: TOSSUP_STATE_DIR, else .tossup/state)',
    )
    .addOption(new Option('--locale <locale>', 'language of the labels').choices(['ja', 'en']).default('ja'))
    .option(
      '--rules <file|preset>',
      'the rule set whose thresholds the heat map draws (default: the configured rule set)',
    )
    .option(
      '--noise-days <n>',
      `a toss-up with no opportunity this many days after is noise (default ${DEFAULT_NOISE_DAYS})`,
      positiveInt,
    )
    .option('--at <ISO time>', 'review as of this instant (default: now)')
    .action(async (opts: ReviewCliOptions) => {
      try {
        process.exitCode = await reviewCommand(opts, process.env, process.stdout);
      } catch (e) {
        if (!(e instanceof InvalidArgumentError) && !(e instanceof ReviewPeriodError)) throw e;
        process.stderr.write(`tossup review: ${e.message}\n`);
        process.exitCode = 2;
      }
    });
}

/**
 * `tossup review`: builds the review of the period from the local ledger (DuckDB) and the outcome
 * store, and writes it as HTML, Markdown or CSV. Exit 0 with the review (an empty period is a review
 * of zeros); 1 when the state directory has no ledger at all (a wrong --state-dir); 2 for a bad option.
 */
export async function reviewCommand(
  opts: ReviewCliOptions,
  env: Readonly<Record<string, string | undefined>>,
  out: NodeJS.WritableStream,
): Promise<number> {
  const files = resolveFileSettings({ flags: {}, env });
  const sla = parseSlaConfig(
    readConfigFile(files.slaFile, 'SLA file', 'set TOSSUP_SLA to the right file'),
    files.slaFile,
  );
  const routing = parseRoutingConfig(
    readConfigFile(files.routingFile, 'routing file', 'set TOSSUP_ROUTING to the right file'),
    files.routingFile,
  );
  const rules = loadRuleSet(opts.rules ?? configuredRules(env));
  const asOf = new Date(opts.at ? parseInstant(opts.at) : Date.now());
  const period = periodOf(opts, asOf, sla.timeZone);
  const format = formatOf(opts);
  const stateDir = opts.stateDir ?? env.TOSSUP_STATE_DIR ?? DEFAULT_STATE_DIR;
  if (!existsSync(join(stateDir, 'ledger'))) {
    process.stderr.write(
      opts.locale === 'ja'
        ? `台帳がありません: ${join(stateDir, 'ledger')} (tossup sync / sweep / demo が記録します。--state-dir を確認してください)\n`
        : `no ledger at ${join(stateDir, 'ledger')} (tossup sync, sweep and demo record one; check --state-dir)\n`,
    );
    return 1;
  }

  // Loaded here only: no other command pays for DuckDB.
  const { DuckDbLedgerReader } = await import('../../state/duckdb-ledger-reader.ts');
  const { FileOutcomeStore } = await import('../../state/file-outcome-store.ts');
  const { buildReview } = await import('../../review/build-review.ts');
  // The review runs some twenty queries over the whole ledger: read the files once, without the
  // columns it never reads — the facts above all (docs/ledger.md, "Reading it fast"). DuckDB loads
  // them on its own threads while this one reads the outcome store.
  const { REVIEW_UNREAD_COLUMNS } = await import('../../review/review-unread-columns.ts');
  const opening = DuckDbLedgerReader.open(stateDir, { inMemory: { omit: REVIEW_UNREAD_COLUMNS } });
  let outcomes: OpportunityOutcome[];
  try {
    const store = new FileOutcomeStore(stateDir);
    outcomes = [...(await store.list('salesforce')), ...(await store.list('hubspot'))];
  } catch (e) {
    (await opening.catch(() => null))?.close();
    throw e;
  }
  const reader = await opening;
  let model: Awaited<ReturnType<typeof buildReview>>;
  try {
    model = await buildReview(reader, period, {
      asOf,
      sla,
      outcomes,
      thresholds: rules.thresholds,
      capacities: repCapacities(routing),
      ...(opts.noiseDays !== undefined ? { noiseDays: opts.noiseDays } : {}),
    });
  } finally {
    reader.close();
  }
  const text = await render(model, format, opts.locale);
  if (opts.out) {
    writeFileSync(opts.out, text);
    process.stderr.write(`${opts.out}\n`);
  } else out.write(format === 'md' ? terminalSafeLines(text) : text);
  return 0;
}

async function render(
  model: Parameters<typeof import('../../review/render-review-html.ts').renderReviewHtml>[0],
  format: ReviewFormat,
  locale: Locale,
): Promise<string> {
  switch (format) {
    case 'html':
      return (await import('../../review/render-review-html.ts')).renderReviewHtml(model, locale);
    case 'csv':
      return (await import('../../review/render-review-csv.ts')).renderReviewCsv(model, locale);
    default:
      return (await import('../../review/render-review-markdown.ts')).renderReviewMarkdown(model, locale);
  }
}

/** One of --week, --month, --from/--to; none: the last complete week. */
function periodOf(opts: ReviewCliOptions, asOf: Date, timeZone: string): ReviewPeriod {
  const given = [
    opts.week !== undefined,
    opts.month !== undefined,
    opts.from !== undefined || opts.to !== undefined,
  ];
  if (given.filter(Boolean).length > 1)
    throw new InvalidArgumentError('give one period: --week, --month or --from/--to, not several');
  if (opts.month !== undefined) return monthPeriod(opts.month, timeZone);
  if (opts.from !== undefined || opts.to !== undefined) {
    if (opts.from === undefined || opts.to === undefined)
      throw new InvalidArgumentError('--from and --to go together: e.g. --from 2026-11-01 --to 2026-11-15');
    return rangePeriod(opts.from, opts.to, timeZone);
  }
  return weekPeriod(opts.week === true ? undefined : opts.week, asOf, timeZone);
}

function formatOf(opts: ReviewCliOptions): ReviewFormat {
  if (opts.format) return opts.format;
  const ext = opts.out ? extname(opts.out).slice(1).toLowerCase() : '';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (ext === 'csv') return 'csv';
  return 'md';
}
