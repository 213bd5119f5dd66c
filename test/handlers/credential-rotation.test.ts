import { readFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newPrivateAppToken } from '../../emulators/hubspot/token-registry.ts';
import { EmulatorClock } from '../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import { DynamoRoutingState } from '../../src/aws/dynamodb-routing-state.ts';
import { DynamoStateStore } from '../../src/aws/dynamodb-state-store.ts';
import { SecretsManagerCache } from '../../src/aws/secrets.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import type { BundledConfig } from '../../src/handlers/bundled-config.ts';
import { cachedConnector } from '../../src/handlers/connector-provider.ts';
import { refreshMessage } from '../../src/handlers/queue-message.ts';
import { createWorkerHandler } from '../../src/handlers/worker-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { startPortal } from '../connectors/hubspot/harness.ts';
import { addRoutingOwners } from '../connectors/hubspot/pipeline-kit.ts';
import { testClock } from '../state/state-store.contract.ts';
import { deployedQueue, LogCapture } from './support/harness.ts';

/**
 * Credential rotation without a redeploy (reliability table D16): the worker as deployed — the
 * secret from Secrets Manager (at the wire, nock), the connector built from it and cached across
 * invocations, the real HubSpot connector against the emulator. The HubSpot token is rotated.
 */
const AS_OF = '2026-09-01T01:00:00.000Z';
const SM = 'https://secretsmanager.ap-northeast-1.amazonaws.com';
const SECRET_ID = 'tossup/test/hubspot';
const JSON_11 = { 'content-type': 'application/x-amz-json-1.1' };

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  nock.enableNetConnect();
  await dynamo.close();
});

async function setup() {
  const world = generateWorld({ seed: 11, leads: 9, asOf: AS_OF });
  const emuClock = new EmulatorClock();
  emuClock.advance(Date.parse(world.asOf) - Date.now());
  const hs = await startPortal({ world, clock: emuClock });
  addRoutingOwners(hs);

  // What Secrets Manager holds; every GetSecretValue is answered from it and counted.
  const stored = { versionId: 'v1', accessToken: hs.accessToken };
  const reads: string[] = [];
  nock(SM)
    .persist()
    .matchHeader('x-amz-target', 'secretsmanager.GetSecretValue')
    .post('/', { SecretId: SECRET_ID })
    .reply(
      200,
      () => {
        reads.push(stored.versionId);
        return {
          Name: SECRET_ID,
          VersionId: stored.versionId,
          SecretString: JSON.stringify({ accessToken: stored.accessToken, basePath: hs.basePath }),
        };
      },
      JSON_11,
    );
  // Requests HubSpot refused for their token.
  let refused = 0;
  const authenticate = hs.tokens.authenticate.bind(hs.tokens);
  hs.tokens.authenticate = (header) => {
    const r = authenticate(header);
    if (!r.ok) refused++;
    return r;
  };

  const clock = testClock(AS_OF);
  const table = await dynamo.table(clock);
  const routingFile = 'mappings/routing.yaml';
  const config: BundledConfig = {
    rules: loadCompiledRuleSet('large'),
    renderer: new ReasonRenderer('ja'),
    routing: parseRoutingConfig(readFileSync(routingFile, 'utf8'), routingFile, { crm: 'hubspot' }),
    sla: parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8')),
    queueTaskOwners: {},
    mappingFile: null,
    options: { locale: 'ja', queueTaskOwners: {}, sources: {} },
  };
  const queue = deployedQueue(clock, 'hubspot');
  const secrets = new SecretsManagerCache({
    client: new SecretsManagerClient({
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
      maxAttempts: 1,
    }),
    clock,
  });
  const logs = new LogCapture();
  const worker = createWorkerHandler({
    crm: 'hubspot',
    scope: 'default',
    config,
    connectors: cachedConnector({ crm: 'hubspot', secretId: SECRET_ID, secrets, mappingFile: null, clock }),
    state: new DynamoStateStore(table),
    routingState: new DynamoRoutingState(table),
    versions: new DynamoLeadRecords(table),
    visibility: queue,
    clock,
    log: createLogger({ destination: logs }),
  });
  const contacts = hs.store.list('contacts').map((c) => c.id);
  /** A webhook's refresh message for these contacts, then one worker invocation. */
  const refresh = (ids: string[]) => {
    const m = refreshMessage(
      { crm: 'hubspot', objectType: 'contact', ids, source: 'hubspot-webhook' },
      ids.join(),
    );
    queue.sendRaw(m.body, m.attributes);
    return queue.poll(worker);
  };
  const decided = (id: string) => Boolean(hs.store.get('contacts', id)!.props.tossup_flag);
  return { hs, clock, stored, reads, refused: () => refused, refresh, contacts, decided, logs, queue };
}

describe('credential rotation (D16)', () => {
  it('a token revoked at rotation: one refused call, the secret read again, the same batch done with the new token', async () => {
    const s = await setup();
    const [a, b, c] = s.contacts;
    expect(await s.refresh([a!])).toMatchObject({ failedIds: [], threw: null });
    expect(s.reads).toEqual(['v1']);

    // The admin rotates: a new private-app token in HubSpot and in the secret; the old one revoked.
    const old = s.stored.accessToken;
    s.stored.accessToken = newPrivateAppToken();
    s.stored.versionId = 'v2';
    s.hs.tokens.addPrivateToken(s.stored.accessToken);
    s.hs.tokens.revoke(old);
    s.clock.advance(30_000); // well inside the 5-minute cache: the worker still holds v1

    const r = await s.refresh([b!]);
    expect(r).toMatchObject({ failedIds: [], threw: null });
    expect(s.refused()).toBe(1);
    expect(s.reads).toEqual(['v1', 'v2']);
    expect(s.decided(b!)).toBe(true);
    // And it stays on the new token: no refusal, no further read within the cache time.
    expect(await s.refresh([c!])).toMatchObject({ failedIds: [], threw: null });
    expect(s.refused()).toBe(1);
    expect(s.reads).toEqual(['v1', 'v2']);
    expect(s.queue.depth).toBe(0);
  });

  it('a token still valid after rotation is replaced within the cache TTL, with no refused call', async () => {
    const s = await setup();
    const [a, b] = s.contacts;
    expect(await s.refresh([a!])).toMatchObject({ failedIds: [], threw: null });
    const old = s.stored.accessToken;
    s.stored.accessToken = newPrivateAppToken();
    s.stored.versionId = 'v2';
    s.hs.tokens.addPrivateToken(s.stored.accessToken);
    s.clock.advance(300_000); // the secret cache's TTL
    // Once the TTL has passed the old token is no longer sent: revoking it now refuses nothing.
    s.hs.tokens.revoke(old);
    expect(await s.refresh([b!])).toMatchObject({ failedIds: [], threw: null });
    expect(s.refused()).toBe(0);
    expect(s.reads).toEqual(['v1', 'v2']);
  });

  it('credentials refused with an unchanged secret fail the batch (an alarm), without a retry loop', async () => {
    const s = await setup();
    const [a, b] = s.contacts;
    expect(await s.refresh([a!])).toMatchObject({ failedIds: [], threw: null });
    s.hs.tokens.revoke(s.stored.accessToken); // revoked, and nobody stored a new one
    const r = await s.refresh([b!]);
    expect(r.threw).toMatchObject({ name: 'WorkerBatchError', kind: 'auth' });
    expect(s.refused()).toBe(1);
    expect(s.reads).toEqual(['v1', 'v1']);
  });
});
