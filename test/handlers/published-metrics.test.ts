import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CrmFunctionEnvSchema,
  LambdaEnvError,
  parseEnv,
  SweepEnvSchema,
} from '../../src/handlers/lambda-env.ts';
import {
  COUNT_NAMES,
  DEFAULT_PUBLISHED_METRICS,
  FUNCTION_COUNTS,
} from '../../src/handlers/published-metrics.ts';
import { createSyncHandler } from '../../src/handlers/sync-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { hotLead } from '../pipeline/pipeline-fixtures.ts';
import { handlerWiring, harness, type LogCapture, lambdaContext } from './support/harness.ts';
import { scheduled, seeded } from './support/sync-kit.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

type Line = Record<string, unknown> & {
  _aws?: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
};
/** The metrics lines of function `fn`. */
const linesOf = (logs: LogCapture, fn: string) =>
  logs.records().filter((r) => r.msg === 'metrics' && r.fn === fn) as Line[];
/** The counts of a line: what is neither the logger's nor a dimension. */
const countsOf = (line: Line) =>
  Object.keys(line)
    .filter((k) => !['_aws', 'level', 'time', 'msg', 'fn', 'crm', 'runId'].includes(k))
    .sort();
const publishedOf = (line: Line) => line._aws?.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name) ?? [];

describe("the functions' metrics lines (published-metrics.ts)", () => {
  it('name exactly the counts the settings check knows, and publish the default list of them', async () => {
    const h = await seeded(dynamo);
    await h.sync(scheduled, lambdaContext(300_000));
    await h.queue.drain(h.worker);
    for (const fn of ['sync', 'worker'] as const) {
      const [line] = linesOf(h.logs, fn);
      expect(line, fn).toBeDefined();
      expect(countsOf(line!), fn).toEqual([...FUNCTION_COUNTS[fn]].sort());
      expect(publishedOf(line!).sort(), fn).toEqual(
        FUNCTION_COUNTS[fn].filter((n) => DEFAULT_PUBLISHED_METRICS.includes(n)).sort(),
      );
    }
    expect(publishedOf(linesOf(h.logs, 'sync')[0]!)).toEqual(['enqueued']);
  });

  it('publish what the option names; none: the line without its EMF block, every count still in it', async () => {
    const h = await harness(dynamo, { workerOver: { publishedMetrics: ['busy', 'enqueued', 'written'] } });
    h.crm.put(hotLead('L1'));
    const sync = createSyncHandler({
      ...handlerWiring(h),
      queue: h.queue,
      clock: h.clock,
      log: createLogger({ destination: h.logs }).child({ fn: 'sync' }),
      publishedMetrics: [],
    });
    await sync(scheduled, lambdaContext(300_000));
    await h.queue.drain(h.worker);
    const [syncLine] = linesOf(h.logs, 'sync');
    expect(syncLine).not.toHaveProperty('_aws');
    expect(syncLine).toMatchObject({ enqueued: 1, leadsRead: 1 });
    const [workerLine] = linesOf(h.logs, 'worker');
    expect(publishedOf(workerLine!)).toEqual(['busy', 'written']);
    expect(countsOf(workerLine!)).toEqual([...FUNCTION_COUNTS.worker].sort());
  });

  it('the default list is a few names every one of which some function counts', () => {
    expect(DEFAULT_PUBLISHED_METRICS.length).toBeLessThanOrEqual(10);
    for (const n of DEFAULT_PUBLISHED_METRICS) expect(COUNT_NAMES).toContain(n);
    // A name counted by two functions is two metrics (fn is a dimension): 8 a CRM as shipped.
    const metrics = Object.values(FUNCTION_COUNTS).flatMap((names) =>
      names.filter((n) => DEFAULT_PUBLISHED_METRICS.includes(n)),
    );
    expect(metrics).toHaveLength(8);
  });

  it('TOSSUP_METRICS: unset is the default list, empty publishes none, a name no function counts stops the function', () => {
    const crm = {
      TOSSUP_CRM: 'hubspot',
      TOSSUP_STATE_TABLE: 'tossup-test',
      TOSSUP_QUEUE_URL: 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/q',
      TOSSUP_SECRET_ID: 'tossup/test/hubspot',
    };
    const sweep = { TOSSUP_CRM: 'hubspot', TOSSUP_STATE_TABLE: 'tossup-test', TOSSUP_SECRET_ID: 's' };
    const readers = [
      (env: Record<string, string>) => parseEnv(CrmFunctionEnvSchema, { ...crm, ...env }).TOSSUP_METRICS,
      (env: Record<string, string>) => parseEnv(SweepEnvSchema, { ...sweep, ...env }).TOSSUP_METRICS,
    ];
    for (const of of readers) {
      const read = (v?: string) => of(v === undefined ? {} : { TOSSUP_METRICS: v });
      expect(read()).toEqual(DEFAULT_PUBLISHED_METRICS);
      expect(read('')).toEqual([]);
      expect(read('due,written')).toEqual(['due', 'written']);
      expect(read(' due, written ')).toEqual(['due', 'written']);
      expect(() => read('written,writen')).toThrow(LambdaEnvError);
      expect(() => read('written,writen')).toThrow(
        `TOSSUP_METRICS names writen, which no function counts; valid: ${COUNT_NAMES.join(', ')}`,
      );
    }
  });
});
