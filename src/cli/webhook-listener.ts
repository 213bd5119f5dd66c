import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { HttpApiEvent, HttpApiResult, LambdaContext } from '../handlers/lambda-types.ts';

/** HubSpot gives a delivery about 5 s; the work of one request is allowed this long. */
const REQUEST_BUDGET_MS = 30_000;
/** HubSpot sends at most 100 events per request; far below this. */
const MAX_BODY_BYTES = 1024 * 1024;

export type HttpApiHandler = (event: HttpApiEvent, context: LambdaContext) => Promise<HttpApiResult>;

export interface WebhookListener {
  /** `http://host:port` the server is listening on. */
  url: string;
  close(): Promise<void>;
}

/**
 * A plain node:http server in front of an API Gateway–style handler (the Lambda webhook handler is
 * reused as is): each request becomes an HTTP API v2 event, the handler's result the response.
 */
export async function startWebhookListener(o: {
  handler: HttpApiHandler;
  host: string;
  port: number;
}): Promise<WebhookListener> {
  const server: Server = createServer((req, res) => {
    void serve(req).then(
      (result) => {
        res.writeHead(result.statusCode, result.headers ?? {});
        res.end(result.body);
      },
      () => {
        // An error of our own: HubSpot retries a 5xx, so nothing is lost.
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"internal error"}');
      },
    );
  });

  async function serve(req: IncomingMessage): Promise<HttpApiResult> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return { statusCode: 413, body: '{"error":"request too large"}' };
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', 'http://listener');
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const started = Date.now();
    const requestId = randomUUID();
    const event: HttpApiEvent = {
      version: '2.0',
      routeKey: `${req.method} ${url.pathname}`,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      isBase64Encoded: false,
      requestContext: {
        domainName: headers.host ?? o.host,
        http: { method: req.method ?? 'GET', path: url.pathname },
        requestId,
        timeEpoch: started,
      },
    };
    return o.handler(event, {
      awsRequestId: requestId,
      functionName: 'tossup-listen',
      getRemainingTimeInMillis: () => Math.max(0, REQUEST_BUDGET_MS - (Date.now() - started)),
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
