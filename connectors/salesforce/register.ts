import { ConfigError } from '../../src/domain/errors.ts';
import {
  type ConnectorSettings,
  registerConnectorFactory,
  type SalesforceCredentials,
} from '../../src/pipeline/connector-registry.ts';
import { createSalesforceConnector } from './index.ts';
import type { SalesforceOptionsInput } from './settings.ts';

/**
 * Plugs the connector into `tossup sync` (src/pipeline/connector-registry.ts loads this file). The
 * CLI settings carry credentials only; the flow follows from what is present, most secure first:
 * username + private key → JWT bearer; no username + client secret → client credentials;
 * username + password → username-password (development only).
 */
export function salesforceAuthFrom(c: SalesforceCredentials): SalesforceOptionsInput['auth'] {
  const clientId = c.clientId ?? '';
  if (c.username && c.privateKeyFile)
    return { flow: 'jwt', clientId, username: c.username, privateKeyFile: c.privateKeyFile };
  if (!c.username && c.clientSecret)
    return { flow: 'client_credentials', clientId, clientSecret: c.clientSecret };
  if (c.username && c.password && c.clientSecret) {
    return {
      flow: 'password',
      clientId,
      clientSecret: c.clientSecret,
      username: c.username,
      password: c.password,
    };
  }
  throw new ConfigError([
    {
      file: 'settings',
      line: 0,
      column: 0,
      path: 'salesforce',
      message: 'the Salesforce credentials name no complete login flow',
      hint: 'JWT: clientId + username + privateKeyFile; client credentials: clientId + clientSecret; username-password: clientId + clientSecret + username + password',
    },
  ]);
}

registerConnectorFactory('salesforce', (settings: ConnectorSettings, context) => {
  if (settings.crm !== 'salesforce') throw new Error(`the Salesforce factory got ${settings.crm} settings`);
  return createSalesforceConnector(
    {
      loginUrl: settings.salesforce.loginUrl,
      auth: salesforceAuthFrom(settings.salesforce),
      ...(settings.mappingFile ? { mappingFile: settings.mappingFile } : {}),
    },
    { now: () => context.clock.now().getTime() },
  );
});
