import type { Command } from 'commander';
import { Option } from 'commander';
import { recordRefFrom } from '../../composition/chat-notifier.ts';
import { terminalSafeLines } from '../../logging/terminal-text.ts';
import { notificationTargets } from '../../notify/notification-targets.ts';
import { ExitCode } from '../../pipeline/failure-policy.ts';
import { describeOwners, ownerNamer, reportOwnerIds, scoreThresholdsAt } from '../../pipeline/owner-load.ts';
import { renderPlan } from '../../pipeline/render-plan.ts';
import { renderSummary } from '../../pipeline/render-summary.ts';
import type { RunReport } from '../../pipeline/run-report.ts';
import { cursorKey, runSync } from '../../pipeline/run-sync.ts';
import { saveRunReport } from '../../pipeline/save-run-report.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { CrmConnector } from '../../ports/crm-connector.ts';
import { FileEpisodeStore } from '../../state/file-episode-store.ts';
import { FileRecheckStore } from '../../state/file-recheck-store.ts';
import { FileRoutingState } from '../../state/file-routing-state.ts';
import { sweepSchedule } from '../../sweep/sweep-schedule.ts';
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
import { writeLine } from '../output.ts';
import { parseInstant } from '../parse-instant.ts';
import { positiveInt } from '../positive-int.ts';
import { createProgress } from '../progress.ts';
import type { SyncFlags } from '../settings.ts';
import { limitSyncHeapGrowth } from '../sync-heap-growth.ts';

export interface SyncCommandOptions extends SyncFlags {
  dryRun?: boolean;
  since?: number;
  limit?: number;
}

export type SyncIo = CrmCommandIo;

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description(
      'decide the toss-up of every lead changed in the CRM since the last run, write flag and reasons back and create one follow-up task per toss-up',
    )
    .addOption(new Option('--crm <crm>', 'the CRM to sync').choices(['salesforce', 'hubspot']))
    .option('--dry-run', 'plan and explain only: no field write, no task, no cursor change')
    .option('--since <time>', 'start from this ISO time instead of the stored cursor', (v) => parseInstant(v))
    .option('--limit <n>', 'stop after about n leads (whole pages)', positiveInt)
    .option(
      '--rules <preset|file>',
      'rule set: small, mid, large or a YAML file (default: TOSSUP_RULES, the profile, else large)',
    )
    .option('--profile <name>', 'settings profile from .tossup/profiles.yaml or ~/.tossup/profiles.yaml')
    .addOption(
      new Option('--locale <locale>', 'language of reasons, notes and the summary').choices(['ja', 'en']),
    )
    .action(async (opts: SyncCommandOptions) => {
      // The process is this sync's alone (`tossup demo` runs its sync beside the emulators: not here).
      limitSyncHeapGrowth();
      process.exitCode = await syncCommand(opts, {
        env: process.env,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });
}

/** The whole `tossup sync`; returns the exit code (docs/pipeline.md, "Exit codes"). */
export async function syncCommand(opts: SyncCommandOptions, io: SyncIo): Promise<number> {
  return (await executeSync(opts, io)).exitCode;
}

/** `tossup sync` returning its report too (null when it stopped before running), for `tossup demo`. */
export async function executeSync(opts: SyncCommandOptions, io: SyncIo): Promise<CrmRunOutcome<RunReport>> {
  const clock = io.clock ?? systemClock;
  return withCrmRun('sync', opts, io, cursorKey, clock, (run, connector) =>
    syncUnderLease(opts, io, run, connector),
  );
}

async function syncUnderLease(
  opts: SyncCommandOptions,
  io: SyncIo,
  run: CrmRun & { clock: Clock },
  connector: CrmConnector,
): Promise<CrmRunOutcome<RunReport>> {
  const { settings, setup, clock, dryRun, state } = run;

  // The toss-up chat notice: queued in the outbox under the state directory during the run, sent
  // after it (docs/notifications.md). Only when notifications.yaml sends toss-ups; never on a dry run.
  const chat = cliChatNotifier(
    run,
    clock,
    io,
    !dryRun && notificationTargets(setup.notifications.config).sends('toss-up'),
  );

  // A notice without a link to the record is not sent (as in the sweep); counted to say so once.
  const linkOf = recordRefFrom(connector);
  let unlinked = 0;
  const recordRef: typeof linkOf = (lead) => {
    const ref = linkOf(lead);
    if (!ref) unlinked += 1;
    return ref;
  };

  // The decision ledger (docs/ledger.md): each decision written and each episode step, never on a dry run.
  const ledger = dryRun ? undefined : localLedger(settings.stateDir, io.stderr);
  const ownerName = ownerNamer(setup.routing, settings.crm);
  const progress = createProgress({ stream: io.stderr, locale: settings.locale, dryRun });
  let report: RunReport;
  try {
    report = await runSync({
      connector,
      rules: setup.rules,
      renderer: setup.renderer,
      routing: setup.routing,
      sla: setup.sla,
      state,
      routingState: new FileRoutingState(settings.stateDir),
      // Each lead's next re-check and hold start, for `tossup sweep`'s re-checks.
      rechecks: new FileRecheckStore(settings.stateDir),
      clock,
      dryRun,
      since: opts.since !== undefined ? new Date(opts.since).toISOString() : null,
      limit: opts.limit ?? null,
      scope: run.scope,
      lease: run.lease ?? undefined,
      queueTaskOwners: settings.queueTaskOwners,
      // Toss-up episodes for `tossup sweep`, in the same state directory (a dry run only reads them).
      episodes: {
        store: withLedger(new FileEpisodeStore(settings.stateDir), ledger, setup.sla),
        schedule: sweepSchedule(setup.sla),
      },
      ...(ledger ? { ledger } : {}),
      ...(chat ? { notify: { ...chat.notify, recordRef } } : {}),
      onProgress: (p) => progress.update(p),
      onLead: dryRun
        ? async (o) => {
            const text = renderPlan(o, {
              locale: settings.locale,
              renderer: setup.renderer,
              timeZone: setup.sla.timeZone,
              ownerName,
            });
            if (text) await writeLine(io.stdout, text);
          }
        : undefined,
    });
  } finally {
    progress.stop();
    await connector.close().catch(() => undefined);
  }
  // Bounded: what is left (a Slack outage, more than the limit) waits for the next sync or sweep.
  if (chat) await chat.outbox.drain({ limit: CHAT_DRAIN_LIMIT });
  if (unlinked > 0)
    io.stderr.write(
      `warning: ${unlinked} toss-up chat notice(s) not sent: no link to the CRM record can be built (HubSpot: set TOSSUP_HUBSPOT_PORTAL_ID, or portalId in the profile; Salesforce: the connector's instance URL)\n`,
    );

  // The summary quotes CRM messages and names: no control or bidi character reaches the terminal.
  // Names and capacities from the routing file, so the summary and the report name reps, not ids.
  report.owners = describeOwners(setup.routing, settings.crm, reportOwnerIds(report));
  report.scoreThresholds = scoreThresholdsAt(setup.rules, new Date(report.startedAt));
  io.stdout.write(terminalSafeLines(renderSummary(report, settings.locale)));
  const path = await saveRunReport(report, settings.runsDir);
  io.stdout.write(`${settings.locale === 'ja' ? 'レポート' : 'report'}: ${path}\n`);
  return { exitCode: exitCodeOf(report), report, reportPath: path };
}

/** 0 ok · 3 completed with skipped records · 4 stopped, run again later · 2 fix settings · 1 unexpected (5, another run holds the lease, is decided before the run). */
export function exitCodeOf(report: RunReport): number {
  if (report.stop) return exitCodeOfStop(report.stop);
  return report.counts.skipped > 0 ? ExitCode.Skipped : ExitCode.Ok;
}
