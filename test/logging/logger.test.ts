import { describe, expect, it } from 'vitest';
import { CrmError } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { emitMetrics } from '../../src/logging/metrics.ts';
import { scrubText } from '../../src/logging/scrub.ts';
import { serializeError } from '../../src/logging/serialize-error.ts';
import { LogCapture } from '../handlers/support/harness.ts';

/** Joined at run time: written out, the secret scan (scripts/scan-secrets.ts) would take these fakes for real. */
const fake = (...parts: string[]) => parts.join('-');

function capture() {
  const out = new LogCapture();
  return { out, log: createLogger({ destination: out, base: { fn: 'test' } }) };
}

describe('scrubText', () => {
  it.each([
    ['Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMDUifQ.c2lnbmF0dXJl', 'eyJ'],
    ['token pat-na1-11111111-2222-3333-4444-555555555555 rejected', 'pat-na1'],
    ['session 00D5g000004XyzA!AQ4AQMxyzSecretPart expired', '00D5g000004XyzA!'],
    ['POST /token?grant_type=refresh_token&refresh_token=5Aep861secret&client_secret=abc', '5Aep861secret'],
    ['{"client_secret": "shh-123", "x": 1}', 'shh-123'],
    ['invalid email: taro.yamada@example.co.jp', 'taro.yamada@'],
    ['call 03-1234-5678 or +81 90-1234-5678', '1234-5678'],
    [`slack invalid_auth for ${fake('xoxb', '1234', '5678', 'test')}`, 'xoxb-1234'],
    [`posting with ${fake('xoxp', '11', '22', 'AbCd')} and ${fake('xapp', '1', 'A0', '99', 'ff')}`, '-AbCd'],
    [
      'POST https://contoso.webhook.office.com/webhookb2/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab@f0e1d2c3-aaaa-bbbb-cccc-0123456789ab/IncomingWebhook/5f4e3d2c1b0a/0a1b2c3d failed',
      'IncomingWebhook/5f4e',
    ],
    [`https://hooks.${'slack'}.com/services/T000/B000/XXXXsecretXXXX`, 'XXXXsecret'],
    [
      'https://prod-01.japaneast.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SiGnAtUrE123',
      'SiGnAtUrE123',
    ],
  ])('masks %s', (text, leaked) => {
    expect(scrubText(text)).not.toContain(leaked);
  });

  it('leaves ids, codes and timestamps readable', () => {
    const text = 'lead 00Q5g00000ABCdEAAX failed: UNABLE_TO_LOCK_ROW at 2026-11-24T01:00:00Z (1795482000000)';
    expect(scrubText(text)).toBe(text);
  });
});

describe('serializeError', () => {
  it('keeps type, classification, status and cause; drops request, response and headers', () => {
    const sdk = Object.assign(new Error('Request failed with status code 401'), {
      name: 'HttpApiError',
      errorCode: 'INVALID_SESSION_ID',
      statusCode: 401,
      headers: { authorization: 'Bearer abcdef123456' },
      request: { headers: { Authorization: 'Bearer abcdef123456' }, body: '{"Email":"a@b.jp"}' },
      response: { body: { email: 'a@b.jp' } },
    });
    const err = new CrmError(
      'Salesforce rejected the session',
      { kind: 'auth', crm: 'salesforce', code: 'INVALID_SESSION_ID' },
      { cause: sdk },
    );
    const s = serializeError(err);
    expect(s).toMatchObject({
      type: 'CrmError',
      kind: 'auth',
      code: 'INVALID_SESSION_ID',
      crm: 'salesforce',
      cause: { type: 'HttpApiError', code: 'INVALID_SESSION_ID', status: 401 },
    });
    expect(JSON.stringify(s)).not.toMatch(/abcdef123456|a@b\.jp|headers|request|response/);
  });

  it('reduces a thrown non-Error object to its keys', () => {
    expect(serializeError({ headers: { authorization: 'Bearer x' }, status: 500 })).toEqual({
      type: 'object',
      message: 'non-Error value thrown with keys: headers, status',
    });
  });
});

describe('createLogger', () => {
  it('drops chat secrets by key: the Slack token, Teams webhook URLs (the webhook name stays)', () => {
    const { out, log } = capture();
    log.warn(
      {
        chat: {
          slackBotToken: 'plain-value-1',
          teamsWebhooks: { sales: 'https://example.invalid/plain-value-2' },
          webhookUrl: 'https://example.invalid/plain-value-3',
        },
        webhook: 'sales',
      },
      'teams webhook did not accept the card',
    );
    expect(out.text).not.toMatch(/plain-value/);
    expect(out.records()[0]).toMatchObject({ webhook: 'sales' });
  });

  it('redacts sensitive keys at any depth, in child bindings and in the message', () => {
    const { out, log } = capture();
    log
      .child({ runId: 'r1', accessToken: 'tok-1' })
      .child({ leadId: 'L1', email: 'child@example.com' })
      .warn(
        {
          request: {
            headers: { Authorization: 'Bearer abcdef123456', 'X-HubSpot-Signature-v3': 'c2lnbmF0dXJl' },
          },
          properties: {
            firstname: '太郎',
            lastname: '山田',
            Name: '山田 太郎',
            mobilephone: '090-1111-2222',
          },
          list: [{ refresh_token: 'rt-1' }, { password: 'pw' }],
        },
        'lead L1 of hanako@example.com failed',
      );
    const [line] = out.records();
    expect(line).toMatchObject({
      level: 'warn',
      fn: 'test',
      runId: 'r1',
      leadId: 'L1',
      accessToken: '[Redacted]',
      email: '[Redacted]',
      msg: 'lead L1 of <email> failed',
    });
    expect(out.text).not.toMatch(
      /tok-1|child@|abcdef123456|c2lnbmF0dXJl|太郎|山田|090-1111|rt-1|"pw"|hanako/,
    );
  });

  it('logs errors through the allow-list serializer, also under other keys', () => {
    const { out, log } = capture();
    const e = Object.assign(new Error('boom for x@y.jp'), {
      config: { headers: { Authorization: 'Bearer abcdefgh' } },
    });
    log.error(e, 'first');
    log.error({ error: e }, 'second');
    for (const line of out.records()) {
      expect(JSON.stringify(line)).not.toMatch(/x@y\.jp|abcdefgh|config/);
    }
    expect(out.records()[0]).toMatchObject({ err: { type: 'Error', message: 'boom for <email>' } });
  });
});

describe('emitMetrics', () => {
  it('writes metrics in CloudWatch Embedded Metric Format with their names intact', () => {
    const { out, log } = capture();
    emitMetrics(
      log,
      { crm: 'hubspot', fn: 'worker' },
      { written: 3, failedMessages: 1 },
      new Date('2026-11-24T01:00:00Z'),
      ['written', 'failedMessages'],
    );
    expect(out.records()[0]).toMatchObject({
      _aws: {
        Timestamp: Date.parse('2026-11-24T01:00:00Z'),
        CloudWatchMetrics: [
          {
            Namespace: 'TossUp',
            Dimensions: [['crm', 'fn']],
            Metrics: [
              { Name: 'written', Unit: 'Count' },
              { Name: 'failedMessages', Unit: 'Count' },
            ],
          },
        ],
      },
      crm: 'hubspot',
      fn: 'worker',
      written: 3,
      failedMessages: 1,
    });
  });

  it('publishes only the selected counts as metrics; every count stays a field of the line', () => {
    const { out, log } = capture();
    const counts = { messages: 10, busy: 0, written: 3, failed: 2, failedMessages: 1 };
    // `enqueued` is the sync's: not in this line, so not declared either.
    emitMetrics(log, { crm: 'salesforce', fn: 'worker' }, counts, new Date(0), [
      'failed',
      'enqueued',
      'written',
    ]);
    const [line] = out.records() as [Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } }];
    // In the line's order, whatever the selection's.
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'TossUp',
        Dimensions: [['crm', 'fn']],
        Metrics: [
          { Name: 'written', Unit: 'Count' },
          { Name: 'failed', Unit: 'Count' },
        ],
      },
    ]);
    expect(line).toMatchObject({ msg: 'metrics', crm: 'salesforce', fn: 'worker', ...counts });
  });

  it('with nothing selected, writes the line without the EMF block: no metric, the counts for Logs Insights', () => {
    const { out, log } = capture();
    const counts = { messages: 10, written: 3 };
    emitMetrics(log, { crm: 'salesforce', fn: 'worker' }, counts, new Date(0), []);
    emitMetrics(log, { crm: 'salesforce', fn: 'sync' }, { enqueued: 4 }, new Date(0), ['written']);
    const [worker, sync] = out.records();
    expect(worker).not.toHaveProperty('_aws');
    expect(worker).toMatchObject({ msg: 'metrics', crm: 'salesforce', fn: 'worker', ...counts });
    expect(sync).not.toHaveProperty('_aws');
    expect(sync).toMatchObject({ msg: 'metrics', fn: 'sync', enqueued: 4 });
  });
});
