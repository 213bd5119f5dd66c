import type { Writable } from 'node:stream';
import { buildChatNotifier, type ChatNotifier } from '../composition/chat-notifier.ts';
import { ConnectorUnavailableError, connectCrm } from '../composition/crm-registry.ts';
import { ConfigError, CrmError } from '../domain/errors.ts';
import { terminalSafe } from '../logging/terminal-text.ts';
import { ExitCode, stopFromError } from '../pipeline/failure-policy.ts';
import {
  acquireRunLease,
  localLeaseHolder,
  type RunLease,
  RunLeaseHeldError,
} from '../pipeline/run-lease.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';
import { FileStateStore } from '../state/file-state-store.ts';
import { type CrmRunConfig, loadCrmRunConfig } from './crm-run-config.ts';
import { exitCodeOfStop } from './exit-code-of-stop.ts';
import { resolveSyncSettings, SettingsError, type SyncFlags } from './settings.ts';

/** Where `tossup sync` and `tossup sweep` read settings and write; `clock` for tests and the demo. */
export interface CrmCommandIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: Writable;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  clock?: Clock;
  profileFiles?: string[];
}

/** What a sync or a sweep runs with, once settings, config files and the lease are in hand. */
export interface CrmRun {
  settings: ReturnType<typeof resolveSyncSettings>;
  setup: CrmRunConfig;
  dryRun: boolean;
  scope: string;
  state: FileStateStore;
  lease: RunLease | null;
}

/**
 * The chat notifier of a CLI run (outbox under the state directory, sent after the run), or null when
 * `enabled` is false; the notifications file's and the notifier's warnings go to stderr once.
 */
export function cliChatNotifier(
  run: CrmRun,
  clock: Clock,
  io: CrmCommandIo,
  enabled: boolean,
): ChatNotifier | null {
  const { setup, settings } = run;
  const chat = enabled
    ? buildChatNotifier({
        config: setup.notifications.config,
        routing: setup.routing,
        chat: settings.chat,
        store: settings.stateDir,
        clock,
      })
    : null;
  const warnings = chat ? [...setup.notifications.warnings, ...chat.warnings] : [];
  for (const w of warnings)
    io.stderr.write(`warning: ${w}
`);
  return chat;
}

/**
 * Settings, config files and the run lease of `tossup sync` and `tossup sweep`, before any CRM call;
 * an exit code when they stop here (2 fix settings, 5 another run holds the lease). The caller
 * releases the lease.
 */
async function startCrmRun(
  opts: SyncFlags & { dryRun?: boolean },
  io: CrmCommandIo,
  leaseKey: (crm: string, scope: string) => string,
): Promise<CrmRun | number> {
  let settings: ReturnType<typeof resolveSyncSettings>;
  let setup: CrmRunConfig;
  try {
    settings = resolveSyncSettings({ flags: opts, env: io.env, profileFiles: io.profileFiles });
    setup = loadCrmRunConfig(settings);
  } catch (e) {
    if (e instanceof SettingsError || e instanceof ConfigError) {
      io.stderr.write(`${e.message}\n`);
      return ExitCode.Fix;
    }
    throw e;
  }
  for (const w of settings.warnings) io.stderr.write(`warning: ${w}\n`);

  const dryRun = opts.dryRun ?? false;
  const scope = settings.profile ?? 'default';
  const state = new FileStateStore(settings.stateDir);
  // One run per command, CRM and profile at a time: a second one stops here, before any CRM call. A
  // dry run writes nothing, so it may run beside a real one.
  let lease: RunLease | null = null;
  if (!dryRun) {
    try {
      lease = await acquireRunLease(state, leaseKey(settings.crm, scope), localLeaseHolder(), {
        clock: systemClock,
      });
    } catch (e) {
      if (e instanceof RunLeaseHeldError) {
        io.stderr.write(`${e.message}\n`);
        return ExitCode.Busy;
      }
      throw e;
    }
  }
  return { settings, setup, dryRun, scope, state, lease };
}

/** The result of `tossup sync` or `tossup sweep`: its report is null when it stopped before running. */
export interface CrmRunOutcome<R> {
  exitCode: number;
  report: R | null;
  reportPath: string | null;
}

/**
 * The frame of `tossup sync` and `tossup sweep`: settings, config files and the lease (released at
 * the end), then the CRM connection, then `body`; an exit code with no report when one stops it.
 */
export async function withCrmRun<R>(
  command: string,
  opts: SyncFlags & { dryRun?: boolean },
  io: CrmCommandIo,
  leaseKey: (crm: string, scope: string) => string,
  clock: Clock,
  body: (run: CrmRun & { clock: Clock }, connector: CrmConnector) => Promise<CrmRunOutcome<R>>,
): Promise<CrmRunOutcome<R>> {
  const start = await startCrmRun(opts, io, leaseKey);
  if (typeof start === 'number') return { exitCode: start, report: null, reportPath: null };
  try {
    const connector = await connectForRun(command, start.settings, { clock, dryRun: start.dryRun }, io);
    if (typeof connector === 'number') return { exitCode: connector, report: null, reportPath: null };
    return await body({ ...start, clock }, connector);
  } finally {
    await start.lease?.release();
  }
}

/** The CRM connector of a run, or the exit code when the connection fails (the cause said once). */
async function connectForRun(
  command: string,
  settings: ReturnType<typeof resolveSyncSettings>,
  context: { clock: Clock; dryRun: boolean },
  io: { stderr: NodeJS.WritableStream },
): Promise<CrmConnector | number> {
  try {
    return await connectCrm(settings.connector, { ...context, cacheDir: settings.stateDir });
  } catch (e) {
    if (e instanceof ConnectorUnavailableError) {
      io.stderr.write(`${e.message}\n`);
      return ExitCode.Fix;
    }
    // The login failed (wrong password, login server down): the same exit codes as a run that
    // stops for that reason (2 fix the settings, 4 run again later).
    if (e instanceof CrmError) {
      const stop = stopFromError(e);
      io.stderr.write(`tossup ${command}: ${terminalSafe(stop.message)}\n`);
      return exitCodeOfStop(stop);
    }
    throw e;
  }
}
