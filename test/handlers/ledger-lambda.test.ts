import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileBundledConfig } from '../../src/handlers/bundled-config.ts';
import { leadMessage } from '../../src/handlers/queue-message.ts';
import { workerFromEnv } from '../../src/handlers/wiring.ts';
import type { LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { type AwsCall, firehoseRecordRows, LoopbackAws, loopbackClientConfig } from '../aws/loopback-aws.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { hotLead, NOW } from '../pipeline/pipeline-fixtures.ts';
import { testClock } from '../state/state-store.contract.ts';
import { LogCapture } from './support/harness.ts';
import { SqsSimulator } from './support/sqs-simulator.ts';

/**
 * The worker function records to the decision ledger when its environment names the Firehose streams
 * (serverless.yml sets them): built by workerFromEnv with the state table on dynalite, Secrets Manager
 * by nock, and the real Firehose SDK client against a loopback Firehose.
 */
const REGION = 'ap-northeast-1';
const SM = `https://secretsmanager.${REGION}.amazonaws.com`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/123456789012/tossup-test-leads`;
const STREAMS = { decision: 'tossup-test-ledger-decisions', event: 'tossup-test-ledger-events' };
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' };

let dynamo: LocalDynamo;
let firehose: LoopbackAws;
let configDir: string;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  firehose = await LoopbackAws.start(() => ({ body: {} }));
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
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
  await firehose.close();
  await dynamo.close();
});
afterEach(() => {
  nock.cleanAll();
});

/** Each record's rows: JSON lines, as the stream's de-aggregation splits them. */
const recordRows = (c: AwsCall) => firehoseRecordRows<LedgerRecord>(c);
const rows = (c: AwsCall) => recordRows(c).flat();
/** Every row Firehose took, by stream. */
const delivered = () => {
  const out: Record<string, LedgerRecord[]> = { [STREAMS.decision]: [], [STREAMS.event]: [] };
  for (const c of firehose.calls)
    if (c.operation === 'PutRecordBatch' && c.body.Records)
      out[c.body.DeliveryStreamName as string]!.push(...rows(c));
  return out;
};
const accept = (c: AwsCall) => ({
  body: { FailedPutCount: 0, RequestResponses: recordRows(c).map((_, i) => ({ RecordId: `r${i}` })) },
});

/** A worker container; `shared` gives it the state table and CRM of an earlier one. */
async function worker(
  env: Record<string, string> = {},
  shared?: { table: Awaited<ReturnType<LocalDynamo['table']>>; crm: FakeCrm },
  connectorOf: (crm: FakeCrm) => ReturnType<FakeCrm['connector']> = (crm) => crm.connector(),
) {
  const clock = testClock(NOW);
  const table = shared?.table ?? (await dynamo.table(clock));
  const crm = shared?.crm ?? new FakeCrm();
  nock(SM)
    .post('/')
    .reply(
      200,
      {
        Name: 'tossup/test/salesforce',
        VersionId: 'v1',
        SecretString: JSON.stringify({
          clientId: '3MVG9',
          username: 'tossup@example.co.jp',
          privateKey: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
        }),
      },
      { 'content-type': 'application/x-amz-json-1.1' },
    );
  const logs = new LogCapture();
  const handler = workerFromEnv(
    {
      TOSSUP_CRM: 'salesforce',
      TOSSUP_STATE_TABLE: table.tableName,
      TOSSUP_QUEUE_URL: QUEUE_URL,
      TOSSUP_SECRET_ID: 'tossup/test/salesforce',
      TOSSUP_CONFIG_DIR: configDir,
      ...env,
    },
    import.meta.url,
    {
      clients: {
        dynamodb: dynamo.client(),
        sqs: new SQSClient({ region: REGION, credentials }),
        secrets: new SecretsManagerClient({ region: REGION, credentials }),
      },
      firehose: new FirehoseClient(loopbackClientConfig(firehose.endpoint)),
      clock,
      logger: { destination: logs },
      createConnector: () => connectorOf(crm),
    },
  );
  const queue = new SqsSimulator(
    { visibilityTimeoutSeconds: 360, maxReceiveCount: 5, batchSize: 10, workerTimeoutSeconds: 60 },
    clock,
  );
  const send = async (id: string) => {
    crm.put(hotLead(id));
    const m = leadMessage(crm.lead(id));
    queue.sendRaw(m.body, m.attributes);
    return queue.poll(handler);
  };
  /** Several leads' messages taken by one invocation (one batch). */
  const sendBatch = async (ids: readonly string[]) => {
    for (const id of ids) {
      crm.put(hotLead(id));
      const m = leadMessage(crm.lead(id));
      queue.sendRaw(m.body, m.attributes);
    }
    return queue.poll(handler);
  };
  return { crm, logs, send, sendBatch, table, queue, handler, clock };
}

const LEDGER_ENV = {
  TOSSUP_LEDGER_DECISIONS_STREAM: STREAMS.decision,
  TOSSUP_LEDGER_EVENTS_STREAM: STREAMS.event,
};

describe('the worker function and the decision ledger (Firehose)', () => {
  it('puts the decision it wrote and the hand-off it recorded to the two streams', async () => {
    firehose.answerWith(accept);
    const { crm, send } = await worker(LEDGER_ENV);

    expect(await send('A')).toMatchObject({ failedIds: [], threw: null });

    const key = crm.lead('A').current.decisionKey!;
    const out = delivered();
    expect(out[STREAMS.decision]).toEqual([
      expect.objectContaining({
        kind: 'decision',
        lead_id: 'A',
        flag: 'yes',
        episode_key: key,
        new_episode: true,
      }),
    ]);
    expect(out[STREAMS.event]!.map((r) => [r.kind, r.lead_id, r.episode_key])).toContainEqual([
      'event',
      'A',
      key,
    ]);
  });

  it("a batch's rows go in one call per stream, packed into one record (Firehose bills a record in 5 KB steps)", async () => {
    firehose.answerWith(accept);
    const { sendBatch } = await worker(LEDGER_ENV);

    expect(await sendBatch(['A', 'B', 'C', 'D'])).toMatchObject({ failedIds: [], threw: null });

    const calls = firehose.calls.filter((c) => c.operation === 'PutRecordBatch');
    const byStream = (s: string) => calls.filter((c) => c.body.DeliveryStreamName === s);
    // The four hand-offs' episode steps are recorded in one batch, so they are appended together.
    expect(
      byStream(STREAMS.event).map((c) => recordRows(c).map((rows) => rows.map((r) => r.lead_id))),
    ).toEqual([[['A', 'B', 'C', 'D']]]);
    expect(byStream(STREAMS.decision).map((c) => recordRows(c).map((rows) => rows.length))).toEqual([[4]]);
  });

  it('a Firehose outage never fails the CRM write; the rows wait on the state table and another container puts them', async () => {
    firehose.answerWith(() => ({
      status: 500,
      body: { __type: 'ServiceUnavailableException', message: 'down' },
    }));
    const first = await worker(LEDGER_ENV);

    expect(await first.send('A')).toMatchObject({ failedIds: [], threw: null });
    expect(first.crm.tasks.size).toBe(1);
    expect(first.crm.lead('A').current.flag).toBe('yes');
    expect(first.logs.text).toMatch(/ledger/);

    // The first container is gone; a new one (empty memory) takes the next batch with Firehose back.
    firehose.answerWith(accept);
    const second = await worker(LEDGER_ENV, { table: first.table, crm: first.crm });
    expect(await second.send('B')).toMatchObject({ failedIds: [], threw: null });
    const decided = delivered()
      [STREAMS.decision]!.map((r) => r.lead_id)
      .sort();
    expect(decided).toEqual(['A', 'B']);
    expect(delivered()[STREAMS.event]!.map((r) => r.lead_id)).toContain('A');
  });

  it('a worker that dies between its CRM write and the append: nothing was staged, and the redelivery records the decision', async () => {
    firehose.answerWith(accept);
    // The process dies right after the field write returns (the write is in the CRM).
    let dies = true;
    const dying = (crm: FakeCrm) => {
      const connector = crm.connector();
      const write = connector.sink.writeTossUp.bind(connector.sink);
      connector.sink.writeTossUp = async (updates) => {
        const out = await write(updates);
        if (dies) throw new Error('Runtime exited with error: signal: killed');
        return out;
      };
      return connector;
    };
    const w = await worker(LEDGER_ENV, undefined, dying);
    const first = await w.send('A');
    expect(first.threw).toBeInstanceOf(Error);
    expect(w.crm.lead('A').current.flag).toBe('yes');
    expect(delivered()[STREAMS.decision]).toEqual([]);
    // Nothing was put on the state table's outbox: the message is what comes back.
    const outbox = await w.table.client.send(
      new QueryCommand({
        TableName: w.table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'ledgerq|salesforce' } },
      }),
    );
    expect(outbox.Items).toEqual([]);

    dies = false;
    w.clock.advance(360_000);
    expect(await w.queue.poll(w.handler)).toMatchObject({ failedIds: [], threw: null });
    const decisions = delivered()[STREAMS.decision]!;
    expect(decisions.map((r) => [r.kind, r.lead_id])).toEqual([['decision', 'A']]);
    expect(w.crm.tasks.size).toBe(1);
  });

  it('records nothing when the streams are not set', async () => {
    firehose.answerWith(accept);
    const { send } = await worker();
    expect(await send('A')).toMatchObject({ failedIds: [], threw: null });
    expect(firehose.calls).toEqual([]);
  });
});
