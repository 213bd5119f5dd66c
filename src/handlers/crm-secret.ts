import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { ConnectorSettings, SyncCrm } from '../pipeline/connector-registry.ts';
import { SecretUnavailableError } from '../ports/secret-source.ts';

/**
 * The JSON each Secrets Manager secret holds (docs/deploy.md shows them). Problems name the secret
 * and the key, never a value.
 */
const Text = z.string().trim().min(1);

export const SalesforceSecretSchema = z
  .object({
    loginUrl: z.url({ protocol: /^https$/ }).default('https://login.salesforce.com'),
    clientId: Text,
    clientSecret: Text.optional(),
    username: Text.optional(),
    password: Text.optional(),
    /** PEM text of the JWT bearer flow's private key (the certificate is on the connected app). */
    privateKey: z.string().includes('PRIVATE KEY').optional(),
  })
  .refine(
    (s) =>
      Boolean(
        (s.username && s.privateKey) ||
          (s.username && s.password && s.clientSecret) ||
          (s.clientSecret && !s.username),
      ),
    {
      error:
        'holds no complete way to log in: give username + privateKey (JWT bearer), username + password + clientSecret, or clientSecret alone (client credentials)',
      path: [],
    },
  );

export const HubspotSecretSchema = z.object({
  /** Private-app access token. */
  accessToken: Text,
  basePath: z.url().optional(),
});

export const HubspotWebhookSecretSchema = z.object({
  /** The app's client secret: the key of the v3 request signature. */
  clientSecret: Text,
});
export type HubspotWebhookSecret = z.infer<typeof HubspotWebhookSecretSchema>;

export function parseSecret<T>(schema: z.ZodType<T>, secretId: string, text: string): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SecretUnavailableError(secretId, 'is not JSON: store the JSON object shown in docs/deploy.md');
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.map(String).join('.') || '(the secret)'} ${i.message}`,
  );
  throw new SecretUnavailableError(secretId, `is not in the expected shape: ${problems.join('; ')}`);
}

/**
 * Connector settings from the CRM secret: the same `ConnectorSettings` the CLI builds from its
 * profile, so the connector factories need nothing Lambda-specific. The JWT private key is written to
 * a 0600 file under /tmp (the connector takes a key file), named by its hash so it is written once.
 */
export function connectorSettingsFromSecret(
  crm: SyncCrm,
  secretId: string,
  text: string,
  mappingFile: string | null,
  keyDir = tmpdir(),
): ConnectorSettings {
  const mapping = mappingFile ? { mappingFile } : {};
  if (crm === 'hubspot') {
    const s = parseSecret(HubspotSecretSchema, secretId, text);
    return {
      crm,
      hubspot: { accessToken: s.accessToken, ...(s.basePath ? { basePath: s.basePath } : {}) },
      ...mapping,
    };
  }
  const s = parseSecret(SalesforceSecretSchema, secretId, text);
  const { privateKey, ...rest } = s;
  let privateKeyFile: string | undefined;
  if (privateKey) {
    privateKeyFile = join(
      keyDir,
      `tossup-sf-${createHash('sha256').update(privateKey).digest('hex').slice(0, 16)}.pem`,
    );
    if (!existsSync(privateKeyFile)) writeFileSync(privateKeyFile, privateKey, { mode: 0o600 });
  }
  return { crm, salesforce: { ...rest, ...(privateKeyFile ? { privateKeyFile } : {}) }, ...mapping };
}
