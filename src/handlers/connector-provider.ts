import { type ConnectorFactory, createConnector, type SyncCrm } from '../pipeline/connector-registry.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import { connectorSettingsFromSecret } from './crm-secret.ts';

/** The CRM connector for this function, kept across invocations of a warm container. */
export interface ConnectorProvider {
  get(): Promise<CrmConnector>;
  /** Drop the connector and its cached credentials (after the CRM rejected them). */
  invalidate(): void;
  /**
   * Drop them and read the secret again now; true when it holds another version than the one the
   * connector was built from (a rotation), so retrying with the rebuilt connector can succeed.
   */
  refresh?(): Promise<boolean>;
}

export interface ConnectorProviderOptions {
  crm: SyncCrm;
  secretId: string;
  secrets: SecretSource;
  mappingFile: string | null;
  clock: Clock;
  /** Defaults to the connector registry (`connectors/<crm>/register.ts`, bundled at build time). */
  create?: ConnectorFactory;
}

/**
 * Builds the connector from the CRM secret once, and again only when the secret's version changes
 * (rotation is picked up within the secret cache's TTL, without a redeploy) or after `invalidate`.
 */
export function cachedConnector(options: ConnectorProviderOptions): ConnectorProvider {
  let current: { versionId: string; connector: CrmConnector } | null = null;
  let building: Promise<CrmConnector> | null = null;

  const build = async (): Promise<CrmConnector> => {
    const secret = await options.secrets.get(options.secretId);
    if (current && current.versionId === secret.versionId) return current.connector;
    const settings = connectorSettingsFromSecret(
      options.crm,
      options.secretId,
      secret.text,
      options.mappingFile,
    );
    const context = { clock: options.clock, dryRun: false };
    const connector = options.create
      ? await options.create(settings, context)
      : await createConnector(settings, context);
    const previous = current?.connector;
    current = { versionId: secret.versionId, connector };
    await previous?.close().catch(() => undefined);
    return connector;
  };

  const invalidate = () => {
    options.secrets.invalidate(options.secretId);
    const previous = current?.connector;
    current = null;
    void previous?.close().catch(() => undefined);
  };

  return {
    get() {
      building ??= build().finally(() => {
        building = null;
      });
      return building;
    },
    invalidate,
    async refresh() {
      const before = current?.versionId ?? null;
      invalidate();
      return (await options.secrets.get(options.secretId)).versionId !== before;
    },
  };
}
