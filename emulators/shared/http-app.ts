import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type FaultDecision, FaultInjector } from './faults.ts';

/**
 * A deliberately small HTTP router for the CRM emulators: both emulators need the same plumbing
 * (routing, body limits, fault injection, per-endpoint counters, an admin path), and none of it
 * should leak into the emulated API semantics.
 */

export interface EmuRequest {
  method: string;
  /** Path without query string, percent-decoded per segment by the router. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
  body: Buffer;
  /** Route name that matched, e.g. `sf.query`; used for counters and fault targeting. */
  route: string;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects/arrays are sent as JSON; strings and Buffers as-is (set the content type yourself). */
  body?: unknown;
}

export type Handler = (req: EmuRequest) => EmuResponse | Promise<EmuResponse>;
/** Runs before the handler; returning a response short-circuits (auth, rate limits). */
export type Guard = (req: EmuRequest) => EmuResponse | undefined | Promise<EmuResponse | undefined>;
/** Runs on every response (e.g. to add Sforce-Limit-Info or rate-limit headers). */
export type ResponseDecorator = (req: EmuRequest, res: EmuResponse) => void;

interface Route {
  method: string;
  name: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
  guards: Guard[];
}

export interface HttpAppOptions {
  /** Error body used for unknown routes and internal failures, in the emulated service's shape. */
  notFound: (req: EmuRequest) => EmuResponse;
  internalError: (req: EmuRequest, error: unknown) => EmuResponse;
  /** Body-size limit answered with 413 in the service's shape. */
  maxBodyBytes?: number;
  tooLarge?: (req: EmuRequest) => EmuResponse;
}

export interface RouteOptions {
  /** Guards for this route; app-wide guards run first. */
  guards?: Guard[];
}

export class HttpApp {
  readonly faults = new FaultInjector();
  /** Requests served per route name (including failed and faulted ones). */
  readonly counters = new Map<string, number>();
  /**
   * Requests held open by a `timeout` (or dribbled by a `slow_body`) fault whose client gave up
   * and closed the connection first, with how many API requests had arrived by then: tests tell a
   * client that aborts a timed-out request (closed long before its last request) from one that
   * leaves the socket open until it exits.
   */
  readonly abandoned: { route: string; requestsBefore: number }[] = [];
  private readonly routes: Route[] = [];
  private readonly appGuards: Guard[] = [];
  private readonly decorators: ResponseDecorator[] = [];
  private readonly options: HttpAppOptions;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(options: HttpAppOptions) {
    this.options = options;
  }

  /**
   * `pattern` is a path with `:name` segments (`/services/data/:version/sobjects/:type/:id`) or a
   * RegExp with named groups. Routes match in registration order.
   */
  route(
    method: string,
    pattern: string | RegExp,
    name: string,
    handler: Handler,
    opts: RouteOptions = {},
  ): this {
    const { regex, keys } = typeof pattern === 'string' ? compilePath(pattern) : { regex: pattern, keys: [] };
    this.routes.push({
      method: method.toUpperCase(),
      name,
      pattern: regex,
      keys,
      handler,
      guards: opts.guards ?? [],
    });
    return this;
  }

  guard(guard: Guard): this {
    this.appGuards.push(guard);
    return this;
  }

  decorate(decorator: ResponseDecorator): this {
    this.decorators.push(decorator);
    return this;
  }

  /** Handles one request without a socket; used by the HTTP server and handy for unit tests. */
  async handle(
    method: string,
    rawUrl: string,
    headers: IncomingMessage['headers'],
    body: Buffer,
  ): Promise<{ res: EmuResponse; fault: FaultDecision | undefined; req: EmuRequest }> {
    const url = new URL(rawUrl, 'http://emulator.invalid');
    const req: EmuRequest = {
      method: method.toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers,
      params: {},
      body,
      route: 'unknown',
    };
    const route = this.match(req);
    this.counters.set(req.route, (this.counters.get(req.route) ?? 0) + 1);
    const fault = this.faults.decide(req);
    let res: EmuResponse;
    if (fault?.kind === 'status') {
      res = { status: fault.status, headers: fault.headers, body: fault.body };
    } else {
      res = await this.dispatch(req, route);
    }
    for (const decorate of this.decorators) decorate(req, res);
    return { res, fault, req };
  }

  /** API requests received so far (the admin path left out). */
  apiRequests(): number {
    let n = 0;
    for (const [route, count] of this.counters) if (route !== 'admin') n += count;
    return n;
  }

  /** Methods registered for a path; lets a not-found handler answer 405 for a known resource. */
  methodsFor(path: string): string[] {
    const methods = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) methods.add(r.method);
    return [...methods];
  }

  private match(req: EmuRequest): Route | undefined {
    for (const r of this.routes) {
      if (r.method !== req.method) continue;
      const m = r.pattern.exec(req.path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      });
      if (m.groups) for (const [k, v] of Object.entries(m.groups)) if (v !== undefined) params[k] = v;
      req.params = params;
      req.route = r.name;
      return r;
    }
    return undefined;
  }

  private async dispatch(req: EmuRequest, route: Route | undefined): Promise<EmuResponse> {
    try {
      if (!route) return this.options.notFound(req);
      for (const g of [...this.appGuards, ...route.guards]) {
        const stop = await g(req);
        if (stop) return stop;
      }
      return await route.handler(req);
    } catch (error) {
      return this.options.internalError(req, error);
    }
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((rq, rs) => {
      void this.serve(rq, rs);
    });
    // Idle keep-alive sockets live 30 s (Node's default is 5 s). A client in the same process that
    // decides a 10,000-lead page between two calls blocks the loop longer than 5 s; the server then
    // closed its pooled sockets as the next call went out (ECONNRESET), and the connector counted a
    // retry the org never saw. Behind a load balancer idle connections typically live 60 s or more.
    server.keepAliveTimeout = 30_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    return `http://${host}:${addr.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Keep-alive sockets would hold close() open; the emulator owns them, so end them.
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Records the client closing the connection before the (held or slow) answer was complete. */
  private noteAbandon(rq: IncomingMessage, rs: ServerResponse, route: string): void {
    rq.socket.once('close', () => {
      if (this.server && !rs.writableFinished)
        this.abandoned.push({ route, requestsBefore: this.apiRequests() });
    });
  }

  private async serve(rq: IncomingMessage, rs: ServerResponse): Promise<void> {
    const limit = this.options.maxBodyBytes ?? 50 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of rq as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    let outcome: Awaited<ReturnType<HttpApp['handle']>>;
    if (tooLarge && this.options.tooLarge) {
      const req = {
        method: rq.method ?? 'GET',
        path: rq.url ?? '/',
        query: new URLSearchParams(),
        headers: rq.headers,
        params: {},
        body,
        route: 'too_large',
      };
      outcome = { res: this.options.tooLarge(req), fault: undefined, req };
    } else {
      outcome = await this.handle(rq.method ?? 'GET', rq.url ?? '/', rq.headers, body);
    }
    const { res, fault } = outcome;
    if (fault?.kind === 'reset') {
      // A TCP RST (ECONNRESET on the client), not a polite FIN: clients treat the two differently
      // (jsforce retries ECONNRESET but not undici's "other side closed").
      rq.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'timeout') {
      // Hold the request open without answering; the client's timeout is what is being exercised.
      rq.socket.setTimeout(0);
      this.noteAbandon(rq, rs, outcome.req.route);
      return;
    }
    if (fault?.delayMs) await sleep(fault.delayMs);
    const { payload, contentType } = encode(res.body);
    const headers: Record<string, string> = {
      ...(contentType ? { 'content-type': contentType } : {}),
      ...res.headers,
    };
    rs.writeHead(res.status, headers);
    if (fault?.kind === 'slow_body' && payload.length > 1) {
      // Dribble the body so streaming parsers and body timeouts see a slow server.
      this.noteAbandon(rq, rs, outcome.req.route);
      const mid = Math.floor(payload.length / 2);
      rs.write(payload.subarray(0, mid));
      await sleep(fault.bodyDelayMs ?? 200);
      rs.end(payload.subarray(mid));
      return;
    }
    rs.end(payload);
  }
}

function encode(body: unknown): { payload: Buffer; contentType: string | undefined } {
  if (body === undefined || body === null) return { payload: Buffer.alloc(0), contentType: undefined };
  if (Buffer.isBuffer(body)) return { payload: body, contentType: undefined };
  if (typeof body === 'string') return { payload: Buffer.from(body), contentType: undefined };
  return { payload: Buffer.from(JSON.stringify(body)), contentType: 'application/json;charset=UTF-8' };
}

function compilePath(path: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const src = path
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        keys.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${src}/?$`), keys };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Parses a JSON body, returning `undefined` for an empty or malformed one (callers answer 400). */
export function jsonBody(req: EmuRequest): unknown {
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function formBody(req: EmuRequest): URLSearchParams {
  return new URLSearchParams(req.body.toString('utf8'));
}
