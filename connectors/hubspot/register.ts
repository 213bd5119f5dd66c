import { join } from 'node:path';
import { registerConnectorFactory } from '../../src/pipeline/connector-registry.ts';
import { createHubspotConnector } from './index.ts';

/**
 * Plugs the HubSpot connector into `createConnector` (src/pipeline/connector-registry.ts), which
 * imports this file the first time a HubSpot sync is asked for. Token lifetimes and cache ages run
 * on the wall clock, never on the (possibly fixed) decision clock of the run.
 */
registerConnectorFactory('hubspot', (settings, context) => {
  if (settings.crm !== 'hubspot') throw new Error(`the HubSpot factory was asked for ${settings.crm}`);
  const hs = settings.hubspot;
  const auth = hs.accessToken
    ? ({ kind: 'private_app', accessToken: hs.accessToken } as const)
    : hs.oauth
      ? ({ kind: 'oauth', ...hs.oauth } as const)
      : undefined;
  if (!auth) throw new Error('HubSpot settings carry neither a private-app token nor an OAuth app');
  return createHubspotConnector({
    auth,
    ...(hs.basePath ? { basePath: hs.basePath } : {}),
    ...(hs.tier ? { tier: hs.tier } : {}),
    ...(hs.portalId ? { portalId: hs.portalId } : {}),
    ...(hs.requestTimeoutSeconds ? { requestTimeoutMs: hs.requestTimeoutSeconds * 1000 } : {}),
    // Company and deal facts change rarely: keeping them between runs is what keeps calls near the minimum.
    ...(context.cacheDir ? { factsCacheFile: join(context.cacheDir, 'hubspot-facts.json') } : {}),
    ...(settings.mappingFile ? { mappingFile: settings.mappingFile } : {}),
  });
});
