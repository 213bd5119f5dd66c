// jsforce's core Connection only: the package root also loads every API module (SOAP, metadata,
// streaming, bulk v1, …) and their dependencies, ~0.6 MB of a Lambda bundle the connector never calls.
import { Connection } from 'jsforce/lib/connection.js';
import { callTimeoutMs } from '../../src/ports/deadline.ts';
import { defaultAudience, jwtBearerAssertion } from './jwt-assertion.ts';
import { proxyFor } from './proxy-for.ts';

/**
 * The only module that imports jsforce (3.10.26). It owns the session (four OAuth flows, refresh
 * on 401 through jsforce's refresh delegate) and ONE way of making a call, `call()`, that every
 * other module uses. Every HTTP request — including jsforce's own replays after a refresh and the
 * token calls — goes through `MeteredTransport`, which decides the proxy per URL (jsforce ignores
 * NO_PROXY), sets the request timeout (jsforce's default is 30 minutes), switches jsforce's own
 * retries off (the connector has exactly one retry layer, call-runner.ts), counts calls per
 * endpoint and remembers the server's clock and the `Sforce-Limit-Info` usage.
 */

export type AuthSettings =
  | { flow: 'jwt'; clientId: string; username: string; privateKey: string; audience?: string }
  | { flow: 'client_credentials'; clientId: string; clientSecret: string }
  | { flow: 'refresh_token'; clientId: string; clientSecret?: string; refreshToken: string }
  | { flow: 'password'; clientId: string; clientSecret: string; username: string; password: string };

export interface ClientSettings {
  loginUrl: string;
  /** e.g. `62.0`; jsforce would default to 50.0. */
  apiVersion: string;
  auth: AuthSettings;
  /** Per HTTP request; keep it well below the Lambda timeout. */
  requestTimeoutMs: number;
  /** `undefined` = environment (HTTPS_PROXY, NO_PROXY honoured), `null` = never, a URL = that proxy. */
  proxy?: string | null;
  /** Epoch ms; the JWT `exp` is computed from it. */
  now: () => number;
  /** Refresh-token rotation: Salesforce revoked the old token; persist this one. */
  onRefreshTokenRotated?: (refreshToken: string) => void;
}

export interface CallRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Under `/services/data/vXX.X` (e.g. `/query?q=…`), or an absolute `/services/…` path. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Return the body as text (Bulk CSV) instead of parsing it. */
  text?: boolean;
}

export interface CallResult<T> {
  body: T;
  status: number;
  headers: Readonly<Record<string, string>>;
}

/** A call that got no usable answer: an HTTP error, no response, or a failed re-authentication. */
export class SalesforceCallError extends Error {
  /** `null` when no HTTP response arrived. */
  readonly status: number | null;
  readonly code: string;
  /** Parsed error body, when Salesforce sent one (e.g. the whole-request 400 of a Collections call). */
  readonly body: unknown;
  /** The wait a 429/503 asked for in `Retry-After` (seconds or an HTTP date), in ms. */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    details: { status: number | null; code: string; body?: unknown; retryAfterMs?: number },
  ) {
    super(message);
    this.name = 'SalesforceCallError';
    this.status = details.status;
    this.code = details.code;
    this.body = details.body;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Salesforce's
 * own limits answer 403 REQUEST_LIMIT_EXCEEDED without it, but a gateway or proxy in front of an
 * org may send 429 with one; the retry must not come back sooner than asked.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface ApiAllowance {
  used: number;
  limit: number;
}

interface TokenResponse {
  access_token: string;
  instance_url: string;
  id: string;
  issued_at?: string;
  refresh_token?: string;
}

/** Filled by the transport for the call it belongs to (jsforce hands our options through). */
interface CallTrace {
  status?: number;
  headers?: Record<string, string>;
}

interface TransportOptions {
  tossupTrace?: CallTrace;
  [key: string]: unknown;
}

interface HttpResponseLike {
  statusCode: number;
  headers: Record<string, string>;
}

interface TransportLike {
  httpRequest(
    req: { method: string; url: string; headers?: Record<string, string> },
    options?: object,
  ): PromiseLike<unknown>;
}

const MAX_REFRESHES_WITHOUT_SUCCESS = 3;

/** Wraps jsforce's transport: proxy per URL, timeout, no jsforce retries, counters, server clock. */
class MeteredTransport {
  readonly counts = new Map<string, number>();
  allowance: ApiAllowance | null = null;
  lastServerDate: number | null = null;
  /** Re-authentications since the org last answered an API call with anything but 401. */
  refreshesWithoutSuccess = 0;
  /**
   * HTTP status of the last token-endpoint answer: jsforce reports a JSON error body by its `error`
   * field only, so a 503 `{"error": …}` would otherwise look like a 400.
   */
  lastTokenStatus: number | null = null;
  /** `Retry-After` of the last token-endpoint answer, raw. */
  lastTokenRetryAfter: string | undefined;
  private readonly inner: TransportLike;
  private readonly settings: Pick<ClientSettings, 'requestTimeoutMs' | 'proxy'>;

  constructor(inner: TransportLike, settings: Pick<ClientSettings, 'requestTimeoutMs' | 'proxy'>) {
    this.inner = inner;
    this.settings = settings;
  }

  httpRequest(
    req: { method: string; url: string; headers?: Record<string, string> },
    options: TransportOptions = {},
  ) {
    const endpoint = endpointOf(req.method, req.url);
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
    const { tossupTrace, ...rest } = options;
    const isToken = endpoint === 'oauth.token';
    if (isToken) this.lastTokenStatus = null;
    const promise = this.inner.httpRequest(req, {
      ...rest,
      // Explicitly undefined overrides the proxy jsforce took from the environment at import.
      httpProxy: proxyFor(req.url, this.settings.proxy),
      // Never past the invocation's deadline (src/ports/deadline.ts): a hung call must not outlive it.
      timeout: callTimeoutMs(this.settings.requestTimeoutMs),
      // jsforce retries GET/PUT/DELETE 5 times without jitter; call-runner.ts is the one retry layer.
      retry: { methods: [], maxRetries: 0 },
    });
    promise.then(
      (res) => {
        if (isToken) {
          this.lastTokenStatus = (res as HttpResponseLike).statusCode;
          this.lastTokenRetryAfter = (res as HttpResponseLike).headers?.['retry-after'];
        }
        this.observe(res as HttpResponseLike, tossupTrace);
      },
      () => undefined,
    );
    return promise;
  }

  private observe(res: HttpResponseLike, trace: CallTrace | undefined): void {
    if (trace) {
      trace.status = res.statusCode;
      trace.headers = res.headers;
    }
    const date = res.headers?.date ? Date.parse(res.headers.date) : Number.NaN;
    if (!Number.isNaN(date)) this.lastServerDate = date;
    const usage = /api-usage=(\d+)\/(\d+)/.exec(res.headers?.['sforce-limit-info'] ?? '');
    if (usage) this.allowance = { used: Number(usage[1]), limit: Number(usage[2]) };
    if (trace && res.statusCode !== 401) this.refreshesWithoutSuccess = 0;
  }
}

/** Counter key of a request, e.g. `query`, `queryMore`, `collections.update`, `bulk2.results`. */
export function endpointOf(method: string, url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '';
  if (path.endsWith('/services/oauth2/token')) return 'oauth.token';
  if (/\/services\/data\/?$/.test(path)) return 'versions';
  const rest = /\/services\/data\/v[\d.]+(\/.*)?$/.exec(path)?.[1] ?? '';
  if (rest === '/query' || rest === '/queryAll') return rest.slice(1);
  if (/^\/query(All)?\/[^/]+$/.test(rest)) return 'queryMore';
  if (rest === '/composite' && method === 'POST') return 'composite';
  if (rest === '/composite/sobjects')
    return `collections.${method === 'PATCH' ? 'update' : method.toLowerCase()}`;
  if (/^\/composite\/sobjects\/[^/]+\/[^/]+$/.test(rest) && method === 'PATCH') return 'collections.upsert';
  if (/^\/sobjects\/[^/]+\/describe$/.test(rest)) return 'describe';
  if (rest === '/jobs/query') return method === 'POST' ? 'bulk2.create' : 'bulk2.list';
  if (/^\/jobs\/query\/[^/]+\/results$/.test(rest)) return 'bulk2.results';
  if (/^\/jobs\/query\/[^/]+$/.test(rest)) return method === 'GET' ? 'bulk2.poll' : 'bulk2.abort';
  if (rest === '/limits') return 'limits';
  return 'other';
}

/** The faye client jsforce's Streaming API hands out (the part of it we use). */
export interface StreamingClient {
  subscribe(
    channel: string,
    onMessage: (message: unknown) => void,
  ): { then(ok: () => void, failed: (e: Error) => void): unknown; cancel(): void };
  disconnect(): void;
}

interface StreamingModule {
  Streaming?: new (conn: Connection) => { createClient(extensions: unknown[]): StreamingClient };
}

export class SalesforceClient {
  readonly apiVersion: string;
  private readonly conn: Connection;
  private readonly transport: MeteredTransport;
  private readonly settings: ClientSettings;
  private refreshToken: string | undefined;
  /** Why the last grant failed, so a failed refresh inside jsforce can be classified. */
  private lastGrantFailure: { status: number | null; code: string; message: string } | null = null;
  private closed = false;
  private identityUserId: string | null = null;
  private identityOrgId: string | null = null;

  private constructor(settings: ClientSettings) {
    this.settings = settings;
    this.apiVersion = settings.apiVersion;
    const { auth } = settings;
    this.refreshToken = auth.flow === 'refresh_token' ? auth.refreshToken : undefined;
    const clientSecret =
      auth.flow === 'jwt' ? undefined : auth.flow === 'refresh_token' ? auth.clientSecret : auth.clientSecret;
    this.conn = new Connection({
      loginUrl: settings.loginUrl,
      version: settings.apiVersion,
      // The JWT grant sends only grant_type and assertion (the consumer key is the assertion's `iss`).
      oauth2: {
        ...(auth.flow === 'jwt' ? {} : { clientId: auth.clientId }),
        ...(clientSecret ? { clientSecret } : {}),
        loginUrl: settings.loginUrl,
      },
      // JWT and client-credentials sessions have no refresh token: a 401 re-runs the grant itself.
      refreshFn: (_conn, callback) => {
        // jsforce replays the call after every refresh and refreshes again on the next 401, forever
        // if the org keeps refusing fresh sessions (e.g. the user lost API access): give up instead.
        if (++this.transport.refreshesWithoutSuccess > MAX_REFRESHES_WITHOUT_SUCCESS) {
          this.lastGrantFailure = {
            status: 401,
            code: 'INVALID_SESSION_ID',
            message: `the org refused ${MAX_REFRESHES_WITHOUT_SUCCESS} fresh sessions in a row (does the integration user still have API access?)`,
          };
          callback(new Error(this.lastGrantFailure.message));
          return;
        }
        this.grant().then(
          (res) => callback(null, res.access_token, res as never),
          (err: Error) => callback(err),
        );
      },
    });
    const conn = this.conn as unknown as { _transport: TransportLike; oauth2: { _transport: TransportLike } };
    this.transport = new MeteredTransport(conn._transport, settings);
    conn._transport = this.transport;
    conn.oauth2._transport = this.transport;
  }

  /** Logs in with the configured flow; throws SalesforceCallError (kind via classify-error.ts). */
  static async connect(settings: ClientSettings): Promise<SalesforceClient> {
    const client = new SalesforceClient(settings);
    await client.grant();
    return client;
  }

  get instanceUrl(): string {
    return this.conn.instanceUrl;
  }

  /**
   * The integration user's id, from the token response's identity URL (`…/id/<org>/<user>`): no
   * extra call. Our own writes carry it as LastModifiedById (BEHAVIOR.md "No echo"). Null if the URL is odd.
   */
  get userId(): string | null {
    return this.identityUserId;
  }

  /** The org's id (`00D…`), from the same identity URL. */
  get orgId(): string | null {
    return this.identityOrgId;
  }

  /** Daily allowance as of the last response (`Sforce-Limit-Info`), or null before the first call. */
  get allowance(): ApiAllowance | null {
    return this.transport.allowance;
  }

  /**
   * Forgets the last `Sforce-Limit-Info`, so the allowance guard lets the next call through and
   * learns the current usage from it (the rolling window may have freed requests since).
   */
  forgetAllowance(): void {
    this.transport.allowance = null;
  }

  /** HTTP requests per endpoint, retries and token calls included. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.transport.counts);
  }

  /** `/services/data/v62.0` + path. */
  dataPath(path: string): string {
    return `/services/data/v${this.apiVersion}${path}`;
  }

  /** One HTTP call (jsforce replays it once after refreshing an expired session). Never retries. */
  async call<T>(req: CallRequest): Promise<CallResult<T>> {
    if (this.closed)
      throw new SalesforceCallError('the Salesforce connector was closed', { status: null, code: 'closed' });
    const trace: CallTrace = {};
    const url = req.path.startsWith('/services/') ? req.path : this.dataPath(req.path);
    try {
      const body = await this.conn.request<T>(
        {
          method: req.method,
          url,
          headers: {
            ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...req.headers,
          },
          ...(req.body !== undefined
            ? { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body) }
            : {}),
        },
        { ...(req.text ? { responseType: 'text/plain' } : {}), tossupTrace: trace } as never,
      );
      return { body, status: trace.status ?? 200, headers: trace.headers ?? {} };
    } catch (e) {
      throw this.toCallError(e, trace);
    }
  }

  /**
   * The server's clock (`Date` header of the unauthenticated, uncounted versions resource). The
   * change-stream horizon is taken from it, never from our clock.
   */
  async serverTime(): Promise<number | null> {
    const before = this.transport.lastServerDate;
    try {
      await this.call({ method: 'GET', path: '/services/data' });
    } catch {
      return before;
    }
    return this.transport.lastServerDate;
  }

  close(): void {
    this.closed = true;
  }

  /**
   * A Streaming API (CometD) client on `/cometd/<version>` with the current session: jsforce's own
   * streaming module (faye), loaded only when a listener needs it (the Lambda bundle never does). The
   * session is fixed at creation: after `refreshSession()`, create a new client.
   */
  async streamingClient(extensions: readonly unknown[]): Promise<{ faye: StreamingClient }> {
    const mod = (await import('jsforce/lib/api/streaming.js')) as unknown as StreamingModule & {
      default?: StreamingModule;
    };
    const Streaming = mod.Streaming ?? mod.default?.Streaming;
    if (!Streaming) throw new Error("jsforce's streaming module has no Streaming class");
    // Wrapped: faye's client is a thenable (Deferrable), which an async function would wait on.
    return { faye: new Streaming(this.conn).createClient([...extensions]) };
  }

  /** Logs in again (the streaming client's session was refused: `401::Authentication invalid`). */
  async refreshSession(): Promise<void> {
    await this.grant();
  }

  private async grant(): Promise<TokenResponse> {
    const { auth } = this.settings;
    const oauth2 = this.conn.oauth2;
    try {
      let res: TokenResponse;
      switch (auth.flow) {
        case 'jwt':
          res = (await oauth2.requestToken({
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion: jwtBearerAssertion(
              {
                clientId: auth.clientId,
                username: auth.username,
                audience: auth.audience ?? defaultAudience(this.settings.loginUrl),
                now: this.settings.now(),
              },
              auth.privateKey,
            ),
          })) as TokenResponse;
          break;
        case 'client_credentials':
          res = (await oauth2.requestToken({ grant_type: 'client_credentials' })) as TokenResponse;
          break;
        case 'refresh_token':
          res = (await oauth2.refreshToken(this.refreshToken ?? auth.refreshToken)) as TokenResponse;
          if (res.refresh_token && res.refresh_token !== this.refreshToken) {
            this.refreshToken = res.refresh_token;
            this.settings.onRefreshTokenRotated?.(res.refresh_token);
          }
          break;
        case 'password':
          res = (await oauth2.authenticate(auth.username, auth.password)) as TokenResponse;
          break;
      }
      if (!res?.access_token || !res.instance_url) {
        throw new SalesforceCallError('the token response has no access_token/instance_url', {
          status: 200,
          code: 'invalid_token_response',
        });
      }
      this.conn.instanceUrl = res.instance_url.replace(/\/+$/, '');
      this.conn.accessToken = res.access_token;
      this.identityUserId = userIdOfIdentityUrl(res.id) ?? this.identityUserId;
      this.identityOrgId = orgIdOfIdentityUrl(res.id) ?? this.identityOrgId;
      this.lastGrantFailure = null;
      return res;
    } catch (e) {
      const failure = grantFailure(e, this.transport.lastTokenStatus);
      this.lastGrantFailure = failure;
      const retryAfterMs = parseRetryAfter(this.transport.lastTokenRetryAfter, Date.now());
      // The bare cause: the caller says which login failed (login.ts), once.
      throw new SalesforceCallError(failure.message, {
        ...failure,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
  }

  private toCallError(e: unknown, trace: CallTrace): SalesforceCallError {
    if (e instanceof SalesforceCallError) return e;
    const err = e as Error & { errorCode?: string; data?: unknown; cause?: { code?: string } };
    if (typeof err?.message === 'string' && err.message.startsWith('Unable to refresh session')) {
      const f = this.lastGrantFailure ?? { status: 401, code: 'INVALID_SESSION_ID', message: err.message };
      return new SalesforceCallError(`re-authentication failed: ${f.code}: ${f.message}`, f);
    }
    if (trace.status !== undefined && trace.status >= 300) {
      const retryAfterMs = parseRetryAfter(trace.headers?.['retry-after'], Date.now());
      return new SalesforceCallError(err.message, {
        status: trace.status,
        code: err.errorCode ?? err.name ?? `ERROR_HTTP_${trace.status}`,
        body: err.data,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    return new SalesforceCallError(err?.message ?? String(e), { status: null, code: networkCode(err) });
  }
}

function networkCode(err: Error & { cause?: { code?: string; cause?: { code?: string } } }): string {
  if (err?.name === 'AbortError' || /aborted due to timeout/i.test(err?.message ?? '')) return 'timeout';
  return err?.cause?.code ?? err?.cause?.cause?.code ?? 'network_error';
}

/**
 * jsforce throws token errors as `Error{name: error, message: error_description}` (or
 * `ERROR_HTTP_<n>` for a body that is not JSON); `httpStatus` is what the endpoint really answered.
 */
function grantFailure(
  e: unknown,
  httpStatus: number | null,
): { status: number | null; code: string; message: string } {
  if (e instanceof SalesforceCallError) return { status: e.status, code: e.code, message: e.message };
  const err = e as Error & { cause?: { code?: string } };
  if (err instanceof TypeError || err?.name === 'AbortError') {
    return { status: null, code: networkCode(err), message: err.message };
  }
  const name = err?.name ?? 'Error';
  const http = /^ERROR_HTTP_(\d+)$/.exec(name);
  return {
    status: http ? Number(http[1]) : (httpStatus ?? 400),
    code: name === 'Error' ? 'login_failed' : name,
    message: err?.message ?? String(e),
  };
}

/** `https://login.salesforce.com/id/00D…/005…` → `005…`; null when it is not such a URL. */
/** The org id (`00D…`) of an identity URL `…/id/<org>/<user>`, or null. */
export function orgIdOfIdentityUrl(url: string | undefined): string | null {
  const m = /\/id\/(00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?)\/[a-zA-Z0-9]{15,18}\/?$/.exec(url ?? '');
  return m ? m[1]! : null;
}

export function userIdOfIdentityUrl(url: string | undefined): string | null {
  const m = /\/id\/[a-zA-Z0-9]{15,18}\/(005[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?)\/?$/.exec(url ?? '');
  return m ? m[1]! : null;
}
