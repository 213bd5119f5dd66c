import { mountAdminRoutes } from '../shared/admin-routes.ts';
import { EmulatorClock } from '../shared/emulator-clock.ts';
import { type EmuRequest, HttpApp } from '../shared/http-app.ts';
import type { World } from '../world/world.ts';
import { CrmStore } from './crm-store.ts';
import type { CustomPropertyMode } from './custom-properties.ts';
import { errorBody, errorResponse, HubspotApiError } from './hubspot-errors.ts';
import { PortalRateLimiter, type RateLimitConfig } from './rate-limiter.ts';
import { mountAssociationRoutes } from './routes/association-routes.ts';
import { mountEventRoutes } from './routes/event-routes.ts';
import { mountHubspotAdminRoutes } from './routes/hubspot-admin-routes.ts';
import { mountOAuthRoutes } from './routes/oauth-routes.ts';
import { mountObjectRoutes } from './routes/object-routes.ts';
import { mountOwnerRoutes } from './routes/owner-routes.ts';
import { mountPropertyRoutes } from './routes/property-routes.ts';
import type { HubspotRouteContext } from './routes/route-helpers.ts';
import { type SeedSummary, seedFromWorld } from './seed-from-world.ts';
import { newPrivateAppToken, type OAuthAppConfig, TokenRegistry } from './token-registry.ts';
import { WebhookSender, type WebhookSenderOptions } from './webhook-sender.ts';

/**
 * A local HubSpot portal speaking the CRM v3/v4 wire format the @hubspot/api-client 14 SDK
 * expects: `new Client({ accessToken, basePath })` against `basePath` works as against
 * api.hubapi.com. See README.md for what is emulated and the choices made where HubSpot is vague.
 *
 * @example
 * const hs = await startHubspotEmulator({ world, rateLimits: { enabled: false } });
 * const client = new Client({ accessToken: hs.accessToken, basePath: hs.basePath });
 * await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 100 });
 * await hs.close();
 */

export interface HubspotEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Seed data; without it the portal has only its schema. */
  world?: World;
  /**
   * Custom properties of docs/crm-fields.md: `true` (default, the demo) = all of them;
   * `'inputs-only'` = only those a customer already has (hearing, MA score, ...), so
   * `tossup setup hubspot` has the connector's own to create; `false` = none.
   */
  withCustomProperties?: boolean | 'inputs-only';
  /** Private-app tokens accepted; one is generated when omitted. */
  tokens?: string[];
  /** Enables `POST /oauth/v1/token` and expiring access tokens. */
  oauth?: OAuthAppConfig;
  /** Budgets (defaults: 190 per 10 s, 1,000,000 per day, search 5/s) and the on/off switch. */
  rateLimits?: Partial<RateLimitConfig>;
  clock?: EmulatorClock;
  portalId?: number;
  appId?: number;
  /** Sends signed webhook batches for contact changes to this target. */
  webhook?: Omit<WebhookSenderOptions, 'portalId' | 'appId' | 'clock'>;
  /** `changeSource` of writes made through the API (webhooks); default `INTEGRATION`. */
  apiChangeSource?: string;
}

export interface HubspotEmulator {
  /** Pass as the SDK's `basePath` (no trailing slash). */
  basePath: string;
  /** A valid private-app token. */
  accessToken: string;
  app: HttpApp;
  store: CrmStore;
  clock: EmulatorClock;
  rateLimiter: PortalRateLimiter;
  tokens: TokenRegistry;
  webhooks: WebhookSender | undefined;
  portalId: number;
  appId: number;
  seedSummary: SeedSummary | undefined;
  close(): Promise<void>;
}

export type HubspotApp = Omit<HubspotEmulator, 'basePath' | 'close'>;

/** Builds the emulator without binding a port (in-process `app.handle` tests, benchmarks). */
export function createHubspotApp(options: HubspotEmulatorOptions = {}): HubspotApp {
  const clock = options.clock ?? new EmulatorClock();
  const portalId = options.portalId ?? 24_681_357;
  const appId = options.appId ?? 3_141_592;
  const store = new CrmStore({ clock, customProperties: customMode(options.withCustomProperties) });
  const seedSummary = options.world ? seedFromWorld(store, options.world) : undefined;
  const tokenList = options.tokens && options.tokens.length > 0 ? options.tokens : [newPrivateAppToken()];
  const tokens = new TokenRegistry(tokenList, options.oauth, () => clock.now());
  const limiter = new PortalRateLimiter(options.rateLimits ?? {}, `private-app:${appId}:${portalId}`);

  const app: HttpApp = new HttpApp({
    notFound: (req) => {
      const allowed = app.methodsFor(req.path);
      if (allowed.length > 0) {
        return errorResponse(
          405,
          'VALIDATION_ERROR',
          `${req.method} is not allowed on ${req.path}.`,
          {},
          {
            allow: allowed.join(', '),
          },
        );
      }
      return errorResponse(
        404,
        'OBJECT_NOT_FOUND',
        `No HubSpot API route matches ${req.method} ${req.path}.`,
      );
    },
    internalError: (_req, error) =>
      error instanceof HubspotApiError
        ? error.response
        : errorResponse(
            500,
            'INTERNAL_ERROR',
            `Emulator failure: ${(error as Error)?.message ?? String(error)}`,
          ),
    tooLarge: () => errorResponse(413, 'VALIDATION_ERROR', 'Request body too large.'),
  });

  const rateHeaders = new WeakMap<EmuRequest, Record<string, string>>();
  app.guard((req) => {
    if (req.route === 'admin' || req.route === 'hs.oauth.token') return undefined;
    const auth = tokens.authenticate(req.headers.authorization);
    if (!auth.ok) return auth.response;
    const kind = req.route.endsWith('.search') ? 'search' : 'general';
    const decision = limiter.check(kind, clock.now(), auth.oauth);
    if (!decision.allowed) return decision.response;
    if (decision.headers) rateHeaders.set(req, decision.headers);
    return undefined;
  });
  app.decorate((req, res) => {
    const headers = rateHeaders.get(req);
    if (headers) res.headers = { ...headers, ...res.headers };
    // HubSpot's clock is the portal's: a shifted or pinned emulator clock must show in `Date` too,
    // since clients use it to place "modified since" watermarks.
    if (req.route !== 'admin') res.headers = { date: new Date(clock.now()).toUTCString(), ...res.headers };
    // Injected faults may come without a body; the SDK needs JSON to build an ApiException.
    if (res.status >= 400 && req.route !== 'admin' && (res.body === undefined || res.body === null)) {
      res.body = errorBody(res.status === 429 ? 'RATE_LIMITS' : 'INTERNAL_ERROR', `HTTP ${res.status}`);
    }
  });

  let webhooks: WebhookSender | undefined;
  if (options.webhook) {
    webhooks = new WebhookSender({ ...options.webhook, portalId, appId, clock });
    webhooks.attach(store);
  }

  const ctx: HubspotRouteContext = {
    store,
    portalId,
    apiChangeSource: options.apiChangeSource ?? 'INTEGRATION',
  };
  mountAdminRoutes(app, {
    clock,
    snapshot: () => store.snapshot(),
    setRateLimits: (enabled) => limiter.setEnabled(enabled),
  });
  mountHubspotAdminRoutes(app, { store, limiter, webhooks });
  mountOAuthRoutes(app, tokens);
  mountObjectRoutes(app, ctx);
  mountPropertyRoutes(app, ctx);
  mountOwnerRoutes(app, ctx);
  mountAssociationRoutes(app, ctx);
  mountEventRoutes(app, ctx);

  return {
    accessToken: tokenList[0]!,
    app,
    store,
    clock,
    rateLimiter: limiter,
    tokens,
    webhooks,
    portalId,
    appId,
    seedSummary,
  };
}

export async function startHubspotEmulator(options: HubspotEmulatorOptions = {}): Promise<HubspotEmulator> {
  const built = createHubspotApp(options);
  const basePath = await built.app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    ...built,
    basePath,
    async close() {
      await built.webhooks?.close();
      await built.app.close();
    },
  };
}

function customMode(option: HubspotEmulatorOptions['withCustomProperties']): CustomPropertyMode {
  if (option === false) return 'none';
  if (option === 'inputs-only') return 'inputs-only';
  return 'all';
}

export { CrmStore } from './crm-store.ts';
export type { RateLimitConfig } from './rate-limiter.ts';
export {
  type CreateDealInput,
  closeDeal,
  completeTask,
  createDeal,
  type EngagementKind,
  type LogEngagementInput,
  logEngagement,
} from './rep-actions.ts';
export { type SeedSummary, seedFromWorld } from './seed-from-world.ts';
export type { OAuthAppConfig } from './token-registry.ts';
export { signatureV3, WebhookSender, type WebhookSenderOptions } from './webhook-sender.ts';
