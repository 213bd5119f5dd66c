import { z } from 'zod';
import { ChangeEventPayloadSchema, sameSalesforceId } from '../changes/salesforce-change-event.ts';

/**
 * A Salesforce change event as Event Relay hands it to EventBridge and the rule of
 * infra/salesforce-relay.yml passes it, whole, to the Salesforce leads queue: an EventBridge event
 * whose `source` is the relay's partner event source (`aws.partner/salesforce.com/<org id>/<channel
 * id>`), `detail-type` the change event's name (`LeadChangeEvent`), and `detail` the event as
 * Salesforce publishes it — `payload` (ChangeEventHeader and the changed fields), `schemaId`, `id`
 * (the EventUuid) and `event.replayId`.
 */
export const RELAY_SOURCE_PREFIX = 'aws.partner/salesforce.com/';

export const RelayedChangeEventSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().startsWith(RELAY_SOURCE_PREFIX),
  time: z.string().optional(),
  detail: z.looseObject({
    payload: ChangeEventPayloadSchema,
    schemaId: z.string().optional(),
    id: z.string().optional(),
    event: z.looseObject({ replayId: z.union([z.string(), z.number()]) }).optional(),
  }),
});
export type RelayedChangeEvent = z.output<typeof RelayedChangeEventSchema>;

/** True for a queue body that is an EventBridge event (as opposed to one of our own messages). */
export function looksRelayed(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    'detail-type' in data &&
    typeof (data as { source?: unknown }).source === 'string'
  );
}

/** The org id of a partner event source name (its third part), or null. */
export function orgIdOfSource(source: string): string | null {
  if (!source.startsWith(RELAY_SOURCE_PREFIX)) return null;
  const org = source.slice(RELAY_SOURCE_PREFIX.length).split('/')[0];
  return org && /^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(org) ? org : null;
}

export type RelayedEventCheck =
  | { ok: true; event: RelayedChangeEvent }
  /**
   * `bad_message`: not a change event of the documented shape; `foreign_org`: from another org than
   * the configured relay's (Salesforce's advice for anything inbound: check the OrganizationId);
   * `no_relay`: this worker was given no relay source, so it accepts no relayed event at all.
   */
  | { ok: false; code: 'bad_message' | 'foreign_org' | 'no_relay'; problem: string };

/**
 * Checks a relayed event: its shape, then that it comes from the org of `acceptedSource` (the partner
 * event source in the settings). The channel part may differ (a relay recreated for the same org gets
 * a new source name; the rule only lets the configured one through anyway).
 */
export function checkRelayedEvent(data: unknown, acceptedSource: string | undefined): RelayedEventCheck {
  const parsed = RelayedChangeEventSchema.safeParse(data);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 5)
      .map((i) => i.path.join('.') || '(body)')
      .join(', ');
    return { ok: false, code: 'bad_message', problem: `not a relayed change event: ${where}` };
  }
  const expected = acceptedSource ? orgIdOfSource(acceptedSource) : null;
  if (!expected)
    return {
      ok: false,
      code: 'no_relay',
      problem: 'a relayed change event, but this worker has no Salesforce event source configured',
    };
  const org = orgIdOfSource(parsed.data.source);
  if (!org || !sameSalesforceId(org, expected))
    return {
      ok: false,
      code: 'foreign_org',
      problem: `a change event from org ${org ?? '(unknown)'}, not from the configured org ${expected}`,
    };
  return { ok: true, event: parsed.data };
}
