import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type RecordedSlackMessage,
  type SlackEmulator,
  startSlackEmulator,
} from '../../../emulators/chat/slack-emulator.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { type RunningEmulators, startEmulators } from '../../../emulators/start-emulators.ts';
import { notificationsYamlForWorld, slackUsersForWorld } from '../../../emulators/world-notifications.ts';
import { readConfigFile } from '../../config/read-config-file.ts';
import { partitionDate } from '../../ledger/ledger-record.ts';
import { terminalSafeLines } from '../../logging/terminal-text.ts';
import type { AfterHandoffReport } from '../../pipeline/after-handoff-report.ts';
import { ownerLoads } from '../../pipeline/owner-load.ts';
import { renderReportHtml } from '../../pipeline/render-report-html.ts';
import type { RunReport } from '../../pipeline/run-report.ts';
import { clockStartingAt, fixedClock } from '../../ports/clock.ts';
import type { Locale } from '../../reasons/messages.ts';
import { FLAG_LABELS } from '../../reasons/next-action-label.ts';
import { reasonCodeLabel } from '../../reasons/reason-code-label.ts';
import type { ReviewModel } from '../../review/review-model.ts';
import { parseSlaConfig } from '../../sla/sla-config.ts';
import { FileLedger } from '../../state/file-ledger.ts';
import { compactLedger } from '../../state/ledger-compaction.ts';
import { type CrmRunConfig, loadCrmRunConfig } from '../crm-run-config.ts';
import { pad } from '../output.ts';
import { parseInstant } from '../parse-instant.ts';
import { positiveInt } from '../positive-int.ts';
import { resolveSyncSettings } from '../settings.ts';
import { runAfterHandoff } from './demo-after-handoff.ts';
import { afterHandoffLines, stepLine } from './demo-after-handoff-summary.ts';
import { buildDemoHistory, HISTORY_DAYS } from './demo-history.ts';
import { writeDemoReview } from './demo-review.ts';
import { executeSweep } from './sweep.ts';
import { executeSync } from './sync.ts';

export interface DemoOptions {
  leads: number;
  /** Business days to run past the sync (reps and SLA sweeps); 0 = stop after the sync. Default 4. */
  days?: number;
  /** Business hours between two steps after the sync (default `DEMO_STEP_HOURS`). */
  stepHours?: number;
  seed: number;
  rules: string;
  locale: Locale;
  out: string;
  /** The demo's "now" (ISO with offset); default DEMO_AT. */
  at?: string;
  /** Days of history recorded in the ledger before the demo's instant (default HISTORY_DAYS; 0 = none). */
  historyDays?: number;
}

/**
 * The demo runs "as of" a fixed instant, a Tuesday morning in Tokyo, so the same seed gives the same
 * flags, reasons and due dates on every run and machine. Data and decisions relative to the real
 * time of day would shift leads across "last N days" windows and business-hour boundaries.
 */
export const DEMO_AT = '2026-12-01T10:00:00+09:00';

const CRMS = ['salesforce', 'hubspot'] as const;
/** Business days after the hand-off, and business hours between two sweeps, that `npm start` shows. */
export const DEMO_DAYS = 4;
export const DEMO_STEP_HOURS = 2;
const DAY_MS = 86_400_000;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start local Salesforce and HubSpot emulators with a generated data set and run the whole toss-up flow on both (what `npm start` runs)',
    )
    .option('--leads <n>', 'people in the generated data set', positiveInt, 3000)
    .option('--seed <n>', 'data set seed', positiveInt, 1)
    .option('--rules <preset|file>', 'rule set', 'large')
    .addOption(new Option('--locale <locale>', 'language').choices(['ja', 'en']).default('ja'))
    .option('--out <dir>', 'where report.html and the run reports go', 'out')
    .option(
      '--days <n>',
      'business days to go on past the sync: emulated reps act on their tasks and the SLA sweep runs every 2 business hours (0 = stop after the sync)',
      nonNegativeInt,
      DEMO_DAYS,
    )
    .option(
      '--history-days <n>',
      `days of history before the demo's instant recorded in the ledger for out/review.html (0 = none)`,
      nonNegativeInt,
      HISTORY_DAYS,
    )
    .option(
      '--at <ISO time>',
      `the demo's "now": data set, emulators and decisions (default ${DEMO_AT}, so runs repeat exactly)`,
      (v: string) => {
        parseInstant(v); // rejects a time without an offset, as `score --at` does
        return v;
      },
      DEMO_AT,
    )
    .action(async (opts: DemoOptions) => {
      process.exitCode = await runDemo(opts, process.stdout, process.stderr);
    });
}

/** The demo: emulators up, one full sync per CRM through the real SDKs, summary, HTML report. */
export async function runDemo(
  opts: DemoOptions,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
): Promise<number> {
  return (await runDemoDetailed(opts, stdout, stderr)).exitCode;
}

/** What a demo run leaves for a test to check beyond its output. */
export interface DemoRun {
  exitCode: number;
  after: AfterHandoffReport | undefined;
  /** Every message the Slack emulator received, as it received it. */
  slackMessages: RecordedSlackMessage[];
  /** The state directory (episodes, outbox), kept only with `keepState`. */
  stateDir: string;
}

/** The demo, keeping its Slack messages and (with `keepState`) its state directory for inspection. */
export async function runDemoDetailed(
  opts: DemoOptions,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  test: { keepState?: boolean } = {},
): Promise<DemoRun> {
  const ja = opts.locale === 'ja';
  const started = Date.now();
  const atMs = parseInstant(opts.at ?? DEMO_AT);
  // Starts at --at and runs at real speed: decisions are repeatable, durations stay real.
  const clock = clockStartingAt(atMs);
  stderr.write(
    ja
      ? `ローカルの Salesforce / HubSpot エミュレーターを起動し、${opts.leads.toLocaleString()} 件のサンプルデータを投入しています…\n`
      : `Starting local Salesforce and HubSpot emulators with ${opts.leads.toLocaleString()} generated people…\n`,
  );
  const emulators = await startEmulators({
    leads: opts.leads,
    seed: opts.seed,
    asOf: new Date(atMs).toISOString(),
    workDir: join(opts.out, 'demo'),
  });
  // The demo's state is thrown away at the end: in memory where the OS offers it (Linux /dev/shm), as
  // the sweep's file stores rename and fsync a file per episode step, which a busy disk makes slow.
  const stateDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tossup-demo-state-'));
  const reports: RunReport[] = [];
  let exitCode = 0;
  let slack: SlackEmulator | undefined;
  let after: AfterHandoffReport | undefined;
  try {
    // Slack for the sweep's messages: the world's reps as members, rate limits off (the demo posts
    // hundreds of messages in seconds; the limits are tested in test/notify).
    const slackClock = new EmulatorClock();
    slackClock.advance(atMs - Date.now());
    slack = await startSlackEmulator({
      users: slackUsersForWorld(emulators.world),
      rateLimitsEnabled: false,
      clock: slackClock,
    });
    const notificationsFile = resolve(opts.out, 'demo', 'notifications.yaml');
    writeFileSync(notificationsFile, notificationsYamlForWorld(emulators.world, opts.locale));
    const env = {
      ...emulators.info.env,
      TOSSUP_RULES: opts.rules,
      TOSSUP_LOCALE: opts.locale,
      TOSSUP_STATE_DIR: stateDir,
      TOSSUP_RUNS_DIR: join(opts.out, 'runs'),
      TOSSUP_NOTIFICATIONS: notificationsFile,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
    };
    const historyDays = opts.historyDays ?? HISTORY_DAYS;
    // Rules, routing and SLA as the Salesforce sync reads them: for the history and the review.
    const runConfig = loadCrmRunConfig(
      resolveSyncSettings({ flags: { crm: 'salesforce' }, env, profileFiles: [] }),
    );
    // The history's days go to Parquet while the demo goes on (DuckDB works on its own threads):
    // awaited before the review. Never rejects (a failure leaves them JSON Lines, with a warning).
    let compaction: Promise<void> = Promise.resolve();
    if (historyDays > 0) {
      await recordHistory(emulators, runConfig, atMs, historyDays, stateDir, opts.locale, stderr);
      compaction = compactQuietly(stateDir, partitionDate(new Date(atMs).toISOString()), stderr);
    }
    for (const crm of CRMS) {
      // The hand-off decides as of --at itself, not --at plus however long the emulators and the
      // history took to start on this machine: its due dates and ladder instants then fall exactly on
      // the steps after it (a sweep two business days later escalates in that step, on every run).
      const syncStarted = Date.now();
      // The per-run summary goes to the JSON report; the demo prints one combined summary below.
      const r = await executeSync(
        { crm },
        { env, stdout: discard(), stderr, profileFiles: [], clock: fixedClock(new Date(atMs).toISOString()) },
      );
      // On a clock that does not move the run reports no duration: the summary shows the real one.
      if (r.report) reports.push({ ...r.report, durationMs: Date.now() - syncStarted });
      if (r.exitCode !== 0) exitCode = r.exitCode;
    }
    const days = opts.days ?? DEMO_DAYS;
    const names = ownerNames(emulators);
    const stepHours = opts.stepHours ?? DEMO_STEP_HOURS;
    if (days > 0) {
      const settings = resolveSyncSettings({ flags: { crm: 'salesforce' }, env, profileFiles: [] });
      const sla = parseSlaConfig(
        readConfigFile(settings.slaFile, 'SLA file', 'set TOSSUP_SLA'),
        settings.slaFile,
      );
      stderr.write(
        ja
          ? `\n営業担当の対応と SLA スイープを ${days} 営業日分、${stepHours} 営業時間ごとに進めます…\n`
          : `\nRunning ${days} business day${days === 1 ? '' : 's'} of rep responses and SLA sweeps, every ${stepHours} business hours…\n`,
      );
      const users = new Map(emulators.world.users.map((u) => [u.key, u]));
      after = await runAfterHandoff({
        emulators,
        slack,
        stateDir,
        sla,
        startMs: atMs,
        stepHours,
        businessDays: days,
        locale: opts.locale,
        // The same composition as `tossup sweep`; its JSON reports go next to the sync's.
        sweep: async (crm, sweepClock) => {
          const err = collect();
          const r = await executeSweep(
            { crm },
            {
              env: { ...env, TOSSUP_RUNS_DIR: join(opts.out, 'sweeps') },
              stdout: discard(),
              stderr: err.stream,
              clock: sweepClock,
              profileFiles: [],
            },
          );
          if (!r.report) stderr.write(terminalSafeLines(err.text()));
          return r.report;
        },
        // The same composition as `tossup sync`: reads what the reps changed and records their verdicts.
        sync: async (crm, syncClock) => {
          const err = collect();
          // Their JSON reports go apart from the hand-off's (out/runs), which the HTML report shows.
          const r = await executeSync(
            { crm },
            {
              env: { ...env, TOSSUP_RUNS_DIR: join(opts.out, 'syncs') },
              stdout: discard(),
              stderr: err.stream,
              profileFiles: [],
              clock: syncClock,
            },
          );
          if (r.exitCode !== 0) stderr.write(terminalSafeLines(err.text()));
          return r.exitCode === 0;
        },
        onStep: (step) => stderr.write(`${stepLine(step, opts.locale)}\n`),
        repOf: (key) => {
          const u = users.get(key);
          return u
            ? { name: `${u.lastName} ${u.firstName}`, ...(u.response ? { style: u.response.style } : {}) }
            : { name: names[key] ?? key };
        },
      });
    }
    mkdirSync(opts.out, { recursive: true });
    const htmlPath = join(opts.out, 'report.html');
    writeFileSync(
      htmlPath,
      renderReportHtml({
        reports,
        ownerNames: ownerNames(emulators),
        locale: opts.locale,
        generatedAt: clock.now().toISOString(),
        ...(after ? { afterHandoff: after } : {}),
      }),
    );
    await compaction;
    const reviewAsOf = after ? new Date(after.to) : clock.now();
    // The demo's own days too: its sync and sweeps append one small file per batch (thousands), and
    // the review loads a few Parquet files (a few columns) far faster and in far less memory.
    await compactQuietly(
      stateDir,
      partitionDate(new Date(reviewAsOf.getTime() + 2 * DAY_MS).toISOString()),
      stderr,
    );
    // The review over all the ledger holds: the history and the days after the sync.
    const reviewPath = join(opts.out, 'review.html');
    const review = await writeDemoReview({
      stateDir,
      file: reviewPath,
      fromMs: atMs - historyDays * DAY_MS,
      asOf: reviewAsOf,
      locale: opts.locale,
      thresholds: runConfig.rules.source.thresholds,
      routing: runConfig.routing,
      sla: runConfig.sla,
    });
    keepLedger(stateDir, join(opts.out, 'state'));
    stdout.write(
      summary(reports, emulators, opts, (Date.now() - started) / 1000, htmlPath, after, {
        model: review,
        path: reviewPath,
      }),
    );
  } finally {
    await slack?.close();
    await emulators.close();
    if (!test.keepState) rmSync(stateDir, { recursive: true, force: true });
  }
  return { exitCode, after, slackMessages: slack?.messages ?? [], stateDir };
}

/**
 * The days before the demo's instant, in the ledger only (demo-history.ts): the Salesforce side of the
 * world decided hour by hour through the real batch step, with the reps' generated answers, verdicts
 * and opportunities. The emulators themselves start at the demo's instant, without those toss-ups.
 */
async function recordHistory(
  emulators: RunningEmulators,
  config: CrmRunConfig,
  atMs: number,
  days: number,
  stateDir: string,
  locale: Locale,
  stderr: NodeJS.WritableStream,
): Promise<void> {
  const ja = locale === 'ja';
  const started = Date.now();
  stderr.write(
    ja
      ? `過去 ${days} 日分の履歴 (判定・トスアップ・営業の対応と評価) を台帳に記録しています…\n`
      : `Recording ${days} days of history (decisions, toss-ups, the reps' answers and verdicts) in the ledger…\n`,
  );
  const seeded = emulators.salesforce.seeded;
  if (!seeded) return;
  const history = await buildDemoHistory({
    world: emulators.world,
    ids: { users: seeded.users, leads: seeded.leads, contacts: seeded.contacts },
    config,
    endMs: atMs,
    days,
  });
  await new FileLedger(stateDir).append(history.records);
  const n = (v: number) => v.toLocaleString(ja ? 'ja-JP' : 'en-US');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  stderr.write(
    ja
      ? `  判定 ${n(history.decided)} 件、トスアップ ${n(history.handOffs)} 件、台帳 ${n(history.records.length)} 行 (${seconds} 秒)\n`
      : `  ${n(history.decided)} decisions, ${n(history.handOffs)} toss-ups, ${n(history.records.length)} ledger rows (${seconds} s)\n`,
  );
}

function summary(
  reports: RunReport[],
  emulators: RunningEmulators,
  opts: DemoOptions,
  seconds: number,
  html: string,
  after?: AfterHandoffReport,
  review?: { model: ReviewModel; path: string },
): string {
  const ja = opts.locale === 'ja';
  const names = ownerNames(emulators);
  const n = (v: number) => v.toLocaleString(ja ? 'ja-JP' : 'en-US');
  const out: string[] = ['', ja ? '■ トスアップ連携デモ 結果' : '■ Toss-up demo results', ''];
  for (const r of reports) {
    const crm = r.crm === 'salesforce' ? 'Salesforce' : 'HubSpot';
    const ratio = r.api.minimum > 0 ? (r.api.total / Math.ceil(r.api.minimum)).toFixed(2) : '-';
    out.push(
      `[${crm}]  ${ja ? 'ルール' : 'rules'} ${r.rules.name}@${r.rules.version}  ${(r.durationMs / 1000).toFixed(1)} s`,
    );
    out.push(
      `  ${ja ? 'リード' : 'leads'} ${n(r.counts.leadsRead)}  ${ja ? '更新' : 'updated'} ${n(r.counts.written)}  ${ja ? 'タスク' : 'tasks'} ${n(r.counts.tasksCreated)}  ${ja ? 'スキップ/失敗' : 'skipped/failed'} ${n(r.counts.skipped)}/${n(r.counts.failed)}`,
    );
    out.push(
      `  ${ja ? 'フラグ' : 'flags'}: ${(['yes', 'hold', 'no'] as const).map((f) => `${FLAG_LABELS[opts.locale][f]} ${n(r.byFlag[f] ?? 0)}`).join(' / ')}`,
    );
    out.push(`  ${ja ? '主な理由' : 'top reasons'}:`);
    for (const [code, count] of top(r.byReasonCode, 5)) {
      out.push(`    ${pad(n(count), 6)} ${reasonCodeLabel(code, opts.locale)}`);
    }
    out.push(
      `  ${ja ? '担当者別タスク (上位5; 取引先担当 = 取引先の担当営業として、タスクなし = 関心のない既存顧客などの担当)' : 'tasks per rep (top 5; account = as account owner, no task = owner of record, e.g. customers showing no intent)'}:`,
    );
    const loads = ownerLoads(r);
    for (const l of loads.slice(0, 5)) {
      const shares = [
        ...(l.accountOwnerTasks > 0 ? [`${ja ? '取引先担当' : 'account'} ${n(l.accountOwnerTasks)}`] : []),
        ...(l.records > 0 ? [`${ja ? 'タスクなし' : 'no task'} ${n(l.records)}`] : []),
      ];
      out.push(
        `    ${pad(n(l.tasks), 6)} ${r.owners?.[l.ownerId] ? l.name : (names[l.ownerId] ?? l.name)}${shares.length ? ` (${shares.join(', ')})` : ''}${l.over ? `  ⚠ ${l.busiestDate} ${n(l.busiestCount)} > ${n(l.capacity ?? 0)}` : ''}`,
      );
    }
    const over = loads.filter((l) => l.over).length;
    // Account owners, requesters and queues are not capped like pools: say when one is flooded.
    if (over > 0)
      out.push(
        ja
          ? `  ⚠ ${n(over)}名が1日の上限を超えるタスクを受けています (詳細は HTML レポート)`
          : `  ⚠ ${n(over)} owners got more tasks due on one day than their daily capacity (see the HTML report)`,
      );
    const due = Object.entries(r.dueDates).sort(([a], [b]) => (a < b ? -1 : 1));
    out.push(`  ${ja ? '期限' : 'due dates'}: ${due.map(([d, c]) => `${d} (${n(c)})`).join(', ') || '-'}`);
    out.push(
      `  API: ${n(r.api.total)} ${ja ? '回 (最小' : 'calls (minimum'} ${n(Math.ceil(r.api.minimum))}, ${ratio}×)`,
      '',
    );
  }
  if (after) out.push(...afterHandoffLines(after, opts.locale), '');
  if (review) out.push(...reviewLines(review.model, opts.locale), '');
  out.push(
    ja
      ? `HTML レポート: ${relative(process.cwd(), html)}  (ブラウザで開けます。外部通信なし)`
      : `HTML report: ${relative(process.cwd(), html)} (open it in a browser; no network needed)`,
    ...(review
      ? [
          ja
            ? `振り返りレポート: ${relative(process.cwd(), review.path)}  (履歴を含む週次・月次の振り返り)`
            : `Review: ${relative(process.cwd(), review.path)} (the weekly and monthly review, history included)`,
          ja
            ? `判定台帳: ${join(opts.out, 'state')}/  (tossup review / explain --lead / backtest に --state-dir で指定)`
            : `Decision ledger: ${join(opts.out, 'state')}/ (give it to tossup review, explain --lead, backtest as --state-dir)`,
        ]
      : []),
    ja ? `実行レポート (JSON): ${join(opts.out, 'runs')}/` : `Run reports (JSON): ${join(opts.out, 'runs')}/`,
    ...(after
      ? [
          ja
            ? `スイープのレポート (JSON): ${join(opts.out, 'sweeps')}/`
            : `Sweep reports (JSON): ${join(opts.out, 'sweeps')}/`,
        ]
      : []),
    ja ? `合計 ${seconds.toFixed(1)} 秒` : `Total ${seconds.toFixed(1)} s`,
    '',
    ja
      ? '実際の組織/ポータルに対しては: npm run tossup -- sync --crm salesforce|hubspot --dry-run (設定は docs/pipeline.md)'
      : 'Against a real org or portal: npm run tossup -- sync --crm salesforce|hubspot --dry-run (settings: docs/pipeline.md)',
    '',
  );
  return out.join('\n');
}

/**
 * The local ledger's day partitions before `before` rewritten into Parquet (ledger-compaction.ts); a
 * failure is a warning: the rows stay JSON Lines, which the reader reads as well.
 */
async function compactQuietly(
  stateDir: string,
  before: string,
  stderr: NodeJS.WritableStream,
): Promise<void> {
  try {
    await compactLedger(stateDir, { before });
  } catch (e) {
    stderr.write(`warning: the ledger stays JSON Lines (${e instanceof Error ? e.message : String(e)})\n`);
  }
}

/**
 * The ledger and the outcome store outlive the demo's state (thrown away) in `<out>/state`, so
 * `tossup review`, `explain --lead` and `backtest` run on them with `--state-dir out/state`. Replaced
 * on every run: a ledger keeps every part file it is given, so an older run's would stay in it.
 */
function keepLedger(stateDir: string, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const part of ['ledger', 'outcomes']) {
    const from = join(stateDir, part);
    if (existsSync(from)) cpSync(from, join(dir, part), { recursive: true });
  }
}

/** The review's headline in the summary: its span, toss-ups, and the opportunity rate per decisive reason. */
function reviewLines(m: ReviewModel, locale: Locale): string[] {
  const ja = locale === 'ja';
  const n = (v: number) => v.toLocaleString(ja ? 'ja-JP' : 'en-US');
  const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);
  const out = [
    ja
      ? `■ 振り返り (${m.period.label}): 判定 ${n(m.summary.decisions)} 件、トスアップ ${n(m.summary.tossups)} 件`
      : `■ Review (${m.period.label}): ${n(m.summary.decisions)} decisions, ${n(m.summary.tossups)} toss-ups`,
    ja ? '  トスアップ理由別 (受入率 / 商談化率):' : '  by decisive reason (acceptance / opportunity rate):',
  ];
  for (const r of m.accuracy.rates.byReason.slice(0, 5)) {
    out.push(
      `    ${pad(n(r.tossups), 6)} ${reasonCodeLabel(r.key, locale)}  ${pct(r.acceptanceRate)} / ${pct(r.opportunityRate)}`,
    );
  }
  return out;
}

/** CRM user/owner id → rep name, for tasks-per-rep in the summary and the report. */
function ownerNames(e: RunningEmulators): Record<string, string> {
  const out: Record<string, string> = {};
  for (const u of e.world.users) {
    const name = `${u.lastName} ${u.firstName}`;
    const sf = e.salesforce.seeded?.users.get(u.key);
    const hs = e.hubspot.seedSummary?.ids.owners.get(u.key);
    if (sf) {
      out[sf] = name;
      out[sf.slice(0, 15)] = name;
    }
    if (hs) out[hs] = name;
  }
  return out;
}

function top(counts: Readonly<Record<string, number>>, k: number): Array<[string, number]> {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k);
}

/** A stream that keeps what is written, to show it only when something went wrong. */
function collect(): { stream: Writable & { isTTY: false }; text: () => string } {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    }),
    { isTTY: false as const },
  );
  return { stream, text: () => text };
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
}

function nonNegativeInt(value: string): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < 0)
    throw new InvalidArgumentError(`"${value}" is not a whole number (0 or more)`);
  return v;
}
