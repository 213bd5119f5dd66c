import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readConfigFile } from '../config/read-config-file.ts';
import { ConfigError } from '../domain/errors.ts';
import {
  disabledNotificationsConfig,
  type NotificationsConfig,
  parseNotificationsConfig,
} from '../notify/notifications-config.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';

/** The notifications.yaml shipped in mappings/, used when no TOSSUP_NOTIFICATIONS or profile key names one. */
export const BUNDLED_NOTIFICATIONS_FILE = fileURLToPath(
  new URL('../../mappings/notifications.yaml', import.meta.url),
);

/**
 * notifications.yaml as `tossup sync` and `tossup sweep` use it. No file: no chat. A file the admin
 * chose must name routing.yaml's pools (a ConfigError otherwise). The bundled default names the pools
 * of the bundled routing.yaml; with another routing file (`tossup emulate`'s, an org's own) its
 * unknown pools are a warning, not an error: their channels are never chosen (owners of other pools
 * go to `defaultChannel`), and a user who never touched chat must not have sync stop over it.
 */
export function loadNotificationsFile(
  file: string,
  routing: RoutingConfig,
): { config: NotificationsConfig; warnings: string[] } {
  if (!existsSync(file)) return { config: disabledNotificationsConfig(), warnings: [] };
  const text = readConfigFile(file, 'notifications file', 'check the path');
  try {
    return { config: parseNotificationsConfig(text, file, { routing }), warnings: [] };
  } catch (e) {
    if (!(e instanceof ConfigError) || file !== BUNDLED_NOTIFICATIONS_FILE) throw e;
    // Any other problem of the bundled file still fails here (it is parsed once more without routing).
    const config = parseNotificationsConfig(text, file);
    const pools = new Set(routing.pools.map((p) => p.id));
    const unknown = [
      ...Object.keys(config.slack?.channels ?? {}),
      ...Object.keys(config.teams?.webhooks ?? {}),
    ].filter((p, i, all) => !pools.has(p) && all.indexOf(p) === i);
    if (unknown.length === 0) throw e;
    return {
      config,
      warnings: [
        `${file}: slack.channels/teams.webhooks name pools your routing file does not have (${unknown.join(', ')}); their lines are ignored and those owners' notices go to defaultChannel. Fix: copy the file, list your routing.yaml pool ids, and set TOSSUP_NOTIFICATIONS (or notifications: in the profile) to it`,
      ],
    };
  }
}
