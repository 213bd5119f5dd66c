import { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventDedup } from '../ports/event-dedup.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import { HubspotWebhookSecretSchema, parseSecret } from './crm-secret.ts';
import { ignoredBecause, type RelevanceOptions } from './hubspot-event-relevance.ts';
import { checkHubspotSignature } from './hubspot-signature.ts';
import type { HttpApiEvent, HttpApiResult, LambdaContext } from './lambda-types.ts';
import { refreshMessage } from './queue-message.ts';

/** HubSpot retries a delivery for up to 24 hours; ids are remembered a day longer than that. */
export const DEFAULT_DEDUP_TTL_SECONDS = 48 * 3600;
/** A signature that fails with a cached secret older than this is checked once more with a fresh one. */
const SECRET_RECHECK_AGE_MS = 60_000;
const MAX_IDS_PER_MESSAGE = 100;

const Id = z.union([z.number(), z.string().min(1)]).transform(String);
const HubspotEventSchema = z.looseObject({
  eventId: Id,
  subscriptionType: z.string(),
  objectId: Id.optional(),
  portalId: Id.optional(),
  /** New-style `object.*` subscriptions name the object type; contacts are `0-1`. */
  objectTypeId: z.string().optional(),
  primaryObjectId: Id.optional(),
  /** Who made the change (`CRM_UI`, `INTEGRATION`, …) and, for an app, its id: echoes are dropped. */
  changeSource: z.string().optional(),
  sourceId: Id.optional(),
  propertyName: z.string().optional(),
});
const HubspotPayloadSchema = z.array(HubspotEventSchema).max(1000);
type HubspotEvent = z.infer<typeof HubspotEventSchema>;

export interface WebhookOptions extends RelevanceOptions {
  secretId: string;
  secrets: SecretSource;
  dedup: EventDedup;
  queue: MessageQueue;
  clock: Clock;
  log: Logger;
  /** When set, events from any other HubSpot account are ignored. */
  portalId?: string | null;
  dedupTtlSeconds?: number;
  /**
   * Scheme and host HubSpot signed (default `https://` + the Host header): a local listener behind
   * plain HTTP or a tunnel says what URL the sender was given.
   */
  signedBaseUrl?: string;
}

/**
 * HubSpot webhook endpoint (API Gateway HTTP API → Lambda). A request is acted on only when its v3
 * signature is valid for the URL it was sent to, it is at most 5 minutes old, and its events were not
 * seen before; then the affected contact ids are enqueued as one `refresh` message (the worker reads
 * the contacts through the connector and decides them like any other lead).
 *
 * - unsigned, tampered (body, URL, timestamp), stale or wrongly keyed → 401, nothing enqueued;
 * - a replay of a valid request within the 5 minutes, or HubSpot re-sending events → 200 with nothing
 *   enqueued (the event ids are remembered as handed off: one batch read), so HubSpot does not retry;
 * - the event ids cannot be read (state table failing) or the queue cannot take the message → 503
 *   with nothing remembered: HubSpot retries the whole request, and no event is lost. Event ids are
 *   remembered (one write an event, for the TTL) only after the message was enqueued; a failure to
 *   remember them is logged and still answers 200 (the work is enqueued; a retry would enqueue it
 *   again, harmless). Two deliveries of the same events at the same instant may both be enqueued
 *   (src/ports/event-dedup.ts).
 */
export function createHubspotWebhookHandler(options: WebhookOptions) {
  const ttl = options.dedupTtlSeconds ?? DEFAULT_DEDUP_TTL_SECONDS;

  return async function handler(event: HttpApiEvent, context: LambdaContext): Promise<HttpApiResult> {
    const log = options.log.child({ runId: context.awsRequestId });
    const method = event.requestContext.http.method.toUpperCase();
    if (method !== 'POST') return reply(405, { error: 'method not allowed' });

    const headers = lowerCaseKeys(event.headers);
    const body =
      event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    const request = {
      method,
      uri: options.signedBaseUrl
        ? `${options.signedBaseUrl.replace(/\/$/, '')}${pathAndQuery(event)}`
        : requestUri(event, headers),
      body,
      signature: headers['x-hubspot-signature-v3'],
      timestamp: headers['x-hubspot-request-timestamp'],
    };
    const now = options.clock.now().getTime();
    let secret = await options.secrets.get(options.secretId);
    let check = checkHubspotSignature(request, clientSecretOf(options.secretId, secret.text), now);
    if (!check.ok && check.reason === 'bad_signature' && now - secret.fetchedAtMs > SECRET_RECHECK_AGE_MS) {
      // The secret may have been rotated since it was cached: one fresh read, at most once a minute.
      secret = await options.secrets.get(options.secretId, { maxAgeMs: 0 });
      check = checkHubspotSignature(request, clientSecretOf(options.secretId, secret.text), now);
    }
    if (!check.ok) {
      log.warn({ reason: check.reason, path: event.rawPath }, 'webhook request refused');
      return reply(401, { error: 'unauthorized' });
    }

    let events: HubspotEvent[];
    try {
      events = HubspotPayloadSchema.parse(JSON.parse(body));
    } catch {
      log.warn({ path: event.rawPath }, 'signed webhook request with an unexpected body');
      return reply(400, { error: 'expected a JSON array of HubSpot events' });
    }

    const ours = events.filter(
      (e) => objectOf(e) !== null && (!options.portalId || e.portalId === options.portalId),
    );
    // Our own writes and changes no rule can read are acknowledged and never acted on (no echo).
    const ignored = { ownWrites: 0, unreadProperties: 0 };
    const relevant = ours.filter((e) => {
      const why = ignoredBecause(e, options);
      if (why === 'own_write') ignored.ownWrites++;
      else if (why === 'unread_property') ignored.unreadProperties++;
      return why === null;
    });
    let seen: Set<string>;
    try {
      seen = await options.dedup.seen(relevant.map((e) => e.eventId));
    } catch (e) {
      // Nothing was enqueued nor remembered: HubSpot's retry of the whole request is acted on.
      log.error(
        { err: e, events: events.length, relevant: relevant.length },
        'could not de-duplicate the webhook events; HubSpot will retry them',
      );
      return reply(503, { error: 'try again later' });
    }
    const fresh = relevant.filter((e) => !seen.has(e.eventId));
    const freshIds = [...new Set(fresh.map((e) => e.eventId))];
    // Contacts are read by id; a company or deal change re-decides the company's contacts, which the
    // worker finds through the connector (account-level triggers, src/ports/account-changes.ts).
    const idsOf = (object: RefreshObject) => [
      ...new Set(fresh.filter((e) => objectOf(e) === object).flatMap(recordIdsOf)),
    ];
    const byObject = REFRESH_OBJECTS.map((object) => ({ object, ids: idsOf(object) }));
    const ids = byObject.flatMap((b) => b.ids);
    const summary = {
      events: events.length,
      relevant: relevant.length,
      duplicates: relevant.length - fresh.length,
      ...ignored,
      contacts: byObject[0]!.ids.length,
      companies: byObject[1]!.ids.length,
      deals: byObject[2]!.ids.length,
    };
    if (ids.length === 0) {
      // New events without a contact id (nothing to enqueue) are remembered all the same.
      await remember(options.dedup, freshIds, ttl, log);
      log.info(summary, 'webhook accepted: nothing new to enqueue');
      return reply(200, { accepted: 0, duplicates: summary.duplicates });
    }

    const messages = [];
    for (const { object, ids: objectIds } of byObject) {
      for (let i = 0; i < objectIds.length; i += MAX_IDS_PER_MESSAGE) {
        const chunk = objectIds.slice(i, i + MAX_IDS_PER_MESSAGE);
        messages.push(
          refreshMessage(
            { crm: 'hubspot', objectType: object, ids: chunk, source: 'hubspot-webhook' },
            `${freshIds.join(',')}#${object === 'contact' ? '' : object}${i}`,
          ),
        );
      }
    }
    try {
      await options.queue.sendAll(messages);
    } catch (e) {
      log.error({ err: e, ...summary }, 'could not enqueue the webhook events; HubSpot will retry them');
      return reply(503, { error: 'try again later' });
    }
    await remember(options.dedup, freshIds, ttl, log);
    log.info(summary, 'webhook accepted');
    return reply(200, { accepted: ids.length, duplicates: summary.duplicates });
  };
}

/**
 * The work is enqueued. A failure to remember is logged and the request still succeeds: a later
 * retry of the same events would enqueue them again, which the worker's version claims make harmless.
 */
async function remember(
  dedup: EventDedup,
  eventIds: readonly string[],
  ttlSeconds: number,
  log: Logger,
): Promise<void> {
  if (eventIds.length === 0) return;
  try {
    await dedup.remember(eventIds, ttlSeconds);
  } catch (e) {
    log.warn(
      { err: e, events: eventIds.length },
      'could not remember the webhook events as handed off; a retry of them may enqueue them again',
    );
  }
}

function clientSecretOf(secretId: string, text: string): string {
  return parseSecret(HubspotWebhookSecretSchema, secretId, text).clientSecret;
}

/**
 * The URL HubSpot signed: https (API Gateway serves nothing else) + the Host it called + the raw path
 * and query. With a custom domain the Host header is that domain.
 */
export function requestUri(event: HttpApiEvent, headers: Record<string, string | undefined>): string {
  const host = headers.host ?? event.requestContext.domainName;
  return `https://${host}${pathAndQuery(event)}`;
}

function pathAndQuery(event: HttpApiEvent): string {
  return `${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

const REFRESH_OBJECTS = ['contact', 'company', 'deal'] as const;
type RefreshObject = (typeof REFRESH_OBJECTS)[number];
/** HubSpot's object type ids in new-style `object.*` subscriptions. */
const OBJECT_TYPE_IDS: Readonly<Record<string, RefreshObject>> = {
  '0-1': 'contact',
  '0-2': 'company',
  '0-3': 'deal',
};

/**
 * What an event asks to decide again: a contact that changed (deletions need nothing written), or
 * the contacts of a company or deal whose properties changed (`company.propertyChange`,
 * `deal.propertyChange`; docs/deploy.md lists the properties to subscribe to). Other events: null.
 */
function objectOf(e: HubspotEvent): RefreshObject | null {
  const type = e.subscriptionType;
  if (/deletion/i.test(type)) return null;
  if (type.startsWith('contact.')) return 'contact';
  if (type === 'company.propertyChange') return 'company';
  if (type === 'deal.propertyChange') return 'deal';
  if (!type.startsWith('object.')) return null;
  const object = e.objectTypeId ? OBJECT_TYPE_IDS[e.objectTypeId] : undefined;
  if (!object) return null;
  return object === 'contact' || type === 'object.propertyChange' ? object : null;
}

function recordIdsOf(e: HubspotEvent): string[] {
  // A merge names the surviving record as primaryObjectId.
  return [e.primaryObjectId ?? e.objectId].filter((id): id is string => id !== undefined);
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function reply(statusCode: number, body: unknown): HttpApiResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
