import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadsPerMessage } from '../../scripts/deploy-settings.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import { DynamoRoutingState } from '../../src/aws/dynamodb-routing-state.ts';
import { DynamoStateStore } from '../../src/aws/dynamodb-state-store.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import type { BundledConfig } from '../../src/handlers/bundled-config.ts';
import type { LambdaContext, SqsBatchResponse, SqsEvent } from '../../src/handlers/lambda-types.ts';
import { QueueMessageSchema } from '../../src/handlers/queue-message.ts';
import { createSyncHandler } from '../../src/handlers/sync-handler.ts';
import { createWorkerHandler } from '../../src/handlers/worker-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { worldOrg } from '../connectors/salesforce/pipeline-kit.ts';
import { connect } from '../connectors/salesforce/sf-kit.ts';
import { testClock } from '../state/state-store.contract.ts';
import { deployedQueue, deploySettings, fakeProvider, LogCapture, lambdaContext } from './support/harness.ts';

/**
 * A worker invocation whose time runs out mid-batch (reliability table D10, issue 10 defect 5): the
 * real worker, the real Salesforce connector (jsforce over HTTP) against the emulator, DynamoDB on
 * dynalite, and the SQS model of infra/settings.yml. One field write hangs; the invocation has only
 * a few real seconds left. The connector's timeout is its default (60 s, the worker's own timeout),
 * so only the invocation deadline can end the hung call in time.
 */
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

async function setup() {
  const { emu, routing } = await worldOrg(30);
  // Writes of 5 records per call: the batch takes several calls, so one can hang mid-batch.
  const connector = await connect(emu, { writeBatchSize: 5, concurrency: 1 });
  const clock = testClock(new Date(emu.clock.now()).toISOString());
  const table = await dynamo.table(clock);
  const config: BundledConfig = {
    rules: loadCompiledRuleSet('large'),
    renderer: new ReasonRenderer('ja'),
    routing,
    sla: parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8')),
    queueTaskOwners: {},
    mappingFile: null,
    options: { locale: 'ja', queueTaskOwners: {}, sources: {} },
  };
  const logs = new LogCapture();
  const log = createLogger({ destination: logs });
  const queue = deployedQueue(clock, 'salesforce');
  const common = {
    crm: 'salesforce' as const,
    scope: 'default',
    config,
    connectors: fakeProvider(connector),
    state: new DynamoStateStore(table),
    routingState: new DynamoRoutingState(table),
    clock,
    log,
  };
  // The deployed packing: several leads a message, so a message comes back with every lead in it.
  const sync = createSyncHandler({ ...common, queue, leadsPerMessage: leadsPerMessage(deploySettings) });
  const worker = createWorkerHandler({
    ...common,
    versions: new DynamoLeadRecords(table),
    visibility: queue,
    deadlineReserveMs: 1_500,
  });
  return { emu, clock, queue, sync, worker, logs };
}

/** `Lead/00Q…` or `Contact/003…`: the records a lead message is about. */
const recordsOf = (body: string) => {
  const m = QueueMessageSchema.parse(JSON.parse(body));
  const leads = m.kind === 'lead' ? [m.lead] : m.kind === 'leads' ? m.leads : [];
  return leads.map((l) => `${l.objectType}/${l.id}`);
};

describe('worker: the invocation deadline', () => {
  it('a hung CRM call mid-batch: the unfinished records come back as batch item failures before the deadline, and their redelivery finishes them with one task each', async () => {
    const s = await setup();
    await s.sync({}, lambdaContext(300_000));
    const bodies = new Map(s.queue.bodies().map((b) => [b, recordsOf(b)]));
    const leadIds = [...bodies.values()].flat();
    expect(leadIds.length).toBeGreaterThan(10);
    expect(bodies.size).toBeLessThan(leadIds.length); // packed

    // The second field write hangs: the emulator holds the request open and never answers.
    s.emu.app.faults.add({ route: 'sf.collections.update', after: 1, count: 1, fault: { kind: 'timeout' } });
    // 8 s left, 1.5 s of them kept back: the hung call is cut off about 6.5 s from now.
    const endsAt = Date.now() + 8_000;
    const remainingMs = () => endsAt - Date.now();
    let leftAtReturn = Number.NaN;
    let ids: Map<string, string[]> = new Map();
    const worker = async (event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> => {
      ids = new Map(event.Records.map((r) => [r.messageId, recordsOf(r.body)]));
      const out = await s.worker(event, context);
      leftAtReturn = context.getRemainingTimeInMillis();
      return out;
    };
    const first = await s.queue.poll(worker, { remainingMs });

    expect(s.emu.app.faults.fired()).toEqual([1]);
    expect(first.threw).toBeNull();
    expect(leftAtReturn).toBeGreaterThan(0); // answered before Lambda would have killed it
    const get = (ref: string) => {
      const [type, id] = ref.split('/') as [string, string];
      return s.emu.store.get(type, id);
    };
    const flagged = (ref: string) => Boolean(get(ref)?.TossUp_Flag__c);
    const unfinished = [...ids]
      .filter(([, leads]) => leads.some((lead) => !flagged(lead)))
      .map(([messageId]) => messageId);
    const finished = leadIds.filter(flagged);
    expect(unfinished.length).toBeGreaterThan(0);
    expect(finished.length).toBeGreaterThan(0);
    // Every message whose lead was not written comes back (none lost). The sink reports a batch
    // write that failed in part as failed as a whole, so finished leads may come back too: their
    // redelivery finds nothing to change.
    for (const m of unfinished) expect(first.failedIds).toContain(m);
    expect(s.queue.depth).toBe(first.failedIds.length);
    const modstamps = new Map(finished.map((ref) => [ref, get(ref)!.SystemModstamp]));
    const tasksAfterFirst = s.emu.store.count('Task');
    expect(tasksAfterFirst).toBeGreaterThan(0); // tasks come first: created before the write hung

    // Redelivery after the visibility timeout, with the CRM healthy again.
    s.emu.app.faults.clear();
    await s.queue.drain(s.worker);
    expect(s.queue.depth + s.queue.dlq.length).toBe(0);
    for (const id of leadIds) expect(flagged(id), id).toBe(true);
    // Tasks: exactly one per lead that has one, and none created again for the leads whose task
    // was created in the first invocation.
    const tasks = s.emu.store.all('Task').filter((t) => t.TossUp_Key__c);
    const perLead = new Map<string, number>();
    for (const t of tasks) perLead.set(String(t.WhoId), (perLead.get(String(t.WhoId)) ?? 0) + 1);
    expect(tasks.length).toBeGreaterThan(0);
    expect([...perLead.values()].every((n) => n === 1)).toBe(true);
    expect(s.emu.store.count('Task')).toBe(tasksAfterFirst);
    // The leads finished in the first invocation were not written again.
    for (const [id, stamp] of modstamps) expect(get(id)!.SystemModstamp, id).toBe(stamp);
  }, 20_000);
});
