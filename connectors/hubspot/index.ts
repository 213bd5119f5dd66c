import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../../src/domain/errors.ts';
import type { Lead } from '../../src/domain/lead.ts';
import type { ApiUsage, CrmConnector } from '../../src/ports/crm-connector.ts';
import { HubspotAccountChanges } from './account-changes.ts';
import { oauthToken, privateAppToken, type TokenSource } from './auth.ts';
import { classifyFailure, toCrmError } from './classify-error.ts';
import {
  type CrmObjectType,
  HubspotClient,
  HubspotHttpError,
  type PropertyCreateInput,
  type TokenGrant,
} from './client.ts';
import { CompanyFacts } from './company-facts.ts';
import { companyPropertiesFor, toLeadContext } from './contact-to-lead.ts';
import { HubspotEpisodeCrm } from './episodes.ts';
import { DEFAULT_MAPPING_FILE, type HubspotMapping, loadHubspotMapping, optionMaps } from './mapping.ts';
import { HubspotOpportunityCrm } from './opportunities.ts';
import { OwnerDirectory } from './owner-directory.ts';
import { budgetForPortal, limitsForTier, type RateBudget } from './rate-budget.ts';
import { DEFAULT_RETRY, RequestRunner } from './request-runner.ts';
import { checkHubspotSchema, formatSchemaCheck, type SchemaCheckResult } from './schema-check.ts';
import { formatSetup, type SetupResult, setupHubspot } from './setup.ts';
import { HubspotLeadSink } from './sink.ts';
import { HubspotLeadSource } from './source.ts';
import { UsageMeter } from './usage-meter.ts';

/**
 * The HubSpot connector: `createHubspotConnector(options)` → `CrmConnector` (source + sink + the
 * sweep's `episodes` + record links + API usage), and `createHubspotAdmin(options)` for `tossup validate --crm hubspot`
 * and `tossup setup hubspot`. See README.md for how to call them and BEHAVIOR.md for the portal
 * behaviour the code relies on.
 */

const Positive = z.number().int().positive();

export const HubspotConnectorOptionsSchema = z.strictObject({
  auth: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('private_app'), accessToken: z.string().min(1) }),
    z.strictObject({
      kind: z.literal('oauth'),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      refreshToken: z.string().min(1),
      /** Refresh this many seconds before the access token's `expires_in` runs out. */
      refreshAheadSeconds: z.number().int().nonnegative().default(300),
    }),
  ]),
  /** API base (the emulator's address in tests); HubSpot's when absent. No trailing slash needed. */
  basePath: z.url().optional(),
  /** The portal's subscription tier: sets the burst and daily limits. */
  tier: z.enum(['starter', 'professional', 'enterprise']).default('professional'),
  /** Overrides of the tier's limits (e.g. an API limit increase pack: burst 250). */
  limits: z
    .strictObject({
      burst: Positive,
      intervalMs: Positive,
      daily: Positive,
      dailyReserve: z.number().int().nonnegative(),
      searchPerSecond: Positive,
      searchCountsTowardBurst: z.boolean(),
      safetyMarginMs: z.number().int().nonnegative(),
      searchSafetyMarginMs: z.number().int().nonnegative(),
      maxConcurrency: Positive,
      dailyResetUtcOffsetMinutes: z.number().int().min(-720).max(840),
    })
    .partial()
    .default({}),
  retry: z
    .strictObject({
      maxTransientRetries: z.number().int().nonnegative(),
      maxRateLimitRetries: z.number().int().nonnegative(),
      baseDelayMs: z.number().int().nonnegative(),
      maxDelayMs: z.number().int().nonnegative(),
    })
    .partial()
    .default({}),
  mappingFile: z.string().min(1).default(DEFAULT_MAPPING_FILE),
  /** Keep company/deal facts between runs in this JSON file (much fewer calls on incremental runs). */
  factsCacheFile: z.string().min(1).optional(),
  factsMaxAgeHours: z.number().positive().default(24),
  factsLookbackMinutes: z.number().nonnegative().default(5),
  /** Leads per page handed to the pipeline; a multiple of 200 (one search call each). */
  pageSize: z.number().int().min(200).max(10_000).multipleOf(200).default(5000),
  /** Pages of 100 of the contact recycle bin read per run to report deletions (0 = off). */
  deletedPages: z.number().int().nonnegative().default(1),
  requestTimeoutMs: Positive.default(60_000),
  /** The portal (hub) id, for record links in hand-off notes; no links without it. */
  portalId: z.string().regex(/^\d+$/).optional(),
  appUrl: z.url().default('https://app.hubspot.com'),
});

export type HubspotConnectorOptions = z.input<typeof HubspotConnectorOptionsSchema>;
type ParsedOptions = z.output<typeof HubspotConnectorOptionsSchema>;

/**
 * How long the owner list and the task-key check kept in the cache file are trusted: a day, so the
 * sweeps of a working day (and the next morning's) pay for neither. Neither goes stale silently:
 * an owner the list does not know triggers a fresh read at once (a rep added today is matched), so
 * the age only bounds how long a REMOVED owner is still sent (HubSpot then refuses that record);
 * a task create refused because the key property is gone forgets the check (sink.ts), so the next
 * run checks again. What the age does bound: a key property deleted and re-created WITHOUT unique
 * values inside the day is not noticed until the check is repeated.
 */
const FACTS_MEMO_MAX_AGE_MS = 24 * 3_600_000;

/** Things that are code, not settings: injected by tests and the composition root. */
export interface HubspotConnectorDeps {
  /** Wall clock for token lifetimes and cache ages (default `Date.now`). */
  now?: () => number;
  /** An already-loaded mapping (skips reading `mappingFile`). */
  mapping?: HubspotMapping;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface HubspotConnector extends CrmConnector {
  readonly crm: 'hubspot';
  readonly mapping: HubspotMapping;
  /** The toss-up reason field's length limit: render reasons to fit it. */
  readonly reasonMaxLength: number;
  /** The shared budget of this portal (read its `usage()` for the daily count). */
  readonly budget: RateBudget;
  /** The SLA sweep's reads and writes (episodes.ts); HubSpot has no manager field, so no `managersOf`. */
  readonly episodes: HubspotEpisodeCrm;
  /** The sweep's opportunity phase (opportunities.ts). */
  readonly opportunities: HubspotOpportunityCrm;
  /** Account-level triggers: company and deal changes re-decide their contacts (account-changes.ts). */
  readonly accountChanges: HubspotAccountChanges;
}

interface Runtime {
  options: ParsedOptions;
  mapping: HubspotMapping;
  client: HubspotClient;
  runner: RequestRunner;
  budget: RateBudget;
  meter: UsageMeter;
  now: () => number;
  serverNow: () => number | undefined;
  portalKey: string;
}

function parseOptions(raw: HubspotConnectorOptions): ParsedOptions {
  const parsed = HubspotConnectorOptionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((i) => ({
      file: 'HubSpot connector settings',
      line: 0,
      column: 0,
      path: i.path.map(String).join('.'),
      // Never echo the offending value: it may be a token.
      message: i.message,
      hint:
        i.path[0] === 'auth'
          ? 'give auth: {kind: private_app, accessToken} or {kind: oauth, clientId, clientSecret, refreshToken}'
          : undefined,
    })),
  );
}

function buildRuntime(raw: HubspotConnectorOptions, deps: HubspotConnectorDeps): Runtime {
  const options = parseOptions(raw);
  const mapping = deps.mapping ?? loadHubspotMapping(options.mappingFile);
  const now = deps.now ?? Date.now;
  const auth = options.auth;
  const basePath = options.basePath?.replace(/\/+$/, '');
  // Identifies this app's access to the portal (the burst limit is per app) without holding the secret.
  const credential = auth.kind === 'private_app' ? auth.accessToken : `${auth.clientId}:${auth.refreshToken}`;
  const portalKey = createHash('sha256')
    .update(`${basePath ?? 'api.hubapi.com'}|${credential}`)
    .digest('hex')
    .slice(0, 24);
  const budget = budgetForPortal(portalKey, limitsForTier(options.tier, options.limits), now);
  const meter = new UsageMeter();
  let serverOffset: number | undefined;

  let tokens: TokenSource;
  const client: HubspotClient = new HubspotClient({
    ...(basePath ? { basePath } : {}),
    accessToken: () => tokens.get(),
    timeoutMs: options.requestTimeoutMs,
    onResponse: ({ headers }) => {
      budget.observeHeaders(headers);
      const date = Date.parse(headers.date ?? '');
      if (Number.isFinite(date)) serverOffset = date - now();
    },
  });
  if (auth.kind === 'private_app') {
    tokens = privateAppToken(auth.accessToken);
  } else {
    tokens = oauthToken({
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
      refreshToken: auth.refreshToken,
      refreshAheadMs: auth.refreshAheadSeconds * 1000,
      now,
      // Not through the request budget: the refresh runs INSIDE a request that already holds a
      // slot of it, and with every slot waiting for the token it would never get one.
      refresh: (app) => refreshToken(() => client.refreshAccessToken(app), meter, deps.sleep),
    });
  }
  const runner = new RequestRunner({
    budget,
    meter,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    ...(tokens.kind === 'oauth' ? { onTokenExpired: () => tokens.invalidate() } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  return {
    options,
    mapping,
    client,
    runner,
    budget,
    meter,
    now,
    serverNow: () => (serverOffset === undefined ? undefined : now() + serverOffset),
    portalKey,
  };
}

/** The token grant with its own small retry for no-response/5xx; anything else is an auth stop. */
async function refreshToken(
  grant: () => Promise<TokenGrant>,
  meter: UsageMeter,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<TokenGrant> {
  for (let attempt = 0; ; attempt++) {
    meter.call('oauth.token');
    try {
      return await grant();
    } catch (e) {
      if (!(e instanceof HubspotHttpError)) throw e;
      const c = classifyFailure(e.failure);
      if ((c.kind === 'transient' || c.kind === 'rate_limited') && attempt < 3) {
        await sleep(250 * 2 ** attempt);
        continue;
      }
      throw toCrmError({ kind: 'auth', code: 'oauth_refresh_failed' }, 'OAuth token refresh', e.failure);
    }
  }
}

/**
 * Builds the HubSpot connector. Reads and validates the mapping (a `ConfigError` with file:line
 * when it is wrong); makes no API call until the pipeline reads or writes.
 *
 * @example
 * const hubspot = await createHubspotConnector({
 *   auth: { kind: 'private_app', accessToken: process.env.HUBSPOT_TOKEN! },
 *   tier: 'enterprise',
 *   factsCacheFile: '.tossup/hubspot-facts.json',
 * });
 * for await (const page of hubspot.source.readChanges({ since: null })) { ... }
 */
export async function createHubspotConnector(
  options: HubspotConnectorOptions,
  deps: HubspotConnectorDeps = {},
): Promise<HubspotConnector> {
  const rt = buildRuntime(options, deps);
  const { mapping, client, runner, meter } = rt;
  const maps = optionMaps(mapping);
  const facts = new CompanyFacts({
    client,
    runner,
    properties: companyPropertiesFor(mapping),
    deals: mapping.deals,
    maxAgeMs: rt.options.factsMaxAgeHours * 3_600_000,
    lookbackMs: rt.options.factsLookbackMinutes * 60_000,
    now: rt.now,
    serverNow: rt.serverNow,
    // Company facts belong to the portal, whichever app reads them.
    portalKey: rt.options.portalId ? `portal:${rt.options.portalId}` : rt.portalKey,
    ...(rt.options.factsCacheFile ? { file: rt.options.factsCacheFile } : {}),
    onCompaniesRead: (n) => meter.noteCompaniesRead(n),
    onChangeSearch: (n) => meter.noteChangeSearch(n),
  });
  const source = new HubspotLeadSource({
    client,
    runner,
    meter,
    facts,
    toLead: toLeadContext(mapping, maps),
    pageSize: rt.options.pageSize,
    deletedPages: rt.options.deletedPages,
    now: rt.now,
    serverNow: rt.serverNow,
  });
  const owners = new OwnerDirectory({
    client,
    runner,
    memo: facts.memo,
    maxAgeMs: FACTS_MEMO_MAX_AGE_MS,
    now: rt.now,
  });
  const sink = new HubspotLeadSink({
    client,
    runner,
    meter,
    mapping,
    options: maps,
    owners,
    memo: facts.memo,
    memoMaxAgeMs: FACTS_MEMO_MAX_AGE_MS,
    now: rt.now,
  });
  const episodes = new HubspotEpisodeCrm({ client, runner, meter, mapping, owners, sink });
  const opportunities = new HubspotOpportunityCrm({
    client,
    runner,
    meter,
    mapping,
    options: maps,
    sink,
    serverNow: rt.serverNow,
  });
  const accountChanges = new HubspotAccountChanges({
    client,
    runner,
    facts,
    deals: mapping.deals,
    primaryCompanyProperty: mapping.contact.primaryCompanyId,
    people: source,
    now: rt.now,
    serverNow: rt.serverNow,
    onChangeSearch: (n) => meter.noteChangeSearch(n),
  });
  const { portalId, appUrl } = rt.options;
  return {
    crm: 'hubspot',
    source,
    sink,
    episodes,
    opportunities,
    accountChanges,
    mapping,
    reasonMaxLength: mapping.writeBack.reasonMaxLength,
    budget: rt.budget,
    recordUrl(lead: Lead): string | null {
      return portalId
        ? `${appUrl.replace(/\/+$/, '')}/contacts/${portalId}/record/0-1/${encodeURIComponent(lead.id)}`
        : null;
    },
    usage(): ApiUsage {
      return meter.snapshot();
    },
    async close(): Promise<void> {
      facts.close();
    },
  };
}

/** Schema check and setup, for `tossup validate --crm hubspot` and `tossup setup hubspot`. */
export interface HubspotAdmin {
  readonly mapping: HubspotMapping;
  checkSchema(): Promise<SchemaCheckResult>;
  setup(): Promise<SetupResult>;
  usage(): ApiUsage;
}

export function createHubspotAdmin(
  options: HubspotConnectorOptions,
  deps: HubspotConnectorDeps = {},
): HubspotAdmin {
  const rt = buildRuntime(options, deps);
  const { client, runner } = rt;
  const call = <T>(endpoint: string, what: string, fn: () => Promise<T>, safeToRepeat = true) =>
    runner.run({ endpoint, what, kind: 'general', safeToRepeat }, fn);
  const stopOn = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof HubspotHttpError && e.failure.status !== 409)
        throw toCrmError(classifyFailure(e.failure), 'schema call', e.failure);
      throw e;
    }
  };
  const admin = {
    listProperties: (type: CrmObjectType) =>
      stopOn(() => call('properties.list', `${type} property list`, () => client.listProperties(type))),
    listPropertyGroups: (type: CrmObjectType) =>
      stopOn(() =>
        call('properties.groups.list', `${type} property groups`, () => client.listPropertyGroups(type)),
      ),
    createPropertyGroup: (type: CrmObjectType, group: { name: string; label: string }) =>
      stopOn(() =>
        call('properties.groups.create', `${type} property group create`, () =>
          client.createPropertyGroup(type, group),
        ),
      ),
    // A create whose answer was lost and is retried answers 409: setup reads that as "exists".
    createProperty: (type: CrmObjectType, def: PropertyCreateInput) =>
      stopOn(() =>
        call('properties.create', `${type} property create`, () => client.createProperty(type, def)),
      ),
  };
  return {
    mapping: rt.mapping,
    checkSchema: () => checkHubspotSchema(admin, rt.mapping),
    setup: () => setupHubspot(admin, rt.mapping),
    usage: () => rt.meter.snapshot(),
  };
}

export { type HubspotMapping, loadHubspotMapping, parseHubspotMapping } from './mapping.ts';
export { HUBSPOT_TIERS, type HubspotTier } from './rate-budget.ts';
export type { SchemaCheckResult, SchemaProblem } from './schema-check.ts';
export type { SetupAction, SetupResult } from './setup.ts';
export { formatSchemaCheck, formatSetup };
