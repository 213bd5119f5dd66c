import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { DynamoOutboxStore } from '../../src/aws/dynamodb-outbox-store.ts';
import { compileBundledConfig } from '../../src/handlers/bundled-config.ts';
import { signHubspotRequest } from '../../src/handlers/hubspot-signature.ts';
import { LambdaEnvError } from '../../src/handlers/lambda-env.ts';
import { leadMessage } from '../../src/handlers/queue-message.ts';
import { webhookFromEnv, workerFromEnv } from '../../src/handlers/wiring.ts';
import type { CrmSettings } from '../../src/ports/crm-module.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { hotLead, NOW } from '../pipeline/pipeline-fixtures.ts';
import { testClock } from '../state/state-store.contract.ts';
import { LogCapture, lambdaContext } from './support/harness.ts';
import { SqsSimulator } from './support/sqs-simulator.ts';

/**
 * The composition root the Lambda entries run (src/handlers/wiring.ts): environment → SDK clients →
 * adapters → handler, with the AWS services at the wire (DynamoDB: dynalite; SQS and Secrets
 * Manager: nock) and a fake CRM behind the connector factory.
 */
const REGION = 'ap-northeast-1';
const SQS = `https://sqs.${REGION}.amazonaws.com`;
const SM = `https://secretsmanager.${REGION}.amazonaws.com`;
const QUEUE_URL = `${SQS}/123456789012/tossup-test-leads`;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' };

let dynamo: LocalDynamo;
let configDir: string;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  // A bundle's config/ folder, as the build stages it.
  configDir = mkdtempSync(join(tmpdir(), 'tossup-config-'));
  copyFileSync('mappings/rules/large.yaml', join(configDir, 'rules.yaml'));
  copyFileSync('mappings/routing.yaml', join(configDir, 'routing.yaml'));
  copyFileSync('mappings/sla.yaml', join(configDir, 'sla.yaml'));
  copyFileSync('mappings/notifications.yaml', join(configDir, 'notifications.yaml'));
  writeFileSync(
    join(configDir, 'options.json'),
    JSON.stringify({ locale: 'ja', queueTaskOwners: {}, sources: {} }),
  );
  expect(compileBundledConfig(configDir, 'salesforce')).toBe(true);
});
afterAll(async () => {
  nock.enableNetConnect();
  rmSync(configDir, { recursive: true, force: true });
  await dynamo.close();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const JSON_11 = { 'content-type': 'application/x-amz-json-1.1' };

describe('workerFromEnv', () => {
  it('builds the worker from its environment and processes an SQS batch end to end', async () => {
    const clock = testClock(NOW);
    const table = await dynamo.table(clock);
    const crm = new FakeCrm();
    crm.put(hotLead('A'));
    const privateKey =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    nock(SM)
      .matchHeader('x-amz-target', 'secretsmanager.GetSecretValue')
      .post('/', { SecretId: 'tossup/test/salesforce' })
      .reply(
        200,
        {
          Name: 'tossup/test/salesforce',
          VersionId: 'v1',
          SecretString: JSON.stringify({ clientId: '3MVG9', username: 'tossup@example.co.jp', privateKey }),
        },
        JSON_11,
      );
    const built: CrmSettings[] = [];
    const logs = new LogCapture();
    const handler = workerFromEnv(
      {
        TOSSUP_CRM: 'salesforce',
        TOSSUP_STATE_TABLE: table.tableName,
        TOSSUP_QUEUE_URL: QUEUE_URL,
        TOSSUP_SECRET_ID: 'tossup/test/salesforce',
        TOSSUP_CONFIG_DIR: configDir,
        // As serverless.yml sets it when the CRM's sweep is enabled.
        TOSSUP_TOSS_UP_NOTICES: 'true',
      },
      import.meta.url,
      {
        clients: {
          dynamodb: dynamo.client(),
          sqs: new SQSClient({ region: REGION, credentials }),
          secrets: new SecretsManagerClient({ region: REGION, credentials }),
        },
        clock,
        logger: { destination: logs },
        createConnector: (settings) => {
          built.push(settings);
          // A Salesforce record link, so the toss-up notice can be built (the fake's own URL is not one).
          return {
            ...crm.connector(),
            recordUrl: (lead) =>
              `https://example.my.salesforce.com/lightning/r/${lead.objectType}/${lead.id}/view`,
          };
        },
      },
    );

    const queue = new SqsSimulator(
      { visibilityTimeoutSeconds: 360, maxReceiveCount: 5, batchSize: 10, workerTimeoutSeconds: 60 },
      clock,
    );
    const m = leadMessage(crm.lead('A'));
    queue.sendRaw(m.body, m.attributes);
    const r = await queue.poll(handler);

    expect(r).toMatchObject({ failedIds: [], threw: null });
    expect(crm.tasks.size).toBe(1);
    // The toss-up is an episode on the state table for the sweep, with its task.
    const key = crm.lead('A').current.decisionKey!;
    const episode = await new DynamoEpisodeStore(table).get(key);
    expect(episode).toMatchObject({
      version: 1,
      episode: { leadId: 'A', objectType: 'Lead', taskId: crm.tasks.get(key)!.id, status: 'open' },
    });
    expect(episode!.episode.nextCheckAt).not.toBeNull();
    // Its toss-up notice waits in the outbox on the state table for the sweep to send.
    const outbox = await new DynamoOutboxStore(table).open();
    expect(outbox.length).toBeGreaterThan(0);
    for (const e of outbox)
      expect(e).toMatchObject({ state: 'pending', notification: { episodeKey: key, step: 'toss-up' } });
    expect(await new DynamoEpisodeStore(table).dueBefore(new Date('2026-12-31T00:00:00Z'), 10)).toEqual([
      { key, nextCheckAt: episode!.episode.nextCheckAt },
    ]);
    // The connector got the settings the CLI's profile parses into (the same schema), the JWT key as
    // PEM text (the connector takes it as text: no key file is written).
    expect(built).toHaveLength(1);
    expect(built[0]).toMatchObject({
      crm: 'salesforce',
      settings: {
        loginUrl: 'https://login.salesforce.com',
        clientId: '3MVG9',
        username: 'tossup@example.co.jp',
        privateKey: privateKey.trim(),
      },
    });
    expect(logs.records().some((l) => l.fn === 'worker' && l.crm === 'salesforce')).toBe(true);
  });

  it('refuses to start with an incomplete environment, naming every missing variable', () => {
    expect(() =>
      workerFromEnv({ TOSSUP_CRM: 'pipedrive', TOSSUP_QUEUE_URL: 'not a url' }, import.meta.url),
    ).toThrow(LambdaEnvError);
    try {
      workerFromEnv({ TOSSUP_CRM: 'pipedrive', TOSSUP_QUEUE_URL: 'not a url' }, import.meta.url);
    } catch (e) {
      expect((e as Error).message).toMatch(/TOSSUP_STATE_TABLE/);
      expect((e as Error).message).toMatch(/TOSSUP_QUEUE_URL/);
      expect((e as Error).message).toMatch(/TOSSUP_SECRET_ID/);
      expect((e as Error).message).toMatch(/TOSSUP_CRM/);
    }
  });
});

describe('webhookFromEnv', () => {
  it('verifies with the secret from Secrets Manager, de-duplicates in DynamoDB and enqueues through SQS', async () => {
    const clock = testClock(NOW);
    const table = await dynamo.table(clock);
    nock(SM)
      .post('/', { SecretId: 'tossup/test/hubspot-webhook' })
      .reply(
        200,
        { Name: 'x', VersionId: 'v1', SecretString: JSON.stringify({ clientSecret: 'hs-client-secret' }) },
        JSON_11,
      );
    const sent: unknown[] = [];
    nock(SQS)
      .matchHeader('x-amz-target', 'AmazonSQS.SendMessageBatch')
      .post('/', (b) => {
        sent.push(b);
        return true;
      })
      .reply(
        200,
        async (req: Request) => {
          const body = (await req.json()) as { Entries: { Id: string; MessageBody: string }[] };
          return {
            Successful: body.Entries.map((e) => ({
              Id: e.Id,
              MessageId: 'm1',
              MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex'),
            })),
            Failed: [],
          };
        },
        { 'content-type': 'application/x-amz-json-1.0' },
      );
    const handler = webhookFromEnv(
      {
        TOSSUP_STATE_TABLE: table.tableName,
        TOSSUP_QUEUE_URL: QUEUE_URL,
        TOSSUP_SECRET_ID: 'tossup/test/hubspot-webhook',
        TOSSUP_HUBSPOT_PORTAL_ID: '',
        TOSSUP_WEBHOOK_DEDUP_TTL_SECONDS: '172800',
      },
      {
        clients: {
          dynamodb: dynamo.client(),
          sqs: new SQSClient({ region: REGION, credentials }),
          secrets: new SecretsManagerClient({ region: REGION, credentials }),
        },
        clock,
        logger: { destination: new LogCapture() },
      },
    );
    const body = JSON.stringify([
      { eventId: 9, subscriptionType: 'contact.creation', objectId: 77, portalId: 1 },
    ]);
    const { signature, timestamp } = signHubspotRequest(
      { method: 'POST', uri: 'https://hooks.example.com/webhooks/hubspot', body },
      'hs-client-secret',
      clock.now().getTime(),
    );
    const res = await handler(
      {
        version: '2.0',
        routeKey: 'POST /webhooks/hubspot',
        rawPath: '/webhooks/hubspot',
        rawQueryString: '',
        headers: {
          host: 'hooks.example.com',
          'x-hubspot-signature-v3': signature,
          'x-hubspot-request-timestamp': timestamp,
        },
        body,
        isBase64Encoded: false,
        requestContext: {
          domainName: 'hooks.example.com',
          http: { method: 'POST', path: '/webhooks/hubspot' },
          requestId: 'r',
          timeEpoch: 0,
        },
      },
      lambdaContext(),
    );
    expect(res.statusCode).toBe(200);
    expect(sent).toHaveLength(1);
    expect(
      JSON.parse((sent[0] as { Entries: { MessageBody: string }[] }).Entries[0]!.MessageBody),
    ).toMatchObject({ kind: 'refresh', ids: ['77'] });
  });
});
