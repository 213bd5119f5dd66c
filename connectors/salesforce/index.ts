import { readFileSync } from 'node:fs';
import type { Lead } from '../../src/domain/lead.ts';
import type { ApiUsage, CrmConnector } from '../../src/ports/crm-connector.ts';
import { SalesforceAccountChanges } from './account-changes.ts';
import { AllowanceGuard } from './allowance-guard.ts';
import { CallRunner } from './call-runner.ts';
import { salesforceChangeEventFields } from './change-event-fields.ts';
import { SalesforceChangeEventStream } from './change-event-stream.ts';
import { SalesforceClient } from './client.ts';
import { SalesforceEpisodeCrm } from './episodes.ts';
import { loginWithRetry } from './login.ts';
import { loadSalesforceMapping, type SalesforceMapping } from './mapping.ts';
import { SalesforceOpportunityCrm } from './opportunities.ts';
import { checkSalesforceSchema, type SchemaCheckResult } from './schema-check.ts';
import {
  parseSalesforceOptions,
  resolveAuth,
  type SalesforceOptions,
  type SalesforceOptionsInput,
} from './settings.ts';
import { SalesforceLeadSink } from './sink.ts';
import { SalesforceLeadSource } from './source.ts';
import { UsageMeter } from './usage-meter.ts';
import { WriteGuard } from './write-guard.ts';

/**
 * The Salesforce connector: `createSalesforceConnector(options)` logs in and returns the
 * `CrmConnector` the pipeline uses (source + sink + recordUrl + usage + close), plus `checkSchema()`
 * for `tossup validate`. See README.md for the options and BEHAVIOR.md for the org-side behaviour
 * the code relies on.
 *
 * @example
 * const sf = await createSalesforceConnector({
 *   loginUrl: 'https://login.salesforce.com',
 *   auth: { flow: 'jwt', clientId, username: 'tossup@example.co.jp', privateKeyFile: 'server.key' },
 * });
 * const report = await runSync({ connector: sf, ... });
 * await sf.close();
 */

export interface SalesforceRuntime {
  /** Epoch ms; defaults to the system clock. Tests pass the emulator's clock (JWT `exp`, look-back). */
  now?: () => number;
  /** An already-parsed mapping instead of `options.mappingFile`. */
  mapping?: SalesforceMapping;
  /** Backoff and Bulk polling waits; tests make them instant. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Refresh-token rotation: persist the new token (the old one is revoked). */
  onRefreshTokenRotated?: (refreshToken: string) => void;
}

export interface SalesforceConnector extends CrmConnector {
  readonly crm: 'salesforce';
  readonly options: SalesforceOptions;
  readonly mapping: SalesforceMapping;
  readonly instanceUrl: string;
  /** The SLA sweep's reads and writes (episodes.ts). */
  readonly episodes: SalesforceEpisodeCrm;
  /** The sweep's opportunity phase (opportunities.ts). */
  readonly opportunities: SalesforceOpportunityCrm;
  /** Account-level triggers (account-changes.ts). */
  readonly accountChanges: SalesforceAccountChanges;
  /** Change Data Capture over the Streaming API (change-event-stream.ts; `tossup listen`). */
  readonly changeEventStream: SalesforceChangeEventStream;
  /** Describes the objects and reports every mapping problem at once (`tossup validate --crm salesforce`). */
  checkSchema(): Promise<SchemaCheckResult>;
  /** The daily allowance as of the last response. */
  allowance(): { used: number; limit: number } | null;
}

export async function createSalesforceConnector(
  input: SalesforceOptionsInput,
  runtime: SalesforceRuntime = {},
): Promise<SalesforceConnector> {
  const options = parseSalesforceOptions(input);
  const mapping = runtime.mapping ?? loadSalesforceMapping(options.mappingFile);
  const now = runtime.now ?? Date.now;
  const sleep = runtime.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const auth = resolveAuth(options);
  const client = await loginWithRetry(
    () =>
      SalesforceClient.connect({
        loginUrl: options.loginUrl,
        apiVersion: options.apiVersion,
        auth,
        requestTimeoutMs: options.requestTimeoutMs,
        ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
        now,
        ...(runtime.onRefreshTokenRotated ? { onRefreshTokenRotated: runtime.onRefreshTokenRotated } : {}),
      }),
    { flow: options.auth.flow, retry: options.retry, sleep, random: runtime.random ?? Math.random },
  );
  const runner = new CallRunner(client, {
    concurrency: options.concurrency,
    retry: options.retry,
    guard: new AllowanceGuard(options.allowanceShare),
    sleep,
    ...(runtime.random ? { random: runtime.random } : {}),
  });
  const meter = new UsageMeter();
  // Shared by source and sink: the read horizon and our user id guard the write (write-guard.ts).
  const writeGuard = new WriteGuard(runner);
  const source = new SalesforceLeadSource(
    runner,
    mapping,
    {
      readBatchSize: options.readBatchSize,
      pageSize: options.pageSize,
      bulkThreshold: options.bulkThreshold,
      bulkPageSize: options.bulkPageSize,
      bulkPollIntervalMs: options.bulkPollIntervalMs,
      bulkPollTimeoutMs: options.bulkPollTimeoutMs,
      readLagMs: options.readLagSeconds * 1000,
      excludeOwnWrites: options.excludeOwnWrites,
      now,
      sleep,
    },
    meter,
    writeGuard,
  );
  const sink = new SalesforceLeadSink(
    runner,
    mapping,
    { writeBatchSize: options.writeBatchSize },
    meter,
    writeGuard,
  );
  const episodes = new SalesforceEpisodeCrm(
    runner,
    mapping,
    sink,
    { writeBatchSize: options.writeBatchSize },
    meter,
    writeGuard,
  );
  const opportunities = new SalesforceOpportunityCrm(
    runner,
    mapping,
    { writeBatchSize: options.writeBatchSize },
    meter,
    writeGuard,
  );
  const accountChanges = new SalesforceAccountChanges(
    runner,
    mapping,
    { readLagMs: options.readLagSeconds * 1000, lookbackDays: mapping.behaviour.lookbackDays, now },
    meter,
    source,
  );
  const changeEventReadFields = salesforceChangeEventFields(mapping);
  let mappingText: string | undefined;
  return {
    crm: 'salesforce',
    options,
    mapping,
    source,
    sink,
    episodes,
    opportunities,
    accountChanges,
    changeEvents: {
      // The user id is known once logged in (the token's identity URL); read at each event, not now.
      interpretOptions: () => ({ integrationUserId: client.userId, readFields: changeEventReadFields }),
    },
    changeEventStream: new SalesforceChangeEventStream(client),
    reasonMaxLength: mapping.writeBack.reasonMaxLength,
    get instanceUrl() {
      return client.instanceUrl;
    },
    recordUrl(lead: Lead): string | null {
      if (lead.objectType !== 'Lead' && lead.objectType !== 'Contact') return null;
      return `${client.instanceUrl}/lightning/r/${lead.objectType}/${encodeURIComponent(lead.id)}/view`;
    },
    usage(): ApiUsage {
      return meter.usage(client.counts());
    },
    allowance: () => client.allowance,
    guardWritesSince(syncCursor) {
      // Only when incremental reads leave our writes out: otherwise the next sync reads them anyway.
      const at = syncCursor ? Date.parse(syncCursor.modifiedAt) : Number.NaN;
      writeGuard.noteSyncCursor(
        Number.isFinite(at) ? at : null,
        syncCursor?.idsAtModifiedAt ?? [],
        options.excludeOwnWrites ? client.userId : null,
      );
    },
    async checkSchema() {
      if (!runtime.mapping && mappingText === undefined) {
        try {
          mappingText = readFileSync(options.mappingFile, 'utf8');
        } catch {
          mappingText = '';
        }
      }
      return checkSalesforceSchema(runner, mapping, {
        ...(mappingText ? { mappingText, mappingFile: options.mappingFile } : {}),
      });
    },
    async close() {
      await runner.idle();
      client.close();
    },
  };
}

export { AllowanceGuard } from './allowance-guard.ts';
export { type Classification, classifyCallFailure, classifyRecordError } from './classify-error.ts';
export {
  DEFAULT_MAPPING_FILE,
  loadSalesforceMapping,
  parseSalesforceMapping,
  type SalesforceMapping,
  SalesforceMappingSchema,
} from './mapping.ts';
export {
  checkSalesforceSchema,
  formatSchemaReport,
  type SchemaCheckResult,
  type SchemaProblem,
} from './schema-check.ts';
export {
  parseSalesforceOptions,
  SalesforceAuthSchema,
  type SalesforceOptions,
  type SalesforceOptionsInput,
  SalesforceOptionsSchema,
} from './settings.ts';
export { type SetupOptions, type SetupResult, setupSalesforce } from './setup.ts';
