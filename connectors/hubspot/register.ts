import { registerConnectorFactory } from '../../src/pipeline/connector-registry.ts';
import { createHubspotConnector } from './index.ts';

/**
 * Plugs the HubSpot connector into `createConnector` (src/pipeline/connector-registry.ts), which
 * imports this file the first time a HubSpot sync is asked for. Token lifetimes and cache ages run
 * on the wall clock, never on the (possibly fixed) decision clock of the run.
 */
registerConnectorFactory('hubspot', (settings) => {
  if (settings.crm !== 'hubspot') throw new Error(`the HubSpot factory was asked for ${settings.crm}`);
  return createHubspotConnector({
    auth: { kind: 'private_app', accessToken: settings.hubspot.accessToken },
    ...(settings.hubspot.basePath ? { basePath: settings.hubspot.basePath } : {}),
    ...(settings.mappingFile ? { mappingFile: settings.mappingFile } : {}),
  });
});
