import { hubspotModule } from '../../connectors/hubspot/module.ts';
import { salesforceModule } from '../../connectors/salesforce/module.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';
import type { ConnectContext, CrmModule, CrmSettings, SyncCrm } from '../ports/crm-module.ts';

/**
 * The one place in src/ that knows the CRM modules (connectors/<crm>/module.ts). The CLI and the
 * Lambda handlers reach a CRM only through here and the `CrmModule` port. A module loads its SDK only
 * when it connects, so importing this file costs no SDK. The Lambda build (scripts/build-lambdas.ts)
 * replaces the modules of the other CRMs with `undefined`, so each bundle carries one connector.
 */
const MODULES: Readonly<Record<SyncCrm, CrmModule<never> | undefined>> = {
  salesforce: salesforceModule as CrmModule<never> | undefined,
  hubspot: hubspotModule as CrmModule<never> | undefined,
};

export class ConnectorUnavailableError extends Error {
  constructor(crm: string) {
    super(`the ${crm} connector is not available in this build`);
    this.name = 'ConnectorUnavailableError';
  }
}

/** The module of `crm`; throws `ConnectorUnavailableError` when this build does not carry it. */
export function crmModule(crm: SyncCrm): CrmModule<unknown> {
  const m = MODULES[crm];
  if (!m) throw new ConnectorUnavailableError(crm);
  return m as CrmModule<unknown>;
}

export type ConnectFn = (
  settings: CrmSettings,
  context: ConnectContext,
) => Promise<CrmConnector> | CrmConnector;
const overrides = new Map<SyncCrm, ConnectFn>();

/** Tests put a fake CRM behind `tossup sync` this way; `undefined` restores the module. */
export function overrideConnect(crm: SyncCrm, connect: ConnectFn | undefined): void {
  if (connect) overrides.set(crm, connect);
  else overrides.delete(crm);
}

/** The connector for settings parsed by `crmModule(settings.crm).settings.schema`. */
export async function connectCrm(settings: CrmSettings, context: ConnectContext): Promise<CrmConnector> {
  const override = overrides.get(settings.crm);
  const connector = override
    ? await override(settings, context)
    : await crmModule(settings.crm).connect(settings.settings, context);
  if (connector.crm !== settings.crm) {
    throw new Error(`the ${settings.crm} module returned a connector for ${connector.crm}`);
  }
  return connector;
}

/** "A + B (JWT bearer), C + D (…), or E (…)", each key named by `nameOf` (its variable or secret key). */
export function loginsText(m: CrmModule<unknown>, nameOf: (key: string) => string): string {
  const ways = m.settings.logins.map((l) => `${l.keys.map(nameOf).join(' + ')} (${l.name})`);
  return `one way to log in: ${ways.length > 1 ? `${ways.slice(0, -1).join(', ')}, or ${ways.at(-1)}` : ways[0]}`;
}
