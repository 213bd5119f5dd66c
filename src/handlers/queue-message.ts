import { createHash } from 'node:crypto';
import { z } from 'zod';
import { messageBytes } from '../aws/sqs-batches.ts';
import { CrmNameSchema, type Lead, LeadSchema } from '../domain/lead.ts';
import type { OutgoingMessage } from '../ports/message-queue.ts';

/**
 * What travels on the leads queue, version 1:
 * - `leads`: leads as the scheduled sync read them (snapshots at their `modifiedAt`), several a
 *   message (`packLeadMessages`) because SQS bills per request, per 64 KB of it: ten leads a message
 *   take a fifth of the requests one a message does (docs/cost.md). The price: `batchItemFailures`
 *   names messages, so a lead that must come back brings its message-mates with it, and they are
 *   decided again (idempotent: the same fields, never a second task);
 * - `lead`: one lead (builds before the packing sent these; still read);
 * - `refresh`: record ids a webhook reported as changed; the worker reads them through the connector.
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

/** Leads a packed message carries at most (`sync.leadsPerMessage` in infra/settings.yml is within it). */
export const MAX_LEADS_PER_MESSAGE = 100;

export const LeadsMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal('leads'),
  crm: CrmNameSchema,
  leads: z.array(LeadSchema).min(1).max(MAX_LEADS_PER_MESSAGE),
  /** As on `lead`: every lead of the message was sent for its account's change. */
  trigger: z.literal('account').optional(),
});
export type LeadsMessage = z.infer<typeof LeadsMessageSchema>;

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

export const QueueMessageSchema = z.discriminatedUnion('kind', [
  LeadMessageSchema,
  LeadsMessageSchema,
  RefreshMessageSchema,
]);
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

/** A lead too large for a queue message of its own (`packLeadMessages`). */
export interface OversizedLead {
  lead: Lead;
  bytes: number;
}

/**
 * The leads packed into `leads` messages in input order: at most `leadsPerMessage` leads and
 * `maxMessageBytes` (as SQS counts it, `messageBytes`) a message. Each lead is serialised once. A
 * lead that does not fit a message even alone is returned in `oversized`, not sent. The message id is
 * a hash of its leads' ids and versions (`leadMessageId`), so the same page packs to the same ids; the
 * trace attribute carries it, and the worker logs each lead's id. A message of one lead is a `lead`
 * message, with its readable id.
 */
export function packLeadMessages(
  leads: readonly Lead[],
  limits: { leadsPerMessage: number; maxMessageBytes: number },
  trigger?: 'account',
): { messages: OutgoingMessage[]; oversized: OversizedLead[] } {
  const perMessage = Math.max(1, Math.min(MAX_LEADS_PER_MESSAGE, Math.floor(limits.leadsPerMessage)));
  const messages: OutgoingMessage[] = [];
  const oversized: OversizedLead[] = [];
  // The pack being filled: its leads, their JSON, and the bytes of that JSON with its commas.
  let members: Lead[] = [];
  let parts: string[] = [];
  let bytes = 0;
  const head = (c: Lead['crm']) => `{"v":1,"kind":"leads","crm":${JSON.stringify(c)},"leads":[`;
  const tail = trigger ? `],"trigger":"${trigger}"}` : ']}';
  // The id in its attribute (name, `String`, value: `p-` or `pa-` and 40): what messageBytes adds.
  const attributeBytes = TRACE_ATTRIBUTE.length + 'String'.length + (trigger ? 43 : 42);
  const fixedBytes = (c: Lead['crm']) => head(c).length + tail.length + attributeBytes;
  const fits = (m: OutgoingMessage) => messageBytes(m) <= limits.maxMessageBytes;
  const flush = () => {
    const first = members[0];
    if (!first) return;
    // Alone, a lead keeps its readable id (`leadMessageId`), if that form fits too.
    const alone = members.length === 1 ? leadMessage(first, trigger) : null;
    if (alone && fits(alone)) messages.push(alone);
    else {
      const hash = createHash('sha256').update(members.map(leadMessageId).join('\u0000'));
      const id = `${trigger ? 'pa' : 'p'}-${hash.digest('base64url').slice(0, 40)}`;
      messages.push({
        id,
        body: `${head(first.crm)}${parts.join(',')}${tail}`,
        attributes: { [TRACE_ATTRIBUTE]: id },
      });
    }
    members = [];
    parts = [];
    bytes = 0;
  };
  for (const lead of leads) {
    const json = JSON.stringify(lead);
    const size = Buffer.byteLength(json, 'utf8');
    if (fixedBytes(lead.crm) + size > limits.maxMessageBytes) {
      // Too large to pack; as a message of its own (a shorter head, maybe a shorter id) it may fit.
      const alone = leadMessage(lead, trigger);
      if (fits(alone)) {
        flush();
        messages.push(alone);
      } else oversized.push({ lead, bytes: messageBytes(alone) });
      continue;
    }
    if (
      members.length > 0 &&
      (lead.crm !== members[0]!.crm ||
        members.length >= perMessage ||
        fixedBytes(lead.crm) + bytes + 1 + size > limits.maxMessageBytes)
    )
      flush();
    bytes += size + (members.length > 0 ? 1 : 0);
    members.push(lead);
    parts.push(json);
  }
  flush();
  return { messages, oversized };
}
