import { randomUUID } from 'node:crypto';
import type { ChangeEventHeader } from '../../../src/changes/salesforce-change-event.ts';

/** The org and relay channel of the test relay: `aws.partner/salesforce.com/<org id>/<channel id>`. */
export const TEST_ORG_ID = '00D5j00000TOSSUPAA';
export const TEST_EVENT_SOURCE = `aws.partner/salesforce.com/${TEST_ORG_ID}/0YL5j0000000RELAYA`;

let replay = 1000;

/**
 * An EventBridge event of the shape Salesforce Event Relay delivers (and the rule of
 * infra/salesforce-relay.yml forwards whole to the leads queue): `detail-type` the change event's
 * name, `source` the partner event source, `detail.payload` the change event (ChangeEventHeader plus
 * the changed or enriched fields), `detail.schemaId`, `detail.id` (EventUuid), `detail.event.replayId`.
 */
export function relayedEvent(
  header: Pick<ChangeEventHeader, 'entityName' | 'recordIds' | 'changeType' | 'commitTimestamp'> &
    Partial<ChangeEventHeader>,
  fields: Record<string, unknown> = {},
  options: { source?: string; eventUuid?: string } = {},
): Record<string, unknown> {
  const replayId = ++replay;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': `${header.entityName}ChangeEvent`,
    source: options.source ?? TEST_EVENT_SOURCE,
    account: '123456789012',
    time: new Date(header.commitTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'ap-northeast-1',
    resources: [],
    detail: {
      payload: {
        ChangeEventHeader: {
          changeOrigin: 'com/salesforce/api/rest/62.0',
          transactionKey: randomUUID(),
          sequenceNumber: 1,
          commitNumber: replayId * 7,
          isTransactionEnd: true,
          nulledFields: [],
          diffFields: [],
          changedFields: [],
          ...header,
        },
        ...fields,
      },
      schemaId: 'A3rH7o1Xv0kC6e5yPRM2Dg',
      id: options.eventUuid ?? randomUUID(),
      event: { replayId: String(replayId) },
    },
  };
}
