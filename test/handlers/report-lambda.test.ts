import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { DynamoOutcomeStore } from '../../src/aws/dynamodb-outcome-store.ts';
import { compileBundledConfig } from '../../src/handlers/bundled-config.ts';
import { reportFromEnv } from '../../src/handlers/wiring.ts';
import type { SecretSource } from '../../src/ports/secret-source.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';
import { filledDecisionRow, filledEventRow, outcomeRow } from '../support/ledger-rows.ts';
import { LogCapture, lambdaContext } from './support/harness.ts';

/**
 * The weekly report function end to end through its composition root: the review built from a
 * ledger (a local one read by DuckDB stands in for Athena: the same LedgerReader port and SQL), the
 * HTML stored through the real S3 client in a loopback S3, and the announcement posted to the Slack
 * emulator with a pre-signed link.
 */
const BUCKET = 'tossup-test-ledgerbucket';
// Wednesday 2 December 2026, 09:00 JST: "last week" is 2026-W48 (23–29 November, JST).
const NOW = '2026-12-02T00:00:00.000Z';

interface S3Put {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
}
let s3: Server;
const puts: S3Put[] = [];
let slack: SlackEmulator;
let configDir: string;
let ledgerDir: string;
let reader: DuckDbLedgerReader;
let dynamo: LocalDynamo;
let stateTable: string;

beforeAll(async () => {
  s3 = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      puts.push({
        method: req.method ?? '',
        path: decodeURIComponent((req.url ?? '').split('?')[0]!),
        contentType: req.headers['content-type'],
        body: Buffer.concat(parts).toString('utf8'),
      });
      res.writeHead(200, { ETag: '"etag"' });
      res.end();
    });
  });
  await new Promise<void>((r) => s3.listen(0, '127.0.0.1', r));
  slack = await startSlackEmulator({ rateLimitsEnabled: false });
  configDir = mkdtempSync(join(tmpdir(), 'tossup-report-config-'));
  copyFileSync('mappings/rules/large.yaml', join(configDir, 'rules.yaml'));
  copyFileSync('mappings/routing.yaml', join(configDir, 'routing.yaml'));
  copyFileSync('mappings/sla.yaml', join(configDir, 'sla.yaml'));
  copyFileSync('mappings/notifications.yaml', join(configDir, 'notifications.yaml'));
  writeFileSync(
    join(configDir, 'options.json'),
    JSON.stringify({ locale: 'ja', queueTaskOwners: {}, sources: {} }),
  );
  expect(compileBundledConfig(configDir, 'salesforce')).toBe(true);
  // Last week: three toss-ups (one answered on time, one late, one opportunity), one "no".
  ledgerDir = mkdtempSync(join(tmpdir(), 'tossup-report-ledger-'));
  const at = '2026-11-24T01:00:00.000Z';
  await new FileLedger(ledgerDir).append([
    filledDecisionRow({
      record_id: 'd1',
      lead_id: 'L1',
      episode_key: 'E1',
      decided_at: at,
      dt: '2026-11-24',
    }),
    filledDecisionRow({
      record_id: 'd2',
      lead_id: 'L2',
      episode_key: 'E2',
      decided_at: at,
      dt: '2026-11-24',
    }),
    filledDecisionRow({
      record_id: 'd3',
      lead_id: 'L3',
      episode_key: 'E3',
      decided_at: at,
      dt: '2026-11-24',
    }),
    filledDecisionRow({
      record_id: 'd4',
      lead_id: 'L4',
      episode_key: null,
      flag: 'no',
      new_episode: false,
      decided_at: at,
      dt: '2026-11-24',
    }),
    ...['E1', 'E2', 'E3'].map((episode_key, i) =>
      filledEventRow({
        record_id: `h${i}`,
        lead_id: `L${i + 1}`,
        episode_key,
        event_type: 'handed_off',
        step: 'handed_off',
        event_at: '2026-11-24T01:00:00.000Z',
        dt: '2026-11-24',
        activity: null,
        response_hours: null,
        response_unit: null,
        on_time: null,
        due_at: '2026-11-24T05:00:00.000Z',
      }),
    ),
    filledEventRow({
      record_id: 'e1',
      lead_id: 'L1',
      episode_key: 'E1',
      event_at: '2026-11-24T03:00:00.000Z',
      dt: '2026-11-24',
    }),
    filledEventRow({
      record_id: 'e2',
      lead_id: 'L2',
      episode_key: 'E2',
      event_at: '2026-11-25T03:00:00.000Z',
      dt: '2026-11-25',
      response_hours: 9,
      on_time: false,
    }),
  ]);
  reader = await DuckDbLedgerReader.open(ledgerDir);
  // The state table holds the sweeps' opportunity outcomes: L4, decided "no", became one anyway.
  dynamo = await startLocalDynamo();
  const table = await dynamo.table(testClock(NOW));
  stateTable = table.tableName;
  await new DynamoOutcomeStore(table).putMany([
    outcomeRow({
      opportunityId: '006000000000004AAA',
      leadId: 'L4',
      createdAt: '2026-11-26T02:00:00.000Z',
      firstRecordedAt: '2026-11-26T02:05:00.000Z',
      updatedAt: '2026-11-26T02:05:00.000Z',
    }),
  ]);
});
afterAll(async () => {
  reader.close();
  await dynamo.close();
  await slack.close();
  await new Promise<void>((r) => s3.close(() => r()));
  rmSync(configDir, { recursive: true, force: true });
  rmSync(ledgerDir, { recursive: true, force: true });
});

function reportFunction(chatSecret: string | null) {
  const logs = new LogCapture();
  const secrets: SecretSource = {
    get: async () => {
      if (chatSecret === null) throw new Error('not called without a secret');
      return { text: chatSecret, versionId: 'v1', fetchedAtMs: 0 };
    },
    invalidate: () => {},
  };
  const handler = reportFromEnv(
    {
      TOSSUP_CONFIG_DIR: configDir,
      TOSSUP_STATE_TABLE: stateTable,
      TOSSUP_LEDGER_BUCKET: BUCKET,
      TOSSUP_LEDGER_DATABASE: 'tossup_test_ledger',
      TOSSUP_LEDGER_WORKGROUP: 'tossup-test-ledger',
      TOSSUP_REPORT_LOCALE: 'en',
      ...(chatSecret === null ? {} : { TOSSUP_CHAT_SECRET_ID: 'tossup/test/chat' }),
    },
    import.meta.url,
    {
      reader,
      dynamodb: dynamo.client(),
      s3: new S3Client({
        endpoint: `http://127.0.0.1:${(s3.address() as AddressInfo).port}`,
        forcePathStyle: true,
        region: 'ap-northeast-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        maxAttempts: 1,
      }),
      secrets,
      clock: testClock(NOW),
      logger: { destination: logs },
    },
  );
  return { handler, logs };
}

describe('the weekly and monthly report function', () => {
  it("stores last week's review as HTML in the bucket and posts the figures with a pre-signed link to the team channel", async () => {
    puts.length = 0;
    slack.messages.length = 0;
    const { handler } = reportFunction(
      JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
    );

    const result = await handler({}, lambdaContext(60_000));

    expect(result).toEqual({ period: '2026-W48', key: 'reports/weekly/2026-W48.html', posted: true });
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      method: 'PUT',
      path: `/${BUCKET}/reports/weekly/2026-W48.html`,
      contentType: 'text/html; charset=utf-8',
    });
    expect(puts[0]!.body).toMatch(/^<!doctype html>/i);
    expect(puts[0]!.body).toContain('2026-W48');
    // The outcome from the state table: a lead the rules said no to that became an opportunity.
    expect(puts[0]!.body).toMatch(/<td[^>]*>L4<\/td>/);
    // notifications.yaml's default channel (#inside-sales).
    expect(slack.messages.map((m) => m.channel)).toEqual(['C0INSIDESALES']);
    const text = slack.messages[0]!.text!;
    expect(text).toContain('Weekly toss-up report 2026-W48');
    // 3 toss-ups: one answered on time, one late, one unanswered past its SLA (late too) → 1 of 3.
    expect(text).toContain('3 toss-ups · on-time rate 33.3%');
    // All three are still open (no close); the unanswered one is overdue.
    expect(text).toContain('3 open (1 overdue)');
    const link = new URL(/Report: (\S+)/.exec(text)![1]!);
    expect(link.pathname).toBe(`/${BUCKET}/reports/weekly/2026-W48.html`);
    expect(link.searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(link.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports the week asked for, and a chat failure leaves the report stored and the invocation green', async () => {
    puts.length = 0;
    slack.messages.length = 0;
    slack.app.faults.add({ route: 'chat.postMessage', fault: { kind: 'status', status: 500 } });
    const { handler, logs } = reportFunction(
      JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
    );
    try {
      const result = await handler({ week: '2026-W47' }, lambdaContext(60_000));
      expect(result).toEqual({ period: '2026-W47', key: 'reports/weekly/2026-W47.html', posted: false });
    } finally {
      slack.app.faults.clear();
    }
    expect(puts.map((p) => p.path)).toEqual([`/${BUCKET}/reports/weekly/2026-W47.html`]);
    expect(slack.messages).toEqual([]);
    expect(logs.text).toMatch(/team channel post failed/);
    expect(logs.text).not.toContain(slack.token);
  });

  it("the monthly schedule's input reports last month (JST) under reports/monthly/, and a month asked for is that month", async () => {
    puts.length = 0;
    slack.messages.length = 0;
    const { handler } = reportFunction(
      JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
    );

    const result = await handler({ period: 'month' }, lambdaContext(60_000));

    expect(result).toEqual({ period: '2026-11', key: 'reports/monthly/2026-11.html', posted: true });
    expect(puts.map((p) => p.path)).toEqual([`/${BUCKET}/reports/monthly/2026-11.html`]);
    const text = slack.messages[0]!.text!;
    expect(text).toContain('Monthly toss-up report 2026-11');
    // The month holds the same three toss-ups as its week 48.
    expect(text).toContain('3 toss-ups · on-time rate 33.3%');
    expect(new URL(/Report: (\S+)/.exec(text)![1]!).pathname).toBe(`/${BUCKET}/reports/monthly/2026-11.html`);

    puts.length = 0;
    expect(await handler({ month: '2026-10' }, lambdaContext(60_000))).toMatchObject({
      period: '2026-10',
      key: 'reports/monthly/2026-10.html',
    });
    expect(puts.map((p) => p.path)).toEqual([`/${BUCKET}/reports/monthly/2026-10.html`]);
  });

  it('without a chat secret the report is stored and not announced', async () => {
    puts.length = 0;
    const { handler } = reportFunction(null);
    expect(await handler({}, lambdaContext(60_000))).toMatchObject({ posted: false });
    expect(puts).toHaveLength(1);
  });
});
