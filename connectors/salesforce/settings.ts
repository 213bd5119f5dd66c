import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../../src/domain/errors.ts';
import type { AuthSettings } from './client.ts';
import { DEFAULT_MAPPING_FILE } from './mapping.ts';

/**
 * Options of `createSalesforceConnector`: how to log in, which API version and mapping, and the
 * knobs that trade API calls, memory and latency. Validated with zod; every problem is reported at
 * once as a `ConfigError` naming the option and the fix.
 */

const Secret = (what: string) =>
  z.string({ error: `is not set (${what})` }).min(1, { error: `is empty (${what})` });

const JwtAuthSchema = z.strictObject({
  flow: z.literal('jwt'),
  clientId: Secret("the connected app's consumer key"),
  username: Secret('the integration user'),
  /** PEM text of the private key whose certificate is uploaded to the connected app. */
  privateKey: z.string().min(1).optional(),
  privateKeyFile: z.string().min(1).optional(),
  /** `aud` claim; default login.salesforce.com (test.salesforce.com for sandbox login URLs). */
  audience: z.url().optional(),
});

export const SalesforceAuthSchema = z.discriminatedUnion(
  'flow',
  [
    JwtAuthSchema,
    z.strictObject({
      flow: z.literal('client_credentials'),
      clientId: Secret("the connected app's consumer key"),
      clientSecret: Secret("the connected app's consumer secret"),
    }),
    z.strictObject({
      flow: z.literal('refresh_token'),
      clientId: Secret("the connected app's consumer key"),
      clientSecret: z.string().min(1).optional(),
      refreshToken: Secret('a refresh token issued to the integration user'),
    }),
    z.strictObject({
      flow: z.literal('password'),
      clientId: Secret("the connected app's consumer key"),
      clientSecret: Secret("the connected app's consumer secret"),
      username: Secret('the integration user'),
      password: Secret('password followed by the security token'),
    }),
  ],
  { error: 'flow must be one of jwt, client_credentials, refresh_token, password' },
);

export const SalesforceOptionsSchema = z
  .strictObject({
    /** `https://login.salesforce.com`, `https://test.salesforce.com` or the My Domain URL (client credentials need it). */
    loginUrl: z.url({ error: 'is not a URL' }),
    auth: SalesforceAuthSchema,
    /** Set explicitly: jsforce would use 50.0. Collections need ≥ 42, upsert collections ≥ 46. */
    apiVersion: z
      .string()
      .regex(/^\d{2,3}\.0$/, { error: 'must look like 62.0' })
      .refine((v) => Number(v) >= 46, { error: 'must be 46.0 or later (sObject Collections upsert)' })
      .default('62.0'),
    mappingFile: z.string().min(1).default(DEFAULT_MAPPING_FILE),
    /** Per HTTP request. jsforce's default is 30 minutes; keep this well below the Lambda timeout. */
    requestTimeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
    /** Unset: HTTPS_PROXY/HTTP_PROXY with NO_PROXY honoured; null: no proxy; a URL: that proxy. Loopback never uses one. */
    proxy: z.url().nullable().optional(),
    /** Stop once this share of the org's daily API allowance is used (Sforce-Limit-Info). */
    allowanceShare: z.number().gt(0).max(1).default(0.8),
    /** REST query batch (`Sforce-Query-Options: batchSize`), child subquery rows included. */
    readBatchSize: z.number().int().min(200).max(2000).default(2000),
    /** Persons per page handed to the pipeline (one cursor commit each). Bigger pages waste fewer partial write batches. */
    pageSize: z.number().int().min(1).max(200_000).default(10_000),
    /** Records per Collections call (Salesforce's maximum is 200). */
    writeBatchSize: z.number().int().min(1).max(200).default(200),
    /** Rows left after the first REST page above which a run reads with Bulk API 2.0; null = never. */
    bulkThreshold: z.number().int().min(0).nullable().default(5_000),
    /**
     * Rows per Bulk results page (`maxRecords`): the sync holds the current page's text of each
     * stream (Leads and Contacts) while it reads them, and a page's leads keep slices of it. At
     * 50,000 rows that was 77 MB of a 100k-person backfill's ~200 MB live heap; at 10,000 (one
     * hand-off page) it costs one results call per 10,000 rows, still 5× fewer than REST.
     */
    bulkPageSize: z.number().int().min(1_000).max(500_000).default(10_000),
    bulkPollIntervalMs: z.number().int().min(0).max(60_000).default(2_000),
    bulkPollTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(600_000),
    /** The change window ends this long before the server's clock (writers committing late). */
    readLagSeconds: z.number().min(0).max(3_600).default(2),
    /**
     * Incremental reads leave out records the integration user modified last (BEHAVIOR.md "No echo");
     * every lead write, the sweep's too, is guarded so a person's edit is never hidden by it. False
     * re-reads our own writes on every run (and decides nothing for them).
     */
    excludeOwnWrites: z.boolean().default(true),
    /** Calls in flight at once (Collections chunks of one page run in parallel). */
    concurrency: z.number().int().min(1).max(25).default(4),
    retry: z
      .strictObject({
        maxAttempts: z.number().int().min(1).max(10).default(4),
        baseDelayMs: z.number().int().min(0).max(60_000).default(500),
        maxDelayMs: z.number().int().min(0).max(300_000).default(8_000),
      })
      .prefault({}),
  })
  .superRefine((o, ctx) => {
    if (o.auth.flow === 'jwt' && Boolean(o.auth.privateKey) === Boolean(o.auth.privateKeyFile)) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'privateKey'],
        message: 'give exactly one of privateKey (PEM text) or privateKeyFile (a path)',
        params: {
          hint: 'the private key whose certificate you uploaded to the connected app (admin guide, step 1)',
        },
      });
    }
  });

export type SalesforceOptionsInput = z.input<typeof SalesforceOptionsSchema>;
export type SalesforceOptions = z.output<typeof SalesforceOptionsSchema>;

/** Validates options; all problems at once, as a `ConfigError` against "salesforce settings". */
export function parseSalesforceOptions(input: unknown, file = 'salesforce settings'): SalesforceOptions {
  const result = SalesforceOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((i) => ({
    file,
    line: 0,
    column: 0,
    path: i.path.map(String).join('.'),
    message: i.message,
    hint: hintFor(i),
  }));
  throw new ConfigError(issues);
}

function hintFor(issue: z.core.$ZodIssue): string | undefined {
  const custom = (issue as { params?: { hint?: unknown } }).params?.hint;
  if (typeof custom === 'string') return custom;
  if (issue.code === 'unrecognized_keys')
    return `remove ${issue.keys.join(', ')} (see connectors/salesforce/README.md for the options)`;
  if (issue.path[0] === 'auth') {
    return 'jwt: clientId, username, privateKeyFile · client_credentials: clientId, clientSecret · refresh_token: clientId, refreshToken · password: clientId, clientSecret, username, password';
  }
  return undefined;
}

/** The auth settings the client needs, with the JWT key read from its file. */
export function resolveAuth(o: SalesforceOptions): AuthSettings {
  const a = o.auth;
  if (a.flow !== 'jwt') return a;
  let privateKey = a.privateKey;
  if (!privateKey) {
    try {
      privateKey = readFileSync(a.privateKeyFile!, 'utf8');
    } catch (e) {
      throw new ConfigError([
        {
          file: 'salesforce settings',
          line: 0,
          column: 0,
          path: 'auth.privateKeyFile',
          message: `cannot read the private key: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
          hint: 'give the path of the PEM private key whose certificate is uploaded to the connected app',
        },
      ]);
    }
  }
  return {
    flow: 'jwt',
    clientId: a.clientId,
    username: a.username,
    privateKey,
    ...(a.audience ? { audience: a.audience } : {}),
  };
}
