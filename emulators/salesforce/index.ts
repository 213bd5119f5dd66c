import { mountAdminRoutes } from '../shared/admin-routes.ts';
import { EmulatorClock } from '../shared/emulator-clock.ts';
import { HttpApp } from '../shared/http-app.ts';
import { ApiAllowance } from './api-allowance.ts';
import { AuthService } from './auth.ts';
import { type BulkJobOptions, BulkQueryJobs } from './bulk-query-jobs.ts';
import { ChangeDataCapture, type ChangeDataCaptureOptions } from './change-data-capture.ts';
import { DmlEngine } from './dml.ts';
import { idFromKey, KEY_PREFIXES } from './ids.ts';
import { QueryCursors } from './query-cursors.ts';
import { mountBulk2Routes } from './routes/bulk2-routes.ts';
import { mountCollectionsRoutes } from './routes/collections-routes.ts';
import { type CometdOptions, type CometdServer, mountCometdRoutes } from './routes/cometd-routes.ts';
import { mountOrgRoutes } from './routes/org-routes.ts';
import { mountQueryRoutes } from './routes/query-routes.ts';
import type { SfContext } from './routes/route-kit.ts';
import { mountSfAdminRoutes } from './routes/sf-admin-routes.ts';
import { mountSObjectRoutes } from './routes/sobject-routes.ts';
import { SchemaRegistry } from './schema/schema-registry.ts';
import type { ObjectDef, SchemaExtension } from './schema/schema-types.ts';
import { type SeededIds, type SeedWorld, seedFromWorld } from './seed-from-world.ts';
import { errorResponse } from './sf-error.ts';
import { SalesforceStore } from './store.ts';

/**
 * A local Salesforce org over HTTP for the demo, tests and benchmarks: OAuth, REST query with
 * SOQL, sObject and Collections DML with schema validation, describe, limits and Bulk API 2.0
 * queries, faithful enough that the real jsforce SDK cannot tell the difference for our calls.
 */

export interface SalesforceCredentials {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

export interface SalesforceEmulatorOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  host?: string;
  /** Seed data; without it the org holds only the integration user. */
  world?: SeedWorld;
  /** Replace the default objects entirely (rare; prefer schemaExtensions). */
  objects?: ObjectDef[];
  schemaExtensions?: SchemaExtension[];
  /** Access token lifetime from issue; afterwards 401 INVALID_SESSION_ID. Default 2 h. */
  sessionLifetimeMs?: number;
  /** Daily API request allowance (rolling 24 h). Default 100,000. */
  dailyApiAllowance?: number;
  /** Enforce the allowance (403 REQUEST_LIMIT_EXCEEDED when spent). Default true. */
  rateLimits?: boolean;
  /** Connected app certificate (PEM certificate or public key) for the JWT bearer flow. */
  jwtCertificate?: string;
  /** Extra accepted JWT `aud` values; the emulator URL, login. and test.salesforce.com are accepted. */
  jwtAudiences?: string[];
  /** Issue a new refresh token on every refresh (old one revoked). Default false. */
  refreshTokenRotation?: boolean;
  clock?: EmulatorClock;
  credentials?: Partial<SalesforceCredentials>;
  /** Username the client credentials flow runs as; default the integration user. */
  clientCredentialsUsername?: string;
  bulk?: Partial<BulkJobOptions>;
  /** CampaignMember statuses that count as responded. Default ['Responded']. */
  respondedStatuses?: string[];
  /** Supported REST API versions (inclusive). Default 31..66. */
  apiVersions?: { min: number; max: number };
  /**
   * Change Data Capture on Lead, Contact, Account and Opportunity, streamed over CometD at
   * `/cometd/<version>` (change-data-capture.ts); `false` turns it off. Default on.
   */
  changeDataCapture?: ChangeDataCaptureOptions | false;
  /** CometD long-polling timings (tests shorten the connect hold). */
  cometd?: Partial<CometdOptions>;
}

export interface SalesforceEmulator {
  /** Instance URL (also the token endpoint's origin). */
  url: string;
  /** What to give jsforce as `loginUrl` / `oauth2.loginUrl`. */
  loginUrl: string;
  credentials: SalesforceCredentials;
  app: HttpApp;
  store: SalesforceStore;
  auth: AuthService;
  allowance: ApiAllowance;
  clock: EmulatorClock;
  /** Ids of the seeded world records, by world key. */
  seeded: SeededIds | undefined;
  /** Turns allowance enforcement on/off (also via the admin route). */
  setRateLimits(enabled: boolean): void;
  /** Change Data Capture: the change events published so far; gap and overflow injection. Null when off. */
  changeEvents: ChangeDataCapture | null;
  close(): Promise<void>;
}

export const DEFAULT_CREDENTIALS: SalesforceCredentials = {
  clientId: '3MVG9TossUpEmulatorConsumerKey.local',
  clientSecret: 'tossup-emulator-consumer-secret',
  username: 'integration@tossup-emulator.example',
  password: 'emulator-password',
};

export const INTEGRATION_USER_KEY = 'integration';
export const ADMIN_USER_KEY = 'org-admin';

/** Builds the emulator without listening (e.g. to drive `app.handle()` in-process). */
export function createSalesforceEmulator(
  options: SalesforceEmulatorOptions = {},
): Omit<SalesforceEmulator, 'url' | 'loginUrl' | 'close'> & { ctx: SfContext; cometd: CometdServer | null } {
  const clock = options.clock ?? new EmulatorClock();
  const credentials = { ...DEFAULT_CREDENTIALS, ...options.credentials };
  const schema = new SchemaRegistry(options.objects, options.schemaExtensions ?? []);
  const orgId = idFromKey(KEY_PREFIXES.Organization, `org:${options.world?.seed ?? 0}`);
  const store = new SalesforceStore({
    schema,
    clock,
    orgId,
    ...(options.respondedStatuses ? { respondedStatuses: options.respondedStatuses } : {}),
  });
  const setupAt = options.world ? Date.parse(options.world.asOf) - 400 * 86_400_000 : clock.now();
  store.integrationUserId = store.insert(
    'User',
    {
      Id: idFromKey(KEY_PREFIXES.User, INTEGRATION_USER_KEY),
      Username: credentials.username,
      Email: credentials.username,
      FirstName: 'TossUp',
      LastName: 'Integration',
      Alias: 'tossint',
      IsActive: true,
    },
    { at: setupAt },
  );
  // The org's admin: seeding and programmatic edits act as a person, so the connector's "not our
  // own write" filter treats them as the changes of others they stand for.
  store.defaultActorId = store.insert(
    'User',
    {
      Id: idFromKey(KEY_PREFIXES.User, ADMIN_USER_KEY),
      Username: `admin.${credentials.username}`,
      Email: `admin.${credentials.username}`,
      FirstName: 'Org',
      LastName: 'Admin',
      Alias: 'orgadm',
      IsActive: true,
    },
    { at: setupAt, userId: store.integrationUserId },
  );
  const seeded = options.world ? seedFromWorld(store, options.world) : undefined;
  // After seeding: the seeded org is the starting point, not a change anyone subscribes to.
  const changeEvents =
    options.changeDataCapture === false
      ? null
      : new ChangeDataCapture(() => clock.now(), options.changeDataCapture ?? {});
  if (changeEvents) {
    changeEvents.tableGet = (type, id) => store.table(type).get(id);
    store.changeCapture = changeEvents;
  }

  const auth = new AuthService(store, {
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    password: credentials.password,
    sessionLifetimeMs: options.sessionLifetimeMs ?? 2 * 3_600_000,
    refreshTokenRotation: options.refreshTokenRotation ?? false,
    jwtCertificate: options.jwtCertificate,
    jwtAudiences: options.jwtAudiences ?? ['https://login.salesforce.com', 'https://test.salesforce.com'],
    clientCredentialsUsername: options.clientCredentialsUsername ?? credentials.username,
  });
  const allowance = new ApiAllowance(options.dailyApiAllowance ?? 100_000, options.rateLimits ?? true);

  const app = new HttpApp({
    notFound: (req) => {
      const allowed = app.methodsFor(req.path);
      if (allowed.length) {
        return errorResponse(
          405,
          'METHOD_NOT_ALLOWED',
          `HTTP Method '${req.method}' not allowed. Allowed are ${allowed.join(',')}`,
        );
      }
      return errorResponse(404, 'NOT_FOUND', 'The requested resource does not exist');
    },
    internalError: (_req, e) =>
      errorResponse(
        500,
        'UNKNOWN_EXCEPTION',
        `An unexpected error occurred in the Salesforce emulator: ${(e as Error)?.message ?? String(e)}`,
      ),
    tooLarge: () => errorResponse(413, 'REQUEST_ENTITY_TOO_LARGE', 'The request body is too large'),
  });
  const ctx: SfContext = {
    app,
    store,
    auth,
    allowance,
    dml: new DmlEngine(store),
    cursors: new QueryCursors(),
    bulk: new BulkQueryJobs(store, {
      pollsUntilComplete: options.bulk?.pollsUntilComplete ?? 1,
      minDurationMs: options.bulk?.minDurationMs ?? 0,
      msPerThousandRows: options.bulk?.msPerThousandRows ?? 0,
      defaultPageSize: options.bulk?.defaultPageSize ?? 50_000,
    }),
    minVersion: options.apiVersions?.min ?? 31,
    maxVersion: options.apiVersions?.max ?? 66,
    changeEvents,
  };
  mountOrgRoutes(ctx);
  mountQueryRoutes(ctx);
  mountSObjectRoutes(ctx);
  mountCollectionsRoutes(ctx);
  mountBulk2Routes(ctx);
  const cometd: CometdServer | null = changeEvents
    ? mountCometdRoutes(ctx, changeEvents, {
        connectTimeoutMs: options.cometd?.connectTimeoutMs ?? 110_000,
        clientTimeoutMs: options.cometd?.clientTimeoutMs ?? 40_000,
      })
    : null;
  const setRateLimits = (enabled: boolean) => {
    allowance.enforce = enabled;
  };
  mountAdminRoutes(app, { clock, snapshot: () => store.snapshot(), setRateLimits });
  mountSfAdminRoutes(ctx);
  // Every versioned REST response reports usage, as Salesforce does (not the token or versions calls).
  app.decorate((req, res) => {
    // The HTTP Date is the org's clock (pinned or advanced in tests), as a client reading the server
    // time from it (e.g. to bound a change window) would see on a real org; Node would send host time.
    res.headers = { ...res.headers, date: new Date(clock.now()).toUTCString() };
    if (!req.path.startsWith('/services/data/v')) return;
    res.headers = {
      ...res.headers,
      'sforce-limit-info': `api-usage=${allowance.used(clock.now())}/${allowance.max}`,
    };
  });
  return {
    app,
    store,
    auth,
    allowance,
    clock,
    credentials,
    seeded,
    setRateLimits,
    changeEvents,
    cometd,
    ctx,
  };
}

export async function startSalesforceEmulator(
  options: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const built = createSalesforceEmulator(options);
  const url = await built.app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  built.auth.origin = url;
  const { ctx: _ctx, cometd, ...rest } = built;
  return {
    ...rest,
    url,
    loginUrl: url,
    close: () => {
      cometd?.close();
      return built.app.close();
    },
  };
}

export {
  ALL_CHANGE_EVENTS,
  type ChangeDataCapture,
  type ChangeDataCaptureOptions,
  type ChangeEvent,
} from './change-data-capture.ts';
export type { FieldDef, ObjectDef, SchemaExtension } from './schema/schema-types.ts';
export { type SeededIds, type SeedWorld, seedFromWorld } from './seed-from-world.ts';
export { SalesforceStore } from './store.ts';
export { type SyntheticLeadOptions, seedSyntheticLeads } from './synthetic-leads.ts';
export { measureReads, type ReadThroughput } from './tools/measure-throughput.ts';
export type { ValidationRule } from './validation-rules.ts';
