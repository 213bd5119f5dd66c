import { type ConnectFn, connectCrm, crmModule, loginsText } from '../composition/crm-registry.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';
import type { CrmSettings, SyncCrm } from '../ports/crm-module.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import { parseSecret } from './crm-secret.ts';

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
  /** Defaults to the CRM module (the registry in src/composition, one CRM per bundle). */
  create?: ConnectFn;
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
    const connector = await (options.create ?? connectCrm)(settings, context);
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

/**
 * The CRM secret parsed by the CRM module's settings schema: the same schema and keys as a CLI profile
 * section (docs/deploy.md), so the secret can carry all of them (the HubSpot portal id for record
 * links too). The mapping is the bundled one, whatever the secret says.
 */
export function connectorSettingsFromSecret(
  crm: SyncCrm,
  secretId: string,
  text: string,
  mappingFile: string | null,
): CrmSettings {
  const m = crmModule(crm);
  const settings = parseSecret(
    m.settings.schema,
    secretId,
    text,
    `holds no complete way to log in: give ${loginsText(m, (k) => k)}`,
  );
  return { crm, settings: mappingFile ? m.withMappingFile(settings, mappingFile) : settings };
}
