/**
 * What the core asks of chat notifications: "tell this target about this step of this toss-up
 * episode". The core never waits on chat and never sees a chat failure: `Notifier.notify` records the
 * request (the outbox) and returns; delivery, retries and rate limits happen behind the port.
 */

export const NOTIFICATION_EVENTS = [
  'toss-up',
  'reminder',
  'escalation',
  'reassignment',
  /** A toss-up waits for the manager's approval (src/approval/): the request and its reminders. */
  'approval_requested',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export type ChatLanguage = 'ja' | 'en';

/** Where the CRM record lives, enough to build a deep link (no API call). */
export type CrmRecordRef =
  | {
      crm: 'salesforce';
      /** `https://<my-domain>.my.salesforce.com` (the Lightning host is derived from it). */
      instanceUrl: string;
      objectType: 'Lead' | 'Contact';
      id: string;
    }
  | {
      crm: 'hubspot';
      portalId: string;
      contactId: string;
      /** `https://app.hubspot.com` by default; `https://app-eu1.hubspot.com` for EU portals. */
      appBaseUrl?: string;
    };

/**
 * One notification of one episode step. Only the lead's name and company are personal data here, on
 * purpose: a chat channel is read by more people than the CRM record is (no e-mail, phone or notes).
 */
export interface Notification {
  /** The episode key (src/pipeline/episode-key.ts) of the toss-up this is about. */
  episodeKey: string;
  /** Ladder step within the episode, e.g. `toss-up`, `remind-75`, `breach`, `reassign-1`. */
  step: string;
  event: NotificationEvent;
  language: ChatLanguage;
  lead: { name: string; company?: string };
  record: CrmRecordRef;
  /** Next action code (`call`, `visit`, …) as in mappings. */
  nextAction?: string;
  /** When the SLA is due, ISO 8601. */
  dueAt?: string;
  /** Display names of the reps involved (never their e-mail addresses). */
  ownerName?: string;
  previousOwnerName?: string;
}

/**
 * A Slack channel (per team, by id or name), a rep found by e-mail (`users.lookupByEmail`), or a Teams
 * webhook by its configured name: the webhook URL carries a signature and is a secret, so it is held
 * by the adapter, not stored in the outbox or logged.
 */
export type NotificationTarget =
  | { kind: 'slack-channel'; channel: string }
  | { kind: 'slack-user'; email: string }
  | { kind: 'teams-webhook'; webhook: string };

/**
 * How one delivery attempt ended.
 * - `sent`: the chat service accepted it.
 * - `retry`: it certainly was not posted (429, 5xx, connection refused); try again, not before
 *   `retryAfterMs` if given.
 * - `failed`: it was not posted and never will be as configured (unknown channel, bad token).
 * - `unknown`: it may have been posted (timeout after the request was sent); not retried, because a
 *   notification is sent at most once per episode step.
 */
export type SendOutcome =
  | { status: 'sent'; ref?: string }
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  | { status: 'failed'; reason: string }
  | { status: 'unknown'; reason: string };

/** The few log calls the notification code makes; a pino logger fits. Never given tokens, e-mails or bodies. */
export interface ChatLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** One chat service (Slack Web API, Teams webhook). Never throws: every failure is an outcome. */
export interface ChatSender {
  accepts(target: NotificationTarget): boolean;
  send(notification: Notification, target: NotificationTarget): Promise<SendOutcome>;
}

/** The port the core calls. Never throws and never blocks on the chat service. */
export interface Notifier {
  notify(notification: Notification, targets: readonly NotificationTarget[]): Promise<void>;
}

/** The key that makes a notification idempotent: one per episode step and target. */
export function targetKey(target: NotificationTarget): string {
  switch (target.kind) {
    case 'slack-channel':
      return `slack-channel:${target.channel}`;
    case 'slack-user':
      return `slack-user:${target.email.trim().toLowerCase()}`;
    case 'teams-webhook':
      return `teams-webhook:${target.webhook}`;
  }
}
