import { buildChatNotifier, recordRefFrom } from '../../composition/chat-notifier.ts';
import { connectCrm } from '../../composition/crm-registry.ts';
import { readConfigFile } from '../../config/read-config-file.ts';
import type { CrmName } from '../../domain/lead.ts';
import { parseNotificationsConfig } from '../../notify/notifications-config.ts';
import type { Clock } from '../../ports/clock.ts';
import { parseRoutingConfig } from '../../routing/routing-config.ts';
import { parseSlaConfig } from '../../sla/sla-config.ts';
import { FileEpisodeStore } from '../../state/file-episode-store.ts';
import { FileRoutingState } from '../../state/file-routing-state.ts';
import type { DrainReport } from '../../state/notification-outbox.ts';
import { runSweep, type SweepReport } from '../../sweep/run-sweep.ts';
import { resolveSyncSettings } from '../settings.ts';

/**
 * One SLA sweep of the demo, composed from the same settings as `tossup sync` (env, state directory,
 * routing/SLA/notifications files, chat secrets): the CRM's `episodes`, the file episode store the
 * sync recorded hand-offs in, the chat notifier's outbox, then a drain of the outbox so the messages
 * reach Slack in the same step.
 */
export async function demoSweep(
  crm: CrmName,
  io: { env: Readonly<Record<string, string | undefined>>; clock: Clock },
): Promise<{ report: SweepReport; drained: DrainReport } | null> {
  const settings = resolveSyncSettings({ flags: { crm }, env: io.env, profileFiles: [] });
  const routing = parseRoutingConfig(
    readConfigFile(settings.routingFile, 'routing file', 'set TOSSUP_ROUTING'),
    settings.routingFile,
    { crm },
  );
  const sla = parseSlaConfig(
    readConfigFile(settings.slaFile, 'SLA file', 'set TOSSUP_SLA'),
    settings.slaFile,
  );
  const notifications = parseNotificationsConfig(
    readConfigFile(settings.notificationsFile, 'notifications file', 'set TOSSUP_NOTIFICATIONS'),
    settings.notificationsFile,
    { routing },
  );
  const connector = await connectCrm(settings.connector, {
    clock: io.clock,
    dryRun: false,
    cacheDir: settings.stateDir,
  });
  try {
    // A connector without the sweep's CRM side (an older module) has nothing to sweep.
    if (!connector.episodes) return null;
    const chat = buildChatNotifier({
      config: notifications,
      routing,
      chat: settings.chat,
      store: settings.stateDir,
      clock: io.clock,
    });
    const report = await runSweep({
      crmName: crm,
      episodes: new FileEpisodeStore(settings.stateDir),
      crm: connector.episodes,
      sla,
      routing,
      routingState: new FileRoutingState(settings.stateDir),
      clock: io.clock,
      notify: { ...chat.notify, recordRef: recordRefFrom(connector) },
      usage: () => connector.usage(),
      taskLanguage: settings.locale,
    });
    const drained = await chat.outbox.drain();
    return { report, drained };
  } finally {
    await connector.close().catch(() => undefined);
  }
}
