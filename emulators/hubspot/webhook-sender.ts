import { createHash, createHmac } from 'node:crypto';
import type { EmulatorClock } from '../shared/emulator-clock.ts';
import type { CrmStore, RecordChange } from './crm-store.ts';

/**
 * Delivers HubSpot-style webhook batches for contact changes to a configured URL, signed with the
 * v3 scheme (HMAC-SHA256 over method + URI + body + timestamp, base64, keyed with the app's client
 * secret; headers X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp) plus the legacy v1
 * signature. Failed deliveries are retried the way HubSpot does: connection errors, timeouts, 5xx
 * and 429 are retried with growing delays up to `maxAttempts`, other 4xx are not; every retry
 * re-signs the batch with `attemptNumber` incremented (0 on the first try).
 *
 * The signing timestamp is wall-clock time (not the emulator clock): receivers, like the SDK's
 * `Signature.isValid`, reject timestamps older than five minutes against their own clock.
 */

export const WEBHOOK_SUBSCRIPTION_TYPES = [
  'contact.creation',
  'contact.propertyChange',
  'contact.deletion',
  'contact.restore',
  // Account-level triggers: a company's or deal's property change (subscribed per property).
  'company.propertyChange',
  'deal.propertyChange',
] as const;
export type WebhookSubscriptionType = (typeof WEBHOOK_SUBSCRIPTION_TYPES)[number];

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: WebhookSubscriptionType;
  attemptNumber: number;
  objectId: number;
  propertyName?: string;
  propertyValue?: string;
  changeSource: string;
  /** For `INTEGRATION` changes, the id of the app whose token made the write (HubSpot's `sourceId`). */
  sourceId?: string;
  changeFlag?: 'NEW' | 'DELETED' | 'RESTORED';
}

export interface WebhookSenderOptions {
  targetUrl: string;
  clientSecret: string;
  portalId: number;
  appId: number;
  clock: EmulatorClock;
  /** Default: creation and propertyChange. */
  subscriptions?: readonly WebhookSubscriptionType[];
  /** Properties propertyChange events are sent for (HubSpot subscribes per property); default all. */
  propertyNames?: readonly string[];
  /** The same for company and deal propertyChange subscriptions; default all. */
  accountPropertyNames?: readonly string[];
  /** Total tries per batch, first one included (HubSpot: 10). */
  maxAttempts?: number;
  /** Delay before retry n (1-based); default 1 s doubling, capped at 60 s. Tests pass a few ms. */
  retryDelayMs?: (retry: number) => number;
  /** Events per POST, at most 100 as HubSpot sends. */
  batchSize?: number;
  /** How long events gather before a batch goes out. */
  flushDelayMs?: number;
  /** Per-attempt timeout (HubSpot gives up after about 5 s). */
  timeoutMs?: number;
  /** Signing time source; wall clock by default. */
  timestampNow?: () => number;
}

export interface WebhookDelivery {
  attemptNumber: number;
  eventIds: number[];
  /** HTTP status, or undefined when the connection failed or timed out. */
  status: number | undefined;
  error: string | undefined;
  delivered: boolean;
}

type PendingEvent = Omit<WebhookEvent, 'attemptNumber'>;

export function signatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: number,
): string {
  return createHmac('sha256', clientSecret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

export class WebhookSender {
  private readonly options: Required<Omit<WebhookSenderOptions, 'propertyNames' | 'accountPropertyNames'>> & {
    propertyNames?: readonly string[];
    accountPropertyNames?: readonly string[];
  };
  private pending: PendingEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sleeping = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private nextEventId = 1_000_001;
  private closed = false;
  /** Every attempt made, in order; tests assert retries and attempt numbers on it. */
  readonly deliveries: WebhookDelivery[] = [];

  constructor(options: WebhookSenderOptions) {
    const batchSize = Math.min(100, options.batchSize ?? 100);
    this.options = {
      subscriptions: ['contact.creation', 'contact.propertyChange'],
      maxAttempts: 10,
      retryDelayMs: (retry) => Math.min(60_000, 1000 * 2 ** (retry - 1)),
      flushDelayMs: 20,
      timeoutMs: 5000,
      timestampNow: () => Date.now(),
      ...options,
      batchSize,
    };
  }

  /** Sends events for the store's contact changes from now on; returns the unsubscribe function. */
  attach(store: CrmStore): () => void {
    return store.onChange((change) => this.onChange(change));
  }

  /** On-demand event, as if HubSpot noticed a property change (e.g. made in the CRM UI). */
  emitPropertyChange(
    contactId: string,
    propertyName: string,
    propertyValue: string,
    changeSource = 'CRM_UI',
  ): void {
    this.enqueue({
      subscriptionType: 'contact.propertyChange',
      objectId: Number(contactId),
      propertyName,
      propertyValue,
      changeSource,
      occurredAt: this.options.clock.now(),
    });
  }

  emitCreation(contactId: string, changeSource = 'CRM_UI'): void {
    this.enqueue({
      subscriptionType: 'contact.creation',
      objectId: Number(contactId),
      changeSource,
      changeFlag: 'NEW',
      occurredAt: this.options.clock.now(),
    });
  }

  /** Sends what is queued now and waits until every batch has been delivered or given up. */
  async idle(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.flush();
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending = [];
    for (const s of this.sleeping) {
      clearTimeout(s.timer);
      s.resolve();
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private onChange(change: RecordChange): void {
    if (change.type === 'companies' || change.type === 'deals') {
      this.onAccountChange(change);
      return;
    }
    if (change.type !== 'contacts') return;
    const subs = this.options.subscriptions;
    const base = {
      objectId: Number(change.id),
      changeSource: change.source,
      ...this.sourceIdOf(change),
      occurredAt: change.occurredAt,
    };
    if (change.kind === 'creation' && subs.includes('contact.creation')) {
      this.enqueue({ ...base, subscriptionType: 'contact.creation', changeFlag: 'NEW' });
    } else if (change.kind === 'deletion' && subs.includes('contact.deletion')) {
      this.enqueue({ ...base, subscriptionType: 'contact.deletion', changeFlag: 'DELETED' });
    } else if (change.kind === 'restore' && subs.includes('contact.restore')) {
      this.enqueue({ ...base, subscriptionType: 'contact.restore', changeFlag: 'RESTORED' });
    } else if (change.kind === 'propertyChange' && subs.includes('contact.propertyChange')) {
      const only = this.options.propertyNames;
      for (const c of change.changes) {
        if (only && !only.includes(c.name)) continue;
        this.enqueue({
          ...base,
          subscriptionType: 'contact.propertyChange',
          propertyName: c.name,
          propertyValue: c.value ?? '',
        });
      }
    }
  }

  private onAccountChange(change: RecordChange): void {
    const type = change.type === 'companies' ? 'company.propertyChange' : 'deal.propertyChange';
    if (change.kind !== 'propertyChange' || !this.options.subscriptions.includes(type)) return;
    const only = this.options.accountPropertyNames;
    for (const c of change.changes) {
      if (only && !only.includes(c.name)) continue;
      this.enqueue({
        objectId: Number(change.id),
        changeSource: change.source,
        ...this.sourceIdOf(change),
        occurredAt: change.occurredAt,
        subscriptionType: type,
        propertyName: c.name,
        propertyValue: c.value ?? '',
      });
    }
  }

  /** API writes come from this emulator's one app (every token it issues is that app's). */
  private sourceIdOf(change: RecordChange): { sourceId?: string } {
    return change.source === 'INTEGRATION' ? { sourceId: String(this.options.appId) } : {};
  }

  private enqueue(event: Omit<PendingEvent, 'eventId' | 'subscriptionId' | 'portalId' | 'appId'>): void {
    if (this.closed) return;
    this.pending.push({
      eventId: this.nextEventId++,
      subscriptionId: subscriptionId(event.subscriptionType, event.propertyName),
      portalId: this.options.portalId,
      appId: this.options.appId,
      ...event,
    });
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.options.flushDelayMs);
  }

  private flush(): void {
    const events = this.pending;
    this.pending = [];
    for (let i = 0; i < events.length; i += this.options.batchSize) {
      const batch = events.slice(i, i + this.options.batchSize);
      const p = this.deliver(batch).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async deliver(batch: PendingEvent[]): Promise<void> {
    const { targetUrl, clientSecret, maxAttempts, timeoutMs } = this.options;
    for (let attempt = 0; attempt < maxAttempts && !this.closed; attempt++) {
      if (attempt > 0) await this.sleep(this.options.retryDelayMs(attempt));
      if (this.closed) return;
      const body = JSON.stringify(batch.map((e) => ({ ...e, attemptNumber: attempt })));
      const timestamp = this.options.timestampNow();
      let status: number | undefined;
      let error: string | undefined;
      try {
        const res = await fetch(targetUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hubspot-signature-v3': signatureV3(clientSecret, 'POST', targetUrl, body, timestamp),
            'x-hubspot-request-timestamp': String(timestamp),
            'x-hubspot-signature': createHash('sha256')
              .update(clientSecret + body)
              .digest('hex'),
            'x-hubspot-signature-version': 'v1',
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch (e) {
        error = (e as Error).message;
      }
      const delivered = status !== undefined && status >= 200 && status < 300;
      this.deliveries.push({
        attemptNumber: attempt,
        eventIds: batch.map((e) => e.eventId),
        status,
        error,
        delivered,
      });
      if (delivered) return;
      if (status !== undefined && status < 500 && status !== 429) return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeping.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeping.add(entry);
    });
  }
}

/** Stable per subscription (and property, for propertyChange), as HubSpot's ids are. */
function subscriptionId(type: WebhookSubscriptionType, propertyName: string | undefined): number {
  const digest = createHash('sha1')
    .update(`${type}:${propertyName ?? ''}`)
    .digest();
  return 100_000 + (digest.readUInt32BE(0) % 900_000);
}
