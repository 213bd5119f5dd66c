import type { Command } from 'commander';
import { Option } from 'commander';
import type pino from 'pino';
import { type BundledConfig, BundleOptionsSchema } from '../../handlers/bundled-config.ts';
import { createHubspotWebhookHandler } from '../../handlers/webhook-handler.ts';
import { createWorkerHandler } from '../../handlers/worker-handler.ts';
import { createLogger } from '../../logging/logger.ts';
import { notificationTargets } from '../../notify/notification-targets.ts';
import { ExitCode } from '../../pipeline/failure-policy.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { CrmConnector } from '../../ports/crm-connector.ts';
import type { SecretSource } from '../../ports/secret-source.ts';
import { FileEpisodeStore } from '../../state/file-episode-store.ts';
import { FileEventDedup } from '../../state/file-event-dedup.ts';
import { FileRecheckStore } from '../../state/file-recheck-store.ts';
import { FileRoutingState } from '../../state/file-routing-state.ts';
import { MemoryLeadVersions } from '../../state/memory-lead-versions.ts';
import { sweepSchedule } from '../../sweep/sweep-schedule.ts';
import { CHAT_DRAIN_LIMIT } from '../chat-drain-limit.ts';
import { type CrmCommandIo, type CrmRun, cliChatNotifier, withCrmRun } from '../crm-run.ts';
import { directQueue } from '../direct-queue.ts';
import { localLedger, withLedger } from '../local-ledger.ts';
import { positiveInt } from '../positive-int.ts';
import { relaySourceOf, SalesforceChangeListener } from '../salesforce-change-listener.ts';
import type { SyncFlags } from '../settings.ts';
import { startWebhookListener } from '../webhook-listener.ts';

export interface ListenCommandOptions extends SyncFlags {
  port?: number;
  host?: string;
  /** The URL HubSpot was given (a tunnel's https URL); default the local http URL. */
  publicUrl?: string;
  /** Salesforce: the change event channel (default `/data/ChangeEvents`; a custom one: `/data/TossUp__chn`). */
  channel?: string;
}

export interface ListenIo extends CrmCommandIo {
  /** Ends the listener (the command's action wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
  /** Called once the server listens, with its local URL (tests and the demo post to it). */
  onListening?: (url: string) => void;
  /** Salesforce: after each batch of change events is worked (tests and the freshness benchmark). */
  onChangeBatch?: (info: { events: number; lastReplayId: number }) => void;
}

/** The environment variables of the webhook's app: its client secret (the signing key) and id. */
export const LISTEN_ENV = {
  clientSecret: 'TOSSUP_HUBSPOT_CLIENT_SECRET',
  appId: 'TOSSUP_HUBSPOT_APP_ID',
} as const;

/** The worker's budget for one request's contacts (HubSpot waits ~5 s; it retries what times out). */
const WORK_BUDGET_MS = 25_000;
const SECRET_ID = 'tossup-listen';

export function registerListen(program: Command): void {
  program
    .command('listen')
    .description(
      'receive CRM changes (HubSpot webhooks on a local HTTP port, Salesforce change events over the Streaming API) and decide the changed leads at once (flag, task, chat notice)',
    )
    .addOption(new Option('--crm <crm>', 'the CRM to listen to').choices(['salesforce', 'hubspot']))
    .option('--port <n>', 'port to listen on (default 8787)', positiveInt)
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option(
      '--public-url <url>',
      'the URL HubSpot posts to, as signed (e.g. a tunnel); default the local one',
    )
    .option(
      '--channel <channel>',
      'Salesforce: the change event channel (default /data/ChangeEvents; a custom channel: /data/<Name>__chn)',
    )
    .option('--rules <preset|file>', 'rule set: small, mid, large or a YAML file')
    .option('--profile <name>', 'settings profile from .tossup/profiles.yaml or ~/.tossup/profiles.yaml')
    .addOption(new Option('--locale <locale>', 'language of reasons and notes').choices(['ja', 'en']))
    .action(async (opts: ListenCommandOptions) => {
      const stop = new AbortController();
      for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => stop.abort());
      process.exitCode = await listenCommand(opts, {
        env: process.env,
        stdout: process.stdout,
        stderr: process.stderr,
        signal: stop.signal,
      });
    });
}

export function listenLeaseKey(crm: string, scope: string): string {
  return `listen|${crm}|${scope}`;
}

/** The whole `tossup listen`: runs until `io.signal` aborts; returns the exit code. */
export async function listenCommand(opts: ListenCommandOptions, io: ListenIo): Promise<number> {
  const clock = io.clock ?? systemClock;
  const crm = opts.crm ?? 'hubspot';
  if (crm === 'salesforce') {
    const outcome = await withCrmRun(
      'listen',
      { ...opts, crm },
      io,
      listenLeaseKey,
      clock,
      async (run, connector) => ({
        exitCode: await serveSalesforce(opts, io, run, connector),
        report: null,
        reportPath: null,
      }),
    );
    return outcome.exitCode;
  }
  const clientSecret = io.env[LISTEN_ENV.clientSecret]?.trim();
  if (!clientSecret) {
    io.stderr.write(
      `tossup listen: set ${LISTEN_ENV.clientSecret} to the HubSpot app's client secret (it signs the webhook requests)\n`,
    );
    return ExitCode.Fix;
  }
  const outcome = await withCrmRun(
    'listen',
    { ...opts, crm },
    io,
    listenLeaseKey,
    clock,
    async (run, connector) => ({
      exitCode: await serve(opts, io, run, connector, clientSecret),
      report: null,
      reportPath: null,
    }),
  );
  return outcome.exitCode;
}

/** The worker the listener hands its changes to (the Lambda worker handler, with the CLI's state). */
function listenWorker(
  io: ListenIo,
  run: CrmRun & { clock: Clock },
  connector: CrmConnector,
  log: pino.Logger,
  salesforceEventSource?: string,
) {
  const { settings, setup, clock } = run;
  const chat = cliChatNotifier(
    run,
    clock,
    io,
    notificationTargets(setup.notifications.config).sends('toss-up'),
  );
  const ledger = localLedger(settings.stateDir, io.stderr);
  const config: BundledConfig = {
    rules: setup.rules,
    renderer: setup.renderer,
    routing: setup.routing,
    sla: setup.sla,
    notifications: setup.notifications.config,
    queueTaskOwners: settings.queueTaskOwners,
    mappingFile: null,
    options: BundleOptionsSchema.parse({
      locale: settings.locale,
      queueTaskOwners: settings.queueTaskOwners,
      sources: {},
    }),
  };
  const worker = createWorkerHandler({
    crm: settings.crm,
    scope: run.scope,
    config,
    connectors: { get: async () => connector, invalidate: () => undefined },
    state: run.state,
    routingState: new FileRoutingState(settings.stateDir),
    versions: new MemoryLeadVersions(() => clock.now().getTime()),
    episodes: {
      store: withLedger(new FileEpisodeStore(settings.stateDir), ledger, setup.sla),
      schedule: sweepSchedule(setup.sla),
    },
    rechecks: new FileRecheckStore(settings.stateDir),
    ledger,
    ...(chat ? { notify: chat.notify } : {}),
    ...(salesforceEventSource ? { salesforceEventSource } : {}),
    clock,
    log,
  });
  // Notices are queued in the outbox by the worker and sent right after each request's work.
  return directQueue(async (event, context) => {
    const result = await worker(event, context);
    if (chat) await chat.outbox.drain({ limit: CHAT_DRAIN_LIMIT });
    return result;
  }, WORK_BUDGET_MS);
}

/** The state key of the Salesforce listener's replay id (one per profile and channel). */
export function replayCursorKey(scope: string, channel: string): string {
  return `listen|salesforce|${scope}|replay|${channel}`;
}

async function serveSalesforce(
  opts: ListenCommandOptions,
  io: ListenIo,
  run: CrmRun & { clock: Clock },
  connector: CrmConnector,
): Promise<number> {
  const log = createLogger({
    destination: io.stderr as unknown as pino.DestinationStream,
    base: { fn: 'listen', crm: 'salesforce' },
  });
  const stream = connector.changeEventStream;
  if (!stream) {
    io.stderr.write('tossup listen: this Salesforce connector reads no change events\n');
    return ExitCode.Fix;
  }
  const channel = opts.channel ?? '/data/ChangeEvents';
  const source = relaySourceOf(stream.organizationId, channel);
  const listener = new SalesforceChangeListener({
    stream,
    channel,
    state: run.state,
    cursorKey: replayCursorKey(run.scope, channel),
    queue: listenWorker(io, run, connector, log, source),
    source,
    log,
    ...(io.onChangeBatch ? { onBatch: io.onChangeBatch } : {}),
  });
  await listener.start();
  io.stderr.write(`tossup listen: receiving Salesforce change events on ${channel} (Ctrl-C to stop)\n`);
  io.onListening?.(channel);
  await new Promise<void>((resolve) => {
    if (!io.signal || io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await listener.stop();
  await connector.close().catch(() => undefined);
  io.stderr.write(
    `tossup listen: stopped; ${listener.counts.received} change events received, last worked replay id ${listener.lastDoneReplayId}\n`,
  );
  return ExitCode.Ok;
}

async function serve(
  opts: ListenCommandOptions,
  io: ListenIo,
  run: CrmRun & { clock: Clock },
  connector: CrmConnector,
  clientSecret: string,
): Promise<number> {
  const { settings, clock } = run;
  const log = createLogger({
    destination: io.stderr as unknown as pino.DestinationStream,
    base: { fn: 'listen', crm: settings.crm },
  });
  const work = listenWorker(io, run, connector, log);

  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8787;
  const readProperties = (connector.source as { contactProperties?: readonly string[] }).contactProperties;
  let signedBaseUrl = opts.publicUrl;
  const handler = createHubspotWebhookHandler({
    secretId: SECRET_ID,
    secrets: fixedSecret(JSON.stringify({ clientSecret }), clock),
    // In the state directory: an event handled before a restart (even a kill -9) stays a duplicate.
    dedup: new FileEventDedup(settings.stateDir, { clock }),
    queue: work,
    clock,
    log,
    portalId: settings.connector.crm === 'hubspot' ? portalIdOf(settings.connector.settings) : null,
    ownAppId: io.env[LISTEN_ENV.appId]?.trim() || null,
    readProperties: readProperties ? new Set(readProperties) : null,
    // Read per request: with `--port 0` the URL is known only once the server listens.
    get signedBaseUrl() {
      return signedBaseUrl;
    },
  });
  const listener = await startWebhookListener({ handler, host, port });
  signedBaseUrl ??= listener.url;
  io.stderr.write(`tossup listen: receiving HubSpot webhooks on ${listener.url} (Ctrl-C to stop)\n`);
  io.onListening?.(listener.url);
  await new Promise<void>((resolve) => {
    if (!io.signal || io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await listener.close();
  await connector.close().catch(() => undefined);
  return ExitCode.Ok;
}

/** The client secret from the environment, as the webhook handler's secret source. */
function fixedSecret(text: string, clock: Clock): SecretSource {
  const fetchedAtMs = clock.now().getTime();
  return { get: async () => ({ text, versionId: '1', fetchedAtMs }), invalidate: () => undefined };
}

function portalIdOf(settings: unknown): string | null {
  const id = (settings as { portalId?: unknown }).portalId;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}
