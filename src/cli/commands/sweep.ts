import type { Command } from 'commander';
import { Option } from 'commander';
import { recordRefFrom } from '../../composition/chat-notifier.ts';
import { flushLedgerQuietly } from '../../ledger/flush-ledger.ts';
import { terminalSafeLines } from '../../logging/terminal-text.ts';
import { DryRunRoutingState } from '../../pipeline/dry-run-routing-state.ts';
import { ExitCode } from '../../pipeline/failure-policy.ts';
import { runIdOf } from '../../pipeline/run-sync.ts';
import { saveRunReport } from '../../pipeline/save-run-report.ts';
import { type Clock, clockStartingAt, systemClock } from '../../ports/clock.ts';
import type { CrmConnector } from '../../ports/crm-connector.ts';
import { leadLookupOf } from '../../ports/lead-lookup.ts';
import { nextCheckAt } from '../../sla/escalation-ladder.ts';
import { FileEpisodeStore } from '../../state/file-episode-store.ts';
import { FileOutcomeStore } from '../../state/file-outcome-store.ts';
import { FileRecheckStore } from '../../state/file-recheck-store.ts';
import { FileRoutingState } from '../../state/file-routing-state.ts';
import { FileStateStore } from '../../state/file-state-store.ts';
import { guardUnsyncedChanges } from '../../sweep/guard-unsynced-changes.ts';
import { opportunityCursorKey } from '../../sweep/opportunity-phase.ts';
import { renderSweepSummary } from '../../sweep/render-sweep-summary.ts';
import { runSweep, type SweepNotify, type SweepOptions } from '../../sweep/run-sweep.ts';
import type { SweepReport } from '../../sweep/sweep-report.ts';
import { CHAT_DRAIN_LIMIT } from '../chat-drain-limit.ts';
import {
  type CrmCommandIo,
  type CrmRun,
  type CrmRunOutcome,
  cliChatNotifier,
  withCrmRun,
} from '../crm-run.ts';
import { exitCodeOfStop } from '../exit-code-of-stop.ts';
import { localLedger, withLedger } from '../local-ledger.ts';
import { parseInstant } from '../parse-instant.ts';
import { positiveInt } from '../positive-int.ts';
import type { SyncFlags } from '../settings.ts';
import { createSweepProgress } from '../sweep-progress.ts';

export interface SweepCommandOptions extends SyncFlags {
  dryRun?: boolean;
  json?: boolean;
  /** Epoch ms of `--at`. */
  at?: number;
  limit?: number;
}

export type SweepIo = CrmCommandIo;

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
): Promise<CrmRunOutcome<SweepReport>> {
  const base = io.clock ?? systemClock;
  const clock = opts.at !== undefined ? clockStartingAt(opts.at, () => base.now().getTime()) : base;
  return withCrmRun('sweep', opts, io, sweepLeaseKey, clock, (run, connector) =>
    sweepUnderLease(opts, io, run, connector),
  );
}

async function sweepUnderLease(
  opts: SweepCommandOptions,
  io: SweepIo,
  run: CrmRun & { clock: Clock },
  connector: CrmConnector,
): Promise<CrmRunOutcome<SweepReport>> {
  const { settings, setup, clock, dryRun } = run;
  const episodeCrm = connector.episodes;
  if (!episodeCrm) {
    await connector.close().catch(() => undefined);
    io.stderr.write(
      `tossup sweep: the ${settings.crm} connector cannot read episodes yet (no CrmConnector.episodes); nothing was done\n`,
    );
    return { exitCode: ExitCode.Fix, report: null, reportPath: null };
  }

  // Chat: queued in the outbox under the state directory during the sweep, sent after it.
  const chat = cliChatNotifier(run, clock, io, !dryRun);
  const notify: SweepNotify | undefined = chat
    ? { ...chat.notify, recordRef: recordRefFrom(connector) }
    : undefined;

  const progress = createSweepProgress({ stream: io.stderr, locale: settings.locale });
  const startedAt = clock.now();
  // The decision ledger (docs/ledger.md): every episode step the sweep records, never on a dry run.
  const ledger = dryRun ? undefined : localLedger(settings.stateDir, io.stderr);
  const episodes = withLedger(new FileEpisodeStore(settings.stateDir, { clock }), ledger, setup.sla);
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
          ...(ledger ? { ledger } : {}),
        },
      }
    : undefined;
  // Opportunity outcomes: opportunities changed since the phase's own cursor (in the state directory).
  const opportunities: SweepOptions['opportunities'] = connector.opportunities
    ? {
        crm: connector.opportunities,
        outcomes: new FileOutcomeStore(settings.stateDir, { clock }),
        state: new FileStateStore(settings.stateDir),
        cursorKey: opportunityCursorKey(settings.crm, run.scope),
      }
    : undefined;
  let report: SweepReport;
  try {
    // No echo: lead fields of records others changed since the last sync are left for after it.
    await guardUnsyncedChanges(connector, new FileStateStore(settings.stateDir), run.scope);
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
      ...(opportunities ? { opportunities } : {}),
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
  await flushLedgerQuietly(ledger);

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

/**
 * 0 ok · 3 completed, but some writes failed (reported; the next sweep retries them) · 4 stopped, run
 * again later · 2 fix settings · 1 unexpected · 5 another sweep holds the lease (as `tossup sync`).
 */
export function exitCodeOf(report: SweepReport): number {
  if (report.stop) return exitCodeOfStop(report.stop);
  return report.counts.failed > 0 ? ExitCode.Skipped : ExitCode.Ok;
}
