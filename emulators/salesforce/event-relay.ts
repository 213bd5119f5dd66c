import { randomUUID } from 'node:crypto';
import type { ChangeDataCapture, ChangeEvent } from './change-data-capture.ts';

/**
 * Salesforce Event Relay, emulated: every change event published on one channel of the emulator's
 * Change Data Capture is handed on as the EventBridge event Event Relay puts on the partner event bus
 * — `detail-type` the event name (`LeadChangeEvent`), `source` the partner event source
 * (`aws.partner/salesforce.com/<org id>/<channel id>`), `detail` the event as Salesforce publishes it:
 * `payload` (ChangeEventHeader and the changed or enriched fields), `schemaId`, `id` (the EventUuid)
 * and `event.replayId`. `deliver` stands for the bus, its rule and its target (tests and the
 * freshness benchmark put the event on an SQS model). Delivery is synchronous with the publication:
 * the relay's own latency is not emulated.
 */
export interface EventRelayOptions {
  changeEvents: ChangeDataCapture;
  /** The relayed channel, e.g. `/data/TossUp_Changes__chn` (the relay config's eventChannel). */
  channel: string;
  /** The partner event source name Salesforce created for the relay. */
  source: string;
  awsAccountId?: string;
  awsRegion?: string;
  deliver: (event: Record<string, unknown>) => void;
}

export interface EventRelay {
  /** Events relayed so far. */
  readonly relayed: number;
  stop(): void;
}

/** Starts relaying the events published from now on (RUN with the LATEST recovery option). */
export function startEventRelay(options: EventRelayOptions): EventRelay {
  const cdc = options.changeEvents;
  let after = cdc.latestReplayId();
  let relayed = 0;
  const pump = () => {
    for (;;) {
      const batch = cdc.eventsAfter(options.channel, after, 500);
      if (batch.length === 0) return;
      for (const e of batch) {
        after = e.replayId;
        relayed++;
        options.deliver(relayedEvent(e, cdc.payloadFor(e, options.channel), options));
      }
    }
  };
  const off = cdc.onPublish(pump);
  return {
    get relayed() {
      return relayed;
    },
    stop: off,
  };
}

function relayedEvent(
  e: ChangeEvent,
  payload: Record<string, unknown>,
  o: EventRelayOptions,
): Record<string, unknown> {
  return {
    version: '0',
    // EventBridge's own id of the event; the EventUuid stays in detail.id.
    id: randomUUID(),
    'detail-type': `${e.entity}ChangeEvent`,
    source: o.source,
    account: o.awsAccountId ?? '123456789012',
    time: new Date(e.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: o.awsRegion ?? 'ap-northeast-1',
    resources: [],
    detail: {
      payload,
      schemaId: `${e.entity}-schema`,
      id: e.eventUuid,
      event: { replayId: String(e.replayId) },
    },
  };
}
