import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CrmNameSchema, type Lead, LeadSchema } from '../domain/lead.ts';
import type { OutgoingMessage } from '../ports/message-queue.ts';

/**
 * What travels on the leads queue, version 1:
 * - `lead`: one lead as the scheduled sync read it (a snapshot at its `modifiedAt`);
 * - `refresh`: record ids a webhook reported as changed; the worker reads them through the connector.
 * One lead per message, so `batchItemFailures` can name exactly the leads that must come back.
 */
export const LeadMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal('lead'),
  crm: CrmNameSchema,
  lead: LeadSchema,
  /**
   * `account`: the lead did not change itself, its account did (account-level triggers): the worker
   * decides it without a version claim, since its own version was decided already.
   */
  trigger: z.literal('account').optional(),
});
export type LeadMessage = z.infer<typeof LeadMessageSchema>;

export const RefreshMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal('refresh'),
  crm: CrmNameSchema,
  objectType: z.string().min(1),
  ids: z.array(z.string().min(1)).min(1).max(100),
  /** Who asked, for the logs (e.g. `hubspot-webhook`). */
  source: z.string().min(1),
});
export type RefreshMessage = z.infer<typeof RefreshMessageSchema>;

export const QueueMessageSchema = z.discriminatedUnion('kind', [LeadMessageSchema, RefreshMessageSchema]);
export type QueueMessage = z.infer<typeof QueueMessageSchema>;

/** Message attribute that carries the deterministic id into the SQS console and the worker's logs. */
export const TRACE_ATTRIBUTE = 'tossupId';

const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * `<crm initial>-<objectType>-<id>-<modifiedAt ms>`, e.g. `h-contact-1501-1763715600000`: the same lead
 * version always gets the same id, so a message in the queue, the DLQ or a log line can be traced to
 * the lead and version it carries. Ids that do not fit SQS's entry-id rules (80 characters of
 * `[A-Za-z0-9_-]`) fall back to a hash of the same parts.
 */
export function leadMessageId(lead: Pick<Lead, 'crm' | 'objectType' | 'id' | 'modifiedAt'>): string {
  const at = lead.modifiedAt ? Date.parse(lead.modifiedAt) : 0;
  const readable = `${lead.crm[0]}-${lead.objectType}-${lead.id}-${at}`;
  if (ENTRY_ID.test(readable)) return readable;
  const hash = createHash('sha256').update(`${lead.crm}\u0000${lead.objectType}\u0000${lead.id}\u0000${at}`);
  return `${lead.crm[0]}-x-${hash.digest('base64url').slice(0, 40)}`;
}

export function leadMessage(lead: Lead, trigger?: 'account'): OutgoingMessage {
  const id = trigger ? `a-${leadMessageId(lead).slice(0, 78)}` : leadMessageId(lead);
  const body: LeadMessage = { v: 1, kind: 'lead', crm: lead.crm, lead, ...(trigger ? { trigger } : {}) };
  return { id, body: JSON.stringify(body), attributes: { [TRACE_ATTRIBUTE]: id } };
}

export function refreshMessage(message: Omit<RefreshMessage, 'v' | 'kind'>, idSeed: string): OutgoingMessage {
  const body: RefreshMessage = { v: 1, kind: 'refresh', ...message };
  const id = `r-${createHash('sha256').update(idSeed).digest('base64url').slice(0, 40)}`;
  return { id, body: JSON.stringify(body), attributes: { [TRACE_ATTRIBUTE]: id } };
}
