import { AsyncLocalStorage } from 'node:async_hooks';
import { type ClientRequest, Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Client } from '@hubspot/api-client';
import { CrmError } from '../../src/domain/errors.ts';
import { callTimeoutMs } from '../../src/ports/deadline.ts';
import type { HubspotFailure, PropertyIssue } from './classify-error.ts';

/**
 * The only file that imports `@hubspot/api-client`. It exposes the handful of calls the connector
 * makes as plain functions over plain data, and turns every SDK failure into a `HubspotHttpError`
 * carrying what the classification table needs. It adds NO retries and NO rate limiting: those
 * live in one place, the request runner (see BEHAVIOR.md for why the SDK's are left off).
 *
 * SDK behaviours this file works around:
 * - retry/limiter decorators are a process-wide singleton taken from the most recently built
 *   `Client`, applied when an API object is first touched: we build our clients without them and
 *   touch every API object right away, so a later `new Client({numberOfApiCallRetries})` elsewhere
 *   in the process cannot add retries to ours;
 * - the SDK parses error bodies into its `Error` model and drops `policyName`: a response
 *   middleware keeps the raw body of failed calls (per call, through AsyncLocalStorage);
 * - `setAccessToken` rebuilds every API object: the bearer token is instead set per request by a
 *   middleware, so an OAuth refresh changes nothing else;
 * - no request timeout and no way to pass an `AbortSignal`: each call has its own signal, aborted
 *   by our timer, and the client's keep-alive agent (the SDK's `httpAgent` option, which also
 *   switches it from global `fetch` to `node:http`) destroys the call's request when it fires —
 *   a timed-out request must not keep its socket (and the process) open.
 */

export type CrmObjectType = 'contacts' | 'companies' | 'deals' | 'tasks' | EngagementType;
/** What a rep logs on a contact: the sweep's first-response evidence besides tasks. */
export type EngagementType = 'calls' | 'emails' | 'meetings';

export interface HubspotRecord {
  id: string;
  properties: Record<string, string | null>;
  /** Present on archived reads. */
  archivedAt?: string;
}

export interface SearchFilter {
  propertyName: string;
  operator: 'EQ' | 'NEQ' | 'LT' | 'LTE' | 'GT' | 'GTE' | 'BETWEEN' | 'IN' | 'NOT_IN' | 'HAS_PROPERTY';
  value?: string;
  values?: string[];
  highValue?: string;
}

export interface SearchRequest {
  filterGroups: { filters: SearchFilter[] }[];
  sorts: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  properties: string[];
  limit: number;
  after?: string;
}

export interface SearchPage {
  total: number;
  results: HubspotRecord[];
}

/** One entry of a batch answer's `errors[]` (207), with HubSpot's context lists. */
export interface BatchErrorEntry {
  category?: string;
  subCategory?: string;
  message: string;
  context: Record<string, string[]>;
  propertyIssues: PropertyIssue[];
}

export interface BatchAnswer {
  results: HubspotRecord[];
  errors: BatchErrorEntry[];
}

export interface AssociationAnswer {
  results: { fromId: string; toIds: string[] }[];
  /** Ids HubSpot reported as having no associations (or not existing). */
  without: string[];
  /** Records with more associations than one answer holds: ask again with `{id, after}`. */
  more: { fromId: string; after: string }[];
}

export interface TaskCreateInput {
  properties: Record<string, string>;
  contactId: string;
  /** Echoed in per-record errors of a 207, so each error maps back to its input. */
  traceId: string;
}

export interface PropertyInfo {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  hasUniqueValue: boolean;
  readOnlyValue: boolean;
  calculated: boolean;
  options: { value: string; label: string; hidden: boolean }[];
  referencedObjectType?: string;
}

export interface PropertyCreateInput {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  hasUniqueValue?: boolean;
  options?: { value: string; label: string; displayOrder: number }[];
}

export interface OwnerInfo {
  id: string;
  userId: string | null;
  archived: boolean;
}

export interface EventInfo {
  eventType: string;
  occurredAt: string;
  properties: Record<string, string>;
}

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
}

export interface ResponseInfo {
  status: number;
  headers: Readonly<Record<string, string>>;
}

export interface HubspotClientOptions {
  /** API base without trailing slash; the SDK default (api.hubapi.com) when absent. */
  basePath?: string;
  /** Called before every request; returns the bearer token to send. */
  accessToken: () => Promise<string>;
  timeoutMs: number;
  /** Every HTTP response (rate-limit headers, server clock). */
  onResponse?: (info: ResponseInfo) => void;
}

/** A HubSpot call that did not succeed; `failure` is what classify-error.ts needs. */
export class HubspotHttpError extends Error {
  readonly failure: HubspotFailure;
  constructor(what: string, failure: HubspotFailure) {
    const status =
      failure.status === null
        ? failure.timedOut
          ? 'timeout'
          : (failure.networkCode ?? 'network')
        : String(failure.status);
    super(`HubSpot ${what}: ${status}${failure.category ? ` ${failure.category}` : ''}`);
    this.name = 'HubspotHttpError';
    this.failure = failure;
  }
}

interface CallCapture {
  status?: number;
  headers?: Record<string, string>;
  rawBody?: string;
  /** Aborted when the call times out: ends its HTTP request (see `abortableAgent`). */
  signal?: AbortSignal;
}

const capture = new AsyncLocalStorage<CallCapture>();

type AddRequest = (req: ClientRequest, options: unknown) => void;

/**
 * A keep-alive agent that ties each request to the AbortSignal of the call it belongs to. The SDK
 * creates the request itself, so the agent is the one place that sees it; `addRequest` runs
 * synchronously inside the call, where `capture` holds the call's signal. Idle sockets are closed
 * after 4 s (undici's default, below common server keep-alive times) and never hold the process.
 */
function abortableAgent(secure: boolean): HttpAgent {
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, timeout: 4_000 })
    : new HttpAgent({ keepAlive: true, timeout: 4_000 });
  const target = agent as unknown as { addRequest: AddRequest };
  const addRequest = target.addRequest.bind(agent);
  target.addRequest = (req, options) => {
    const signal = capture.getStore()?.signal;
    if (signal) {
      const abort = () => req.destroy(new Error('request aborted: the call timed out'));
      if (signal.aborted) queueMicrotask(abort);
      else {
        signal.addEventListener('abort', abort, { once: true });
        req.once('close', () => signal.removeEventListener('abort', abort));
      }
    }
    addRequest(req, options);
  };
  return agent;
}

interface SdkBodyContext {
  getBody(): unknown;
  setHeaderParam(key: string, value: string): void;
}

/** `node:http` sends a string body chunked; HubSpot gets a Content-Length, as `fetch` sent it. */
const contentLength: Middleware = {
  pre: (raw) => {
    const ctx = raw as SdkBodyContext;
    const body = ctx.getBody();
    if (typeof body === 'string') ctx.setHeaderParam('Content-Length', String(Buffer.byteLength(body)));
    return ctx;
  },
  post: (ctx) => ctx,
};

type Middleware = { pre(ctx: unknown): unknown; post(ctx: unknown): unknown };

interface SdkRequestContext {
  setHeaderParam(key: string, value: string): void;
}
interface SdkResponseContext {
  httpStatusCode: number;
  headers: Record<string, string>;
  body: { text(): Promise<string> };
}

function observeMiddleware(onResponse: HubspotClientOptions['onResponse']): Middleware {
  return {
    pre: (ctx) => ctx,
    post: async (raw) => {
      const ctx = raw as SdkResponseContext;
      const store = capture.getStore();
      if (store) {
        store.status = ctx.httpStatusCode;
        store.headers = ctx.headers;
        // The body is buffered by the SDK's transport, so reading it here leaves it readable.
        if (ctx.httpStatusCode >= 400) store.rawBody = await ctx.body.text();
      }
      onResponse?.({ status: ctx.httpStatusCode, headers: ctx.headers });
      return ctx;
    },
  };
}

export class HubspotClient {
  private readonly sdk: Client;
  private readonly tokenSdk: Client;
  private readonly timeoutMs: number;

  constructor(options: HubspotClientOptions) {
    const base = options.basePath?.replace(/\/+$/, '');
    const observe = observeMiddleware(options.onResponse);
    const auth: Middleware = {
      pre: async (ctx) => {
        const token = await options.accessToken();
        (ctx as SdkRequestContext).setHeaderParam('Authorization', `Bearer ${token}`);
        return ctx;
      },
      post: (ctx) => ctx,
    };
    const httpAgent = abortableAgent(!base?.startsWith('http:'));
    // No numberOfApiCallRetries and no limiterOptions: see BEHAVIOR.md "one retry layer".
    this.sdk = new Client({
      ...(base ? { basePath: base } : {}),
      httpAgent,
      middleware: [auth, contentLength, observe],
    });
    touchApis(this.sdk);
    // Token calls must not go through the auth middleware (it would ask for the token being fetched).
    this.tokenSdk = new Client({
      ...(base ? { basePath: base } : {}),
      httpAgent,
      middleware: [contentLength, observe],
    });
    void this.tokenSdk.oauth.tokensApi;
    this.timeoutMs = options.timeoutMs;
  }

  // ---- CRM objects ---------------------------------------------------------------------------

  /** POST /crm/v3/objects/{type}/search — https://developers.hubspot.com/docs/api/crm/search */
  async search(type: CrmObjectType, req: SearchRequest): Promise<SearchPage> {
    const body = { ...req, ...(req.after ? { after: req.after } : {}) } as never;
    const res = await this.call(`${type} search`, () => this.sdk.crm.objects.searchApi.doSearch(type, body));
    return { total: res.total, results: res.results.map(toRecord) };
  }

  /** POST /crm/v3/objects/{type}/batch/read (≤ 100 ids). */
  async batchRead(
    type: CrmObjectType,
    ids: readonly string[],
    properties: readonly string[],
  ): Promise<BatchAnswer> {
    const input = {
      inputs: ids.map((id) => ({ id })),
      properties: [...properties],
      propertiesWithHistory: [],
    };
    const res = await this.call(`${type} batch read`, () =>
      this.sdk.crm.objects.batchApi.read(type, input as never, false),
    );
    return toBatchAnswer(res);
  }

  /** POST /crm/v3/objects/{type}/batch/update (≤ 100 inputs); `""` clears a value. */
  async batchUpdate(
    type: CrmObjectType,
    inputs: readonly { id: string; properties: Record<string, string>; traceId: string }[],
  ): Promise<BatchAnswer> {
    const body = {
      inputs: inputs.map((i) => ({ id: i.id, properties: i.properties, objectWriteTraceId: i.traceId })),
    };
    const res = await this.call(`${type} batch update`, () =>
      this.sdk.crm.objects.batchApi.update(type, body as never),
    );
    return toBatchAnswer(res);
  }

  /**
   * POST /crm/v3/objects/tasks/batch/create with the task→contact association (type 204) inline —
   * https://developers.hubspot.com/docs/api/crm/tasks
   */
  async batchCreateTasks(inputs: readonly TaskCreateInput[]): Promise<BatchAnswer> {
    const body = {
      inputs: inputs.map((i) => ({
        properties: i.properties,
        objectWriteTraceId: i.traceId,
        associations: [
          {
            to: { id: i.contactId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }],
          },
        ],
      })),
    };
    const res = await this.call('tasks batch create', () =>
      this.sdk.crm.objects.batchApi.create('tasks', body as never),
    );
    return toBatchAnswer(res);
  }

  /** GET /crm/v3/objects/{type}?archived=true — the recycle bin, id order. */
  async listArchived(
    type: CrmObjectType,
    limit: number,
    after: string | undefined,
  ): Promise<{ results: HubspotRecord[]; nextAfter: string | undefined }> {
    const res = await this.call(`${type} list archived`, () =>
      this.sdk.crm.objects.basicApi.getPage(type, limit, after, ['hs_object_id'], undefined, undefined, true),
    );
    return {
      results: res.results.map((r) => ({
        ...toRecord(r),
        ...(r.archivedAt ? { archivedAt: toIso(r.archivedAt) } : {}),
      })),
      nextAfter: res.paging?.next?.after,
    };
  }

  /**
   * POST /crm/v4/associations/{from}/{to}/batch/read (≤ 1,000 ids); `after` continues a record whose
   * associations did not fit one answer (its `paging.next.after`).
   */
  async batchReadAssociations(
    from: CrmObjectType,
    to: CrmObjectType,
    ids: readonly string[],
    after?: ReadonlyMap<string, string>,
  ): Promise<AssociationAnswer> {
    const inputs = ids.map((id) => {
      const next = after?.get(id);
      return next === undefined ? { id } : { id, after: next };
    });
    const res = await this.call(`${from}→${to} associations`, () =>
      this.sdk.crm.associations.v4.batchApi.getPage(from, to, { inputs } as never),
    );
    const results = res.results.map((r) => ({
      fromId: String(r._from.id),
      // HubSpot sends toObjectId as a JSON number although the SDK types it as a string.
      toIds: r.to.map((t) => String(t.toObjectId)),
    }));
    const more = res.results.flatMap((r) => {
      const next = r.paging?.next?.after;
      return next ? [{ fromId: String(r._from.id), after: next }] : [];
    });
    const withResults = new Set(results.map((r) => r.fromId));
    const without = ids.filter((id) => !withResults.has(id));
    return { results, without, more };
  }

  // ---- schema --------------------------------------------------------------------------------

  async listProperties(type: CrmObjectType): Promise<PropertyInfo[]> {
    const res = await this.call(`${type} properties`, () =>
      this.sdk.crm.properties.coreApi.getAll(type, false),
    );
    return res.results.map(toPropertyInfo);
  }

  /** GET /crm/v3/properties/{type}/{name}; `null` when the portal has no such property. */
  async getProperty(type: CrmObjectType, name: string): Promise<PropertyInfo | null> {
    try {
      return toPropertyInfo(
        await this.call(`${type} property`, () => this.sdk.crm.properties.coreApi.getByName(type, name)),
      );
    } catch (e) {
      if (e instanceof HubspotHttpError && e.failure.status === 404) return null;
      throw e;
    }
  }

  async createProperty(type: CrmObjectType, def: PropertyCreateInput): Promise<PropertyInfo> {
    const res = await this.call(`${type} property create`, () =>
      this.sdk.crm.properties.coreApi.create(type, def as never),
    );
    return toPropertyInfo(res);
  }

  async listPropertyGroups(type: CrmObjectType): Promise<string[]> {
    const res = await this.call(`${type} property groups`, () =>
      this.sdk.crm.properties.groupsApi.getAll(type),
    );
    return res.results.map((g) => g.name);
  }

  async createPropertyGroup(type: CrmObjectType, group: { name: string; label: string }): Promise<void> {
    await this.call(`${type} property group create`, () =>
      this.sdk.crm.properties.groupsApi.create(type, { ...group, displayOrder: -1 }),
    );
  }

  // ---- owners, events, OAuth -----------------------------------------------------------------

  /** GET /crm/v3/owners/ (the v14 SDK adds the trailing slash) — owner ids differ from user ids. */
  async listOwners(
    after: string | undefined,
  ): Promise<{ results: OwnerInfo[]; nextAfter: string | undefined }> {
    const res = await this.call('owners', () =>
      this.sdk.crm.owners.ownersApi.getPage(undefined, after, 500, false),
    );
    return {
      results: res.results.map((o) => ({
        id: String(o.id),
        userId: o.userId === undefined || o.userId === null ? null : String(o.userId),
        archived: o.archived === true,
      })),
      nextAfter: res.paging?.next?.after,
    };
  }

  /** GET /events/v3/events for one contact, oldest first. */
  async listContactEvents(
    contactId: string,
    occurredAfter: Date,
    after: string | undefined,
  ): Promise<{ results: EventInfo[]; nextAfter: string | undefined }> {
    const res = await this.call('contact events', () =>
      this.sdk.events.eventsApi.getPage(
        'contact',
        undefined,
        after,
        undefined,
        1000,
        ['occurredAt'],
        occurredAfter,
        undefined,
        Number(contactId),
      ),
    );
    return {
      results: res.results.map((e) => ({
        eventType: e.eventType,
        occurredAt: toIso(e.occurredAt),
        properties: (e.properties ?? {}) as Record<string, string>,
      })),
      nextAfter: res.paging?.next?.after,
    };
  }

  /** POST /oauth/v1/token, grant_type=refresh_token. */
  async refreshAccessToken(app: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
  }): Promise<TokenGrant> {
    const res = await this.call('OAuth token refresh', () =>
      this.tokenSdk.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        app.clientId,
        app.clientSecret,
        app.refreshToken,
      ),
    );
    return { accessToken: res.accessToken, refreshToken: res.refreshToken, expiresInSeconds: res.expiresIn };
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const store: CallCapture = { signal: controller.signal };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          // Ends the HTTP request (socket included); the race below answers at once either way.
          controller.abort();
          reject(new HubspotHttpError(what, { status: null, timedOut: true }));
        },
        // Never past the invocation's deadline (src/ports/deadline.ts): a hung call must not outlive it.
        callTimeoutMs(this.timeoutMs),
      );
    });
    try {
      return await Promise.race([capture.run(store, fn), timeout]);
    } catch (e) {
      // Ours, from inside a middleware (e.g. the token refresh failing): already classified.
      if (e instanceof HubspotHttpError || e instanceof CrmError) throw e;
      throw new HubspotHttpError(what, toFailure(e, store));
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Creates every API object we use now, while the decorator singleton holds our (empty) settings. */
function touchApis(sdk: Client): void {
  const crm = sdk.crm;
  // One generic object API for every object type (same /crm/v3/objects/{type} paths): the per-type
  // generated clients are ~85 KB each in a Lambda bundle (scripts/trim-hubspot-sdk.ts drops them).
  void [crm.objects.searchApi, crm.objects.batchApi, crm.objects.basicApi];
  void [crm.associations.v4.batchApi, crm.properties.coreApi, crm.properties.groupsApi, crm.owners.ownersApi];
  void sdk.events.eventsApi;
}

interface SdkRecord {
  id: string;
  properties: Record<string, string | null>;
}

function toRecord(r: SdkRecord): HubspotRecord {
  return { id: String(r.id), properties: r.properties ?? {} };
}

function toIso(v: unknown): string {
  return v instanceof Date ? v.toISOString() : String(v);
}

interface SdkBatchError {
  category?: string;
  subCategory?: string;
  message?: string;
  context?: Record<string, string[]>;
  errors?: { message?: string; code?: string; context?: Record<string, string[]> }[];
}

function toBatchAnswer(res: { results: SdkRecord[]; errors?: SdkBatchError[] }): BatchAnswer {
  return {
    results: res.results.map(toRecord),
    errors: (res.errors ?? []).map((e) => ({
      ...(e.category ? { category: e.category } : {}),
      ...(e.subCategory ? { subCategory: String(e.subCategory) } : {}),
      message: e.message ?? '',
      context: e.context ?? {},
      propertyIssues: issuesFrom(e.errors, e.message),
    })),
  };
}

interface SdkProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  hasUniqueValue?: boolean;
  calculated?: boolean;
  modificationMetadata?: { readOnlyValue?: boolean };
  options?: { value: string; label: string; hidden?: boolean }[];
  referencedObjectType?: string;
}

function toPropertyInfo(p: SdkProperty): PropertyInfo {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    groupName: p.groupName,
    hasUniqueValue: p.hasUniqueValue === true,
    readOnlyValue: p.modificationMetadata?.readOnlyValue === true,
    calculated: p.calculated === true,
    options: (p.options ?? []).map((o) => ({ value: o.value, label: o.label, hidden: o.hidden === true })),
    ...(p.referencedObjectType ? { referencedObjectType: p.referencedObjectType } : {}),
  };
}

/**
 * HubSpot's validation errors come structured (`errors[] {code, context.propertyName}`) and, older,
 * as JSON embedded in `message` ("Property values were not valid: [...]"); read whichever is there.
 */
export function issuesFrom(
  errors: SdkBatchError['errors'] | undefined,
  message: string | undefined,
): PropertyIssue[] {
  const out: PropertyIssue[] = [];
  for (const e of errors ?? []) {
    const name = e.context?.propertyName?.[0];
    if (name && e.code) out.push({ name, code: e.code, message: e.message ?? '' });
  }
  if (out.length > 0 || !message) return out;
  const at = message.indexOf('[');
  if (!message.startsWith('Property values were not valid') || at < 0) return out;
  try {
    const list = JSON.parse(message.slice(at)) as { name?: string; error?: string; message?: string }[];
    for (const i of list)
      if (i.name && i.error) out.push({ name: i.name, code: i.error, message: i.message ?? '' });
  } catch {
    // Not JSON after all: the caller falls back to the status code.
  }
  return out;
}

interface RawErrorBody {
  category?: string;
  subCategory?: string;
  message?: string;
  policyName?: string;
  errors?: SdkBatchError['errors'];
}

function toFailure(e: unknown, store: CallCapture): HubspotFailure {
  const sdkError = e as {
    code?: unknown;
    body?: RawErrorBody;
    headers?: Record<string, string>;
    cause?: { code?: unknown };
  };
  const status = store.status ?? (typeof sdkError?.code === 'number' ? sdkError.code : null);
  if (status === null || status < 400) {
    if (status !== null) return { status: 0, message: 'unreadable response' };
    const code =
      typeof sdkError?.cause?.code === 'string'
        ? sdkError.cause.code
        : typeof sdkError?.code === 'string'
          ? sdkError.code
          : undefined;
    return { status: null, ...(code ? { networkCode: code } : {}) };
  }
  let body: RawErrorBody | undefined;
  if (store.rawBody) {
    try {
      body = JSON.parse(store.rawBody) as RawErrorBody;
    } catch {
      body = undefined;
    }
  }
  body ??= sdkError?.body;
  const headers = store.headers ?? sdkError?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const issues = issuesFrom(body?.errors, body?.message);
  return {
    status,
    ...(body?.category ? { category: body.category } : {}),
    ...(body?.subCategory ? { subCategory: String(body.subCategory) } : {}),
    ...(body?.message ? { message: body.message } : {}),
    ...(body?.policyName ? { policyName: body.policyName } : {}),
    ...(issues.length > 0 ? { propertyIssues: issues } : {}),
    ...(headers['retry-after'] !== undefined && Number.isFinite(retryAfter)
      ? { retryAfterSeconds: retryAfter }
      : {}),
  };
}
