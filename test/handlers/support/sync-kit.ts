import type { ScheduledEvent } from '../../../src/handlers/lambda-types.ts';
import { createSyncHandler } from '../../../src/handlers/sync-handler.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { MessageQueue } from '../../../src/ports/message-queue.ts';
import type { LocalDynamo } from '../../aws/local-dynamodb.ts';
import { coldLead, hotLead } from '../../pipeline/pipeline-fixtures.ts';
import { handlerWiring, harness } from './harness.ts';

/** What EventBridge delivers for a `rate(5 minutes)` rule. */
export const scheduled: ScheduledEvent = {
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: '2026-11-24T01:00:00Z',
};

/** A harness whose CRM holds `n` leads over pages of three, every third one hot. */
export async function seeded(dynamo: LocalDynamo, n = 7) {
  const h = await harness(dynamo, { pageSize: 3 });
  for (let i = 1; i <= n; i++) h.crm.put(i % 3 ? coldLead(`L${i}`) : hotLead(`L${i}`));
  return h;
}

/** The harness's sync reader, but sending to `queue` (a test double) instead of the simulator. */
export function syncWith(h: Awaited<ReturnType<typeof harness>>, queue: MessageQueue) {
  return createSyncHandler({
    ...handlerWiring(h),
    queue,
    clock: h.clock,
    log: createLogger({ destination: h.logs }),
  });
}
