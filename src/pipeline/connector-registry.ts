import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Clock } from '../ports/clock.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';

export type SyncCrm = 'salesforce' | 'hubspot';

/**
 * Salesforce credentials: OAuth username-password (clientId + clientSecret + username + password),
 * JWT bearer (clientId + username + privateKeyFile), or client credentials (clientId + clientSecret).
 * Which flow applies is the connector's choice from what is present.
 */
export interface SalesforceCredentials {
  loginUrl: string;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  privateKeyFile?: string;
}

/** A private-app token, or an OAuth app whose access token the connector refreshes by its lifetime. */
export interface HubSpotCredentials {
  accessToken?: string;
  oauth?: { clientId: string; clientSecret: string; refreshToken: string };
  /** API base, e.g. the local emulator; the SDK default when absent. */
  basePath?: string;
  /** Sets the burst and daily limits the connector budgets for; `professional` when absent. */
  tier?: 'starter' | 'professional' | 'enterprise';
  /** Numeric portal id, for record links in hand-off notes. */
  portalId?: string;
  /** How long one HubSpot call may take before it is aborted; the connector's default when absent. */
  requestTimeoutSeconds?: number;
}

export type ConnectorSettings =
  | { crm: 'salesforce'; salesforce: SalesforceCredentials; mappingFile?: string }
  | { crm: 'hubspot'; hubspot: HubSpotCredentials; mappingFile?: string };

export interface ConnectorContext {
  clock: Clock;
  /** Sync runs that only plan still build the connector (to read); connectors may skip write setup. */
  dryRun: boolean;
  /** A directory the connector may keep caches in between runs (the state directory); none = no cache. */
  cacheDir?: string;
}

export type ConnectorFactory = (
  settings: ConnectorSettings,
  context: ConnectorContext,
) => CrmConnector | Promise<CrmConnector>;

export class ConnectorUnavailableError extends Error {
  constructor(crm: string, detail: string) {
    super(`the ${crm} connector is not available in this build: ${detail}`);
    this.name = 'ConnectorUnavailableError';
  }
}

const factories = new Map<SyncCrm, ConnectorFactory>();

/** Called by `connectors/<crm>/register.ts`; the last registration wins (tests replace factories). */
export function registerConnectorFactory(crm: SyncCrm, factory: ConnectorFactory): void {
  factories.set(crm, factory);
}

export function unregisterConnectorFactory(crm: SyncCrm): void {
  factories.delete(crm);
}

/** Where connector packages live: `<root>/<crm>/register.ts`. */
const CONNECTORS_ROOT = new URL('../../connectors/', import.meta.url);

/**
 * The connector for `settings.crm`. A factory registered in-process is used first; otherwise
 * `connectors/<crm>/register.ts` is loaded, which must call `registerConnectorFactory`. So a connector
 * plugs in by adding that one file; until then `sync` says plainly that it is not there.
 */
export async function createConnector(
  settings: ConnectorSettings,
  context: ConnectorContext,
  options: { connectorsRoot?: URL } = {},
): Promise<CrmConnector> {
  const factory = factories.get(settings.crm) ?? (await loadFactory(settings.crm, options.connectorsRoot));
  const connector = await factory(settings, context);
  if (connector.crm !== settings.crm) {
    throw new Error(`the ${settings.crm} connector factory returned a connector for ${connector.crm}`);
  }
  return connector;
}

async function loadFactory(crm: SyncCrm, root = CONNECTORS_ROOT): Promise<ConnectorFactory> {
  const url = new URL(`${crm}/register.ts`, root);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new ConnectorUnavailableError(
      crm,
      `${path} does not exist yet (it registers the connector factory)`,
    );
  }
  await import(pathToFileURL(path).href);
  const factory = factories.get(crm);
  if (!factory) {
    throw new ConnectorUnavailableError(crm, `${path} did not call registerConnectorFactory('${crm}', …)`);
  }
  return factory;
}
