import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerCache } from '../../src/aws/secrets.ts';
import { SecretUnavailableError } from '../../src/ports/secret-source.ts';
import { testClock } from '../state/state-store.contract.ts';

const ENDPOINT = 'https://secretsmanager.ap-northeast-1.amazonaws.com';
const SECRET_ID = 'tossup/prod/hubspot';
const JSON_11 = { 'content-type': 'application/x-amz-json-1.1' };

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

function cache(ttlMs?: number) {
  const clock = testClock();
  const client = new SecretsManagerClient({
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  return { clock, secrets: new SecretsManagerCache({ client, clock, ...(ttlMs ? { ttlMs } : {}) }) };
}

/** One GetSecretValue call for SECRET_ID, asserted at the wire. */
function expectGet(secretString: string, versionId: string) {
  return nock(ENDPOINT)
    .matchHeader('x-amz-target', 'secretsmanager.GetSecretValue')
    .matchHeader('content-type', 'application/x-amz-json-1.1')
    .post('/', { SecretId: SECRET_ID })
    .reply(
      200,
      {
        ARN: `arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:${SECRET_ID}-AbCdEf`,
        Name: SECRET_ID,
        SecretString: secretString,
        VersionId: versionId,
      },
      JSON_11,
    );
}

describe('SecretsManagerCache (wire)', () => {
  it('fetches once and serves the cached value until the 5-minute TTL passes', async () => {
    const { clock, secrets } = cache();
    expectGet('{"accessToken":"pat-1"}', 'v1');
    expect((await secrets.get(SECRET_ID)).text).toBe('{"accessToken":"pat-1"}');
    clock.advance(299_000);
    expect((await secrets.get(SECRET_ID)).versionId).toBe('v1');

    // A rotation is picked up at the next read after the TTL, without a redeploy.
    expectGet('{"accessToken":"pat-2"}', 'v2');
    clock.advance(1_000);
    expect(await secrets.get(SECRET_ID)).toMatchObject({ text: '{"accessToken":"pat-2"}', versionId: 'v2' });
  });

  it('shares one call between concurrent readers', async () => {
    const { secrets } = cache();
    expectGet('{}', 'v1');
    const all = await Promise.all([secrets.get(SECRET_ID), secrets.get(SECRET_ID), secrets.get(SECRET_ID)]);
    expect(new Set(all.map((v) => v.versionId))).toEqual(new Set(['v1']));
  });

  it('reads afresh after invalidate and when the caller wants a younger value', async () => {
    const { secrets } = cache();
    expectGet('{}', 'v1');
    await secrets.get(SECRET_ID);
    expectGet('{}', 'v2');
    secrets.invalidate(SECRET_ID);
    expect((await secrets.get(SECRET_ID)).versionId).toBe('v2');
    expectGet('{}', 'v3');
    expect((await secrets.get(SECRET_ID, { maxAgeMs: 0 })).versionId).toBe('v3');
  });

  it('keeps serving the cached value when a refresh fails', async () => {
    const { clock, secrets } = cache();
    expectGet('{"accessToken":"pat-1"}', 'v1');
    await secrets.get(SECRET_ID);
    clock.advance(301_000);
    nock(ENDPOINT).post('/').reply(500, { __type: 'InternalServiceError', message: 'boom' }, JSON_11);
    expect((await secrets.get(SECRET_ID)).versionId).toBe('v1');
  });

  it('names the secret and the fix when it does not exist, and never shows a value', async () => {
    const { secrets } = cache();
    nock(ENDPOINT)
      .post('/')
      .reply(
        400,
        { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
        JSON_11,
      );
    const err = (await secrets.get(SECRET_ID).catch((e: unknown) => e)) as SecretUnavailableError;
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect(err.message).toBe(
      `Secrets Manager entry ${SECRET_ID}: cannot be read (ResourceNotFoundException): create it (docs/deploy.md, "Secrets") in the region the stack runs in`,
    );
  });

  it('explains an access denial as the role not matching the secret name', async () => {
    const { secrets } = cache();
    nock(ENDPOINT)
      .post('/')
      .reply(400, { __type: 'AccessDeniedException', message: 'User is not authorized' }, JSON_11);
    await expect(secrets.get(SECRET_ID)).rejects.toThrow(
      /may not read it: its name must match the one in serverless.yml/,
    );
  });
});
