import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { buildChatNotifier, recordRefFrom } from '../../composition/chat-notifier.ts';
import { ConnectorUnavailableError, connectCrm } from '../../composition/crm-registry.ts';
import { loadRuleSet } from '../../config/load-rule-set.ts';
import { readConfigFile } from '../../config/read-config-file.ts';
import { ConfigError, CrmError } from '../../domain/errors.ts';
import { terminalSafe, terminalSafeLines } from '../../logging/terminal-text.ts';
import { DryRunRoutingState } from '../../pipeline/dry-run-routing-state.ts';
import { ExitCode, type StopSignal, stopFromError } from '../../pipeline/failure-policy.ts';
import {
  acquireRunLease,
  localLeaseHolder,
  type RunLease,
  RunLeaseHeldError,
} from '../../pipeline/run-lease.ts';
import { runIdOf } from '../../pipeline/run-sync.ts';
import { saveRunReport } from '../../pipeline/save-run-report.ts';
import { type Clock, clockStartingAt, systemClock } from '../../ports/clock.ts';
import type { CrmConnector } from '../../ports/crm-connector.ts';
import { leadLookupOf } from '../../ports/lead-lookup.ts';
import { ReasonRenderer } from '../../reasons/render-reasons.ts';
import { parseRoutingConfig } from '../../routing/routing-config.ts';
import { compileRuleSet } from '../../scoring/compile-rule-set.ts';
import { nextCheckAt } from '../../sla/escalation-ladder.ts';
import { parseSlaConfig } from '../../sla/sla-config.ts';
import { FileEpisodeStore } from '../../state/file-episode-store.ts';
import { FileRecheckStore } from '../../state/file-recheck-store.ts';
import { FileRoutingState } from '../../state/file-routing-state.ts';
import { FileStateStore } from '../../state/file-state-store.ts';
import { renderSweepSummary } from '../../sweep/render-sweep-summary.ts';
import { runSweep, type SweepNotify, type SweepOptions } from '../../sweep/run-sweep.ts';
import type { SweepReport } from '../../sweep/sweep-report.ts';
import { CHAT_DRAIN_LIMIT } from '../chat-drain-limit.ts';
import { loadNotificationsFile } from '../notifications-file.ts';
import { parseInstant } from '../parse-instant.ts';
import { resolveSyncSettings, SettingsError, type SyncFlags } from '../settings.ts';
import { createSweepProgress } from '../sweep-progress.ts';

export interface SweepCommandOptions extends SyncFlags {
  dryRun?: boolean;
  json?: boolean;
  /** Epoch ms of `--at`. */
  at?: number;
  limit?: number;
}

export interface SweepIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: Writable;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  clock?: Clock;
  profileFiles?: string[];
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description(
      'check the open toss-ups against their SLA: record first responses from the CRM, remind, tell the manager, create manager tasks, reassign, and write the SLA status on the lead (sla.yaml ladder)',
    )
    .addOption(new Option('--crm <crm>', 'the CRM to sweep').choices(['salesforce', 'hubspot']))
    .option('--dry-run', 'read the CRM and plan only: no write, no task, no notification, no episode change')
    .option('--json', 'print the sweep report as JSON instead of the summary')
    .option('--at <time>', 'check as of this ISO time with an offset (default: now)', (v) => parseInstant(v))
    .option('--limit <n>', 'look at most at n due toss-ups (default 5000)', positiveInt)
    .option('--profile <name>', 'settings profile from .tossup/profiles.yaml or ~/.tossup/profiles.yaml')
    .addOption(new Option('--locale <locale>', 'language of tasks and the summary').choices(['ja', 'en']))
    .action(async (opts: SweepCommandOptions) => {
      process.exitCode = await sweepCommand(opts, {
        env: process.env,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });
}

export async function sweepCommand(opts: SweepCommandOptions, io: SweepIo): Promise<number> {
  return (await executeSweep(opts, io)).exitCode;
}

/** The run lease of sweeps: its own name, so a sweep and a sync run side by side, two sweeps never. */
export function sweepLeaseKey(crm: string, scope: string): string {
  return `sweep|${crm}|${scope}`;
}

/** `tossup sweep`, returning its report too (null when it stopped before running), for `tossup demo`. */
export async function executeSweep(
  opts: SweepCommandOptions,
  io: SweepIo,
): Promise<{ exitCode: number; report: SweepReport | null; reportPath: string | null }> {
  const base = io.clock ?? systemClock;
  const clock = opts.at !== undefined ? clockStartingAt(opts.at, () => base.now().getTime()) : base;
  let settings: ReturnType<typeof resolveSyncSettings>;
  let setup: ReturnType<typeof loadConfig>;
  try {
    settings = resolveSyncSettings({ flags: opts, env: io.env, profileFiles: io.profileFiles });
    setup = loadConfig(settings);
  } catch (e) {
    if (e instanceof SettingsError || e instanceof ConfigError) {
      io.stderr.write(`${e.message}\n`);
      return { exitCode: ExitCode.Fix, report: null, reportPath: null };
    }
    throw e;
  }
  for (const w of settings.warnings) io.stderr.write(`warning: ${w}\n`);

  const dryRun = opts.dryRun ?? false;
  const scope = settings.profile ?? 'default';
  const state = new FileStateStore(settings.stateDir);
  let lease: RunLease | null = null;
  if (!dryRun) {
    try {
      lease = await acquireRunLease(state, sweepLeaseKey(settings.crm, scope), localLeaseHolder(), {
        clock: systemClock,
      });
    } catch (e) {
      if (e instanceof RunLeaseHeldError) {
        io.stderr.write(`${e.message}\n`);
        return { exitCode: ExitCode.Busy, report: null, reportPath: null };
      }
      throw e;
    }
  }
  try {
    return await sweepUnderLease(opts, io, { settings, setup, clock, dryRun, scope, lease });
  } finally {
    await lease?.release();
  }
}

async function sweepUnderLease(
  opts: SweepCommandOptions,
  io: SweepIo,
  run: {
    settings: ReturnType<typeof resolveSyncSettings>;
    setup: ReturnType<typeof loadConfig>;
    clock: Clock;
    dryRun: boolean;
    scope: string;
    lease: RunLease | null;
  },
): Promise<{ exitCode: number; report: SweepReport | null; reportPath: string | null }> {
  const { settings, setup, clock, dryRun } = run;
  let connector: CrmConnector;
  try {
    connector = await connectCrm(settings.connector, { clock, dryRun, cacheDir: settings.stateDir });
  } catch (e) {
    if (e instanceof ConnectorUnavailableError) {
      io.stderr.write(`${e.message}\n`);
      return { exitCode: ExitCode.Fix, report: null, reportPath: null };
    }
    if (e instanceof CrmError) {
      const stop = stopFromError(e);
      io.stderr.write(`tossup sweep: ${terminalSafe(stop.message)}\n`);
      return { exitCode: exitCodeOfStop(stop), report: null, reportPath: null };
    }
    throw e;
  }
  const episodeCrm = connector.episodes;
  if (!episodeCrm) {
    await connector.close().catch(() => undefined);
    io.stderr.write(
      `tossup sweep: the ${settings.crm} connector cannot read episodes yet (no CrmConnector.episodes); nothing was done\n`,
    );
    return { exitCode: ExitCode.Fix, report: null, reportPath: null };
  }

  // Chat: queued in the outbox under the state directory during the sweep, sent after it.
  const chat = dryRun
    ? null
    : buildChatNotifier({
        config: setup.notifications.config,
        routing: setup.routing,
        chat: settings.chat,
        store: settings.stateDir,
        clock,
      });
  const chatWarnings = chat ? [...setup.notifications.warnings, ...chat.warnings] : [];
  for (const w of chatWarnings) io.stderr.write(`warning: ${w}\n`);
  const notify: SweepNotify | undefined = chat
    ? { ...chat.notify, recordRef: recordRefFrom(connector) }
    : undefined;

  const progress = createSweepProgress({ stream: io.stderr, locale: settings.locale });
  const startedAt = clock.now();
  const episodes = new FileEpisodeStore(settings.stateDir, { clock });
  const routingState = new FileRoutingState(settings.stateDir);
  // Re-checks: leads whose recheckAt came (kept by `tossup sync`) are decided again as a sync would.
  const lookup = leadLookupOf(connector);
  const rechecks: SweepOptions['rechecks'] = lookup
    ? {
        store: new FileRecheckStore(settings.stateDir, { clock }),
        lookup,
        pipeline: {
          crm: settings.crm,
          sink: connector.sink,
          rules: setup.rules,
          renderer: setup.renderer,
          routing: setup.routing,
          routingState: dryRun ? new DryRunRoutingState(routingState) : routingState,
          sla: setup.sla,
          state: new FileStateStore(settings.stateDir),
          recordUrl: (lead) => connector.recordUrl(lead),
          queueTaskOwners: settings.queueTaskOwners,
          scope: `recheck|${settings.crm}|${run.scope}`,
          reasonMaxLength: connector.reasonMaxLength,
          episodes: { store: episodes, schedule: (episode) => nextCheckAt(episode, setup.sla) },
        },
      }
    : undefined;
  let report: SweepReport;
  try {
    report = await runSweep({
      crmName: settings.crm,
      episodes,
      crm: episodeCrm,
      sla: setup.sla,
      routing: setup.routing,
      routingState,
      clock,
      dryRun,
      ...(rechecks ? { rechecks } : {}),
      ...(notify ? { notify } : {}),
      limit: opts.limit ?? null,
      scope: run.scope,
      runId: `sweep-${runIdOf(settings.crm, startedAt)}`,
      usage: () => connector.usage(),
      ...(run.lease ? { lease: run.lease } : {}),
      taskLanguage: settings.locale,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
    await connector.close().catch(() => undefined);
  }
  // Every run, not only when this one queued something: entries left pending by an outage (or by a
  // sync) go out with the next sweep. Bounded; what is left waits for the next run.
  if (chat) await chat.outbox.drain({ limit: CHAT_DRAIN_LIMIT });

  const path = await saveRunReport(report, settings.runsDir);
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    io.stderr.write(`report: ${path}\n`);
  } else {
    io.stdout.write(terminalSafeLines(renderSweepSummary(report, settings.locale)));
    io.stdout.write(`${settings.locale === 'ja' ? 'レポート' : 'report'}: ${path}\n`);
  }
  return { exitCode: exitCodeOf(report), report, reportPath: path };
}

function loadConfig(settings: ReturnType<typeof resolveSyncSettings>) {
  const routing = parseRoutingConfig(
    readConfigFile(
      settings.routingFile,
      'routing file',
      'check the path, or set TOSSUP_ROUTING (or the profile key) to the right file',
    ),
    settings.routingFile,
    { crm: settings.crm },
  );
  const rs = loadRuleSet(settings.rules);
  return {
    rules: compileRuleSet(rs),
    renderer: new ReasonRenderer(settings.locale, rs.messages),
    routing,
    sla: parseSlaConfig(
      readConfigFile(
        settings.slaFile,
        'SLA file',
        'check the path, or set TOSSUP_SLA (or the profile key) to the right file',
      ),
      settings.slaFile,
    ),
    // No notifications file: no chat message (the CRM work is the same).
    notifications: loadNotificationsFile(settings.notificationsFile, routing),
  };
}

/**
 * 0 ok · 3 completed, but some writes failed (reported; the next sweep retries them) · 4 stopped, run
 * again later · 2 fix settings · 1 unexpected · 5 another sweep holds the lease (as `tossup sync`).
 */
export function exitCodeOf(report: SweepReport): number {
  if (report.stop) return exitCodeOfStop(report.stop);
  return report.counts.failed > 0 ? ExitCode.Skipped : ExitCode.Ok;
}

function exitCodeOfStop(stop: Pick<StopSignal, 'action'>): number {
  switch (stop.action) {
    case 'fix':
      return ExitCode.Fix;
    case 'retry':
    case 'resume_later':
      return ExitCode.Stopped;
    default:
      return ExitCode.Unexpected;
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
}
