import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventDedup } from '../../src/aws/dynamodb-event-dedup.ts';
import { SecretsManagerCache } from '../../src/aws/secrets.ts';
import { CrmError } from '../../src/domain/errors.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { cachedConnector } from '../../src/handlers/connector-provider.ts';
import { signHubspotRequest } from '../../src/handlers/hubspot-signature.ts';
import type { HttpApiEvent } from '../../src/handlers/lambda-types.ts';
import { leadMessage, refreshMessage } from '../../src/handlers/queue-message.ts';
import { safeInvocation } from '../../src/handlers/safe-invocation.ts';
import { createSyncHandler } from '../../src/handlers/sync-handler.ts';
import { createHubspotWebhookHandler } from '../../src/handlers/webhook-handler.ts';
import { createWorkerHandler } from '../../src/handlers/worker-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { LeadSink } from '../../src/ports/lead-sink.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import {
  bundledConfig,
  fakeProvider,
  harness,
  LogCapture,
  lambdaContext,
} from '../handlers/support/harness.ts';
import { coldLead, hotLead } from '../pipeline/pipeline-fixtures.ts';
import { testClock } from '../state/state-store.contract.ts';

/**
 * Test 17 of the reliability plan: credentials and personal data fed through every logging path of
 * the functions (handler errors, connector errors carrying SDK request objects, webhook rejections,
 * per-record pipeline failures, secrets, bad messages) appear nowhere in the captured log output,
 * nor in the error message the Lambda runtime prints.
 */
const CANARIES = {
  privateAppToken: 'pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789',
  bearer: 'ya29.A0ARrdaMsecretbearervalue',
  jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSIsInN1YiI6InRvc3N1cCJ9.c2lnbmF0dXJlLXZhbHVl',
  refreshToken: '5Aep861rEfReShToKeN',
  clientSecret: 'cs-7f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8',
  sessionId: '00D5g000004XyzA!AQ4AQMxyzSecretSession',
  email: 'taro.yamada@example.co.jp',
  phone: '090-1234-5678',
  name: '山田太郎',
  signature: 'dGFtcGVyZWQtc2lnbmF0dXJlLXZhbHVlLTEyMzQ1Ng==',
};

/** An error shaped like the ones jsforce, @hubspot/api-client and the AWS SDK throw. */
function sdkError(message: string): Error {
  return Object.assign(
    new Error(`${message} (Authorization: Bearer ${CANARIES.bearer}, contact ${CANARIES.email})`),
    {
      name: 'ApiException',
      code: 401,
      headers: { authorization: `Bearer ${CANARIES.bearer}`, 'x-hubspot-correlation-id': 'c-1' },
      request: {
        url: `https://api.hubapi.com/crm/v3/objects/contacts?hapikey=${CANARIES.privateAppToken}`,
        headers: { Authorization: `Bearer ${CANARIES.privateAppToken}` },
        body: JSON.stringify({ email: CANARIES.email, phone: CANARIES.phone, lastname: CANARIES.name }),
      },
      response: {
        body: { message: `contact ${CANARIES.email} (${CANARIES.name}) invalid`, access_token: CANARIES.jwt },
      },
      config: { auth: { refresh_token: CANARIES.refreshToken, client_secret: CANARIES.clientSecret } },
    },
  );
}

function expectNoCanary(text: string): void {
  for (const [what, value] of Object.entries(CANARIES)) {
    expect(text.includes(value), `${what} leaked into the logs`).toBe(false);
  }
}

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await dynamo.close();
});

describe('log redaction across every logging path', () => {
  it('worker: per-record failures, skipped records, refresh read errors, bad messages, whole-batch errors', async () => {
    const h = await harness(dynamo);
    const failingMessage = `rejected ${CANARIES.email} tel ${CANARIES.phone} token=${CANARIES.refreshToken} ${CANARIES.name}`;
    h.crm.put(hotLead('T1'));
    h.crm.put(coldLead('S1'));
    h.crm.put(hotLead('X1'));
    // Per-record failures whose CRM messages quote personal data and secrets.
    const sink = h.connector.sink;
    const leaky: LeadSink = {
      crm: sink.crm,
      createTasks: async (tasks) =>
        (await sink.createTasks(tasks)).map((o, i) =>
          tasks[i]?.leadId === 'T1'
            ? {
                ok: false as const,
                id: o.id,
                kind: 'transient' as const,
                code: 'UNABLE_TO_LOCK_ROW',
                message: failingMessage,
              }
            : o,
        ),
      writeTossUp: async (updates) =>
        (await sink.writeTossUp(updates)).map((o) =>
          o.id === 'S1'
            ? {
                ok: false as const,
                id: o.id,
                kind: 'invalid_record' as const,
                code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
                message: failingMessage,
              }
            : o,
        ),
    };
    const connector = { ...h.connector, sink: leaky };
    const source = connector.source as typeof connector.source & {
      readByIds?: (ids: readonly string[]) => Promise<Lead[]>;
    };
    const worker = createWorkerHandler({
      crm: 'salesforce',
      scope: 'default',
      config: bundledConfig,
      connectors: fakeProvider({
        ...connector,
        source: {
          ...source,
          readChanges: source.readChanges,
          readByIds: async () => {
            throw new CrmError(
              `read failed for ${CANARIES.email}`,
              { kind: 'transient', crm: 'salesforce', code: 'SERVER_ERROR' },
              { cause: sdkError('503') },
            );
          },
        } as typeof source,
      }),
      state: h.state,
      routingState: h.routingState,
      versions: h.versions,
      visibility: h.queue,
      clock: h.clock,
      log: createLogger({ destination: h.logs, level: 'debug' }),
    });
    const handler = safeInvocation(createLogger({ destination: h.logs }), 'worker batch', worker);

    for (const id of ['T1', 'S1', 'X1']) {
      const m = leadMessage(h.crm.lead(id));
      h.queue.sendRaw(m.body, m.attributes);
    }
    const r = refreshMessage({ crm: 'salesforce', objectType: 'Lead', ids: ['X1'], source: 'test' }, 'seed');
    h.queue.sendRaw(r.body, r.attributes);
    h.queue.sendRaw(
      JSON.stringify({
        v: 1,
        kind: 'lead',
        crm: 'salesforce',
        lead: { email: CANARIES.email, name: CANARIES.name },
      }),
    );
    await h.queue.poll(handler);

    // Then a whole-batch failure: the CRM rejects the credentials, with the SDK error attached.
    h.crm.put(hotLead('A1'));
    h.crm.failCall(
      'task',
      new CrmError(
        `401 for ${CANARIES.email}`,
        { kind: 'auth', crm: 'salesforce', code: 'INVALID_SESSION_ID' },
        { cause: sdkError('401') },
      ),
    );
    const a = leadMessage(h.crm.lead('A1'));
    h.queue.sendRaw(a.body, a.attributes);
    h.clock.advance(400_000);
    const failed = await h.queue.poll(handler);

    // Every path logged something…
    const text = h.logs.text;
    expect(text).toMatch(/lead failed; its message returns to the queue/);
    expect(text).toMatch(/lead skipped/);
    expect(text).toMatch(/reading refreshed records failed/);
    expect(text).toMatch(/not a valid queue message/);
    expect(text).toMatch(/worker batch failed/);
    expect(
      h.logs.records().find((l) => l.msg === 'lead skipped (recorded in the skipped list)'),
    ).toMatchObject({ kind: 'invalid_record' });
    // …and nothing secret or personal, neither in the logs nor in what the runtime prints.
    expectNoCanary(text);
    expect(failed.threw).toBeInstanceOf(Error);
    expectNoCanary(`${(failed.threw as Error).message}\n${(failed.threw as Error).stack}`);
    expect((failed.threw as Error).cause).toBeUndefined();
  });

  it('sync: connector creation errors, secret errors and stops with quoted personal data', async () => {
    const h = await harness(dynamo);
    const logs = new LogCapture();
    const log = createLogger({ destination: logs });
    h.crm.put(coldLead('L1'));
    h.crm.failCall(
      'read',
      new CrmError(
        `timeout reading ${CANARIES.email} ${CANARIES.phone}`,
        { kind: 'transient', crm: 'salesforce', code: 'TIMEOUT' },
        { cause: sdkError('timeout') },
      ),
    );
    const sync = (provider: Parameters<typeof createSyncHandler>[0]['connectors']) =>
      safeInvocation(
        log,
        'sync run',
        createSyncHandler({
          crm: 'salesforce',
          scope: 'default',
          config: bundledConfig,
          connectors: provider,
          state: h.state,
          routingState: h.routingState,
          queue: h.queue,
          clock: h.clock,
          log,
        }),
      );

    await sync(fakeProvider(h.connector))({}, lambdaContext());
    // A connector factory that fails with the credentials in its error.
    const broken = {
      get: async () => {
        throw new Error(`login failed for ${CANARIES.email} with ${CANARIES.sessionId}`, {
          cause: sdkError('login'),
        });
      },
      invalidate() {},
    };
    const thrown = await sync(broken)({}, lambdaContext()).catch((e: unknown) => e);
    // The secret is missing in Secrets Manager: the error names the secret, not its value.
    nock('https://secretsmanager.ap-northeast-1.amazonaws.com')
      .post('/')
      .reply(
        400,
        { __type: 'ResourceNotFoundException', message: 'not found' },
        { 'content-type': 'application/x-amz-json-1.1' },
      );
    const secrets = new SecretsManagerCache({
      client: new SecretsManagerClient({
        region: 'ap-northeast-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: CANARIES.clientSecret },
        maxAttempts: 1,
      }),
    });
    const fromSecret = cachedConnector({
      crm: 'salesforce',
      secretId: 'tossup/test/salesforce',
      secrets,
      mappingFile: null,
      clock: h.clock,
    });
    await sync(fromSecret)({}, lambdaContext()).catch(() => undefined);

    expect(logs.text).toMatch(/stopped on a transient failure/);
    expect(logs.text).toMatch(/sync run failed/);
    expect(logs.text).toMatch(
      /Secrets Manager entry tossup\/test\/salesforce: cannot be read \(ResourceNotFoundException\)/,
    );
    expectNoCanary(logs.text);
    expectNoCanary(String((thrown as Error).message));
  });

  it('webhook: refused requests (signature headers, personal data in the body) and queue failures', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const logs = new LogCapture();
    const log = createLogger({ destination: logs });
    const secretText = JSON.stringify({ clientSecret: CANARIES.clientSecret });
    const handler = safeInvocation(
      log,
      'webhook request',
      createHubspotWebhookHandler({
        secretId: 'tossup/test/hubspot-webhook',
        secrets: {
          get: async () => ({ text: secretText, versionId: 'v1', fetchedAtMs: clock.now().getTime() }),
          invalidate() {},
        },
        dedup: new DynamoEventDedup(await dynamo.table(clock), 'hubspot'),
        queue: {
          sendAll: async () => {
            throw sdkError(`SQS SendMessageBatch failed, X-Amz-Security-Token=${CANARIES.jwt}`);
          },
        },
        clock,
        log,
      }),
    );
    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionType: 'contact.propertyChange',
        objectId: 5,
        portalId: 1,
        propertyName: 'email',
        propertyValue: CANARIES.email,
      },
      {
        eventId: 2,
        subscriptionType: 'contact.propertyChange',
        objectId: 5,
        portalId: 1,
        propertyName: 'lastname',
        propertyValue: CANARIES.name,
      },
    ]);
    const event = (signature: string, timestamp: string): HttpApiEvent => ({
      version: '2.0',
      routeKey: 'POST /webhooks/hubspot',
      rawPath: '/webhooks/hubspot',
      rawQueryString: '',
      headers: {
        host: 'h.example.com',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': timestamp,
        authorization: `Bearer ${CANARIES.bearer}`,
      },
      body,
      isBase64Encoded: false,
      requestContext: {
        domainName: 'h.example.com',
        http: { method: 'POST', path: '/webhooks/hubspot' },
        requestId: 'r',
        timeEpoch: 0,
      },
    });
    const now = clock.now().getTime();
    expect((await handler(event(CANARIES.signature, String(now)), lambdaContext())).statusCode).toBe(401);
    const good = signHubspotRequest(
      { method: 'POST', uri: 'https://h.example.com/webhooks/hubspot', body },
      CANARIES.clientSecret,
      now,
    );
    expect((await handler(event(good.signature, good.timestamp), lambdaContext())).statusCode).toBe(503);

    expect(logs.text).toMatch(/webhook request refused/);
    expect(logs.text).toMatch(/could not enqueue the webhook events/);
    expectNoCanary(logs.text);
    expect(logs.text).not.toContain(good.signature);
  });
});
