import { describe, expect, it } from 'vitest';
import { messageBytes, SQS_LIMITS } from '../../src/aws/sqs-batches.ts';
import type { Lead } from '../../src/domain/lead.ts';
import {
  leadMessage,
  leadMessageId,
  packLeadMessages,
  QueueMessageSchema,
  TRACE_ATTRIBUTE,
} from '../../src/handlers/queue-message.ts';
import { coldLead, hotLead } from '../pipeline/pipeline-fixtures.ts';

const leadsOf = (body: string): Lead[] => {
  const m = QueueMessageSchema.parse(JSON.parse(body));
  if (m.kind === 'leads') return m.leads;
  if (m.kind === 'lead') return [m.lead];
  throw new Error(`not a lead message: ${m.kind}`);
};
const many = (n: number) =>
  Array.from({ length: n }, (_, i) => (i % 2 ? hotLead(`P${i}`) : coldLead(`P${i}`)));

describe('packLeadMessages: several leads a queue message', () => {
  it('packs up to leadsPerMessage leads a message, in order, and every lead comes back as it went in', () => {
    const leads = many(23);
    const { messages, oversized } = packLeadMessages(leads, {
      leadsPerMessage: 10,
      maxMessageBytes: 262_144,
    });
    expect(oversized).toEqual([]);
    expect(messages.map((m) => leadsOf(m.body).length)).toEqual([10, 10, 3]);
    expect(messages.flatMap((m) => leadsOf(m.body))).toEqual(leads);
    for (const m of messages) {
      expect(QueueMessageSchema.parse(JSON.parse(m.body)).kind).toBe('leads');
      expect(m.attributes?.[TRACE_ATTRIBUTE]).toBe(m.id);
      expect(m.id).toMatch(/^p-[A-Za-z0-9_-]{40}$/);
    }
  });

  it('gives the same page the same ids (a re-sent page), and a new version of one lead a new id', () => {
    const leads = many(10);
    const a = packLeadMessages(leads, { leadsPerMessage: 5, maxMessageBytes: 262_144 });
    const b = packLeadMessages(structuredClone(leads), { leadsPerMessage: 5, maxMessageBytes: 262_144 });
    expect(b.messages.map((m) => m.id)).toEqual(a.messages.map((m) => m.id));
    const changed = structuredClone(leads);
    changed[7]!.modifiedAt = '2026-11-30T00:00:00.000Z';
    const c = packLeadMessages(changed, { leadsPerMessage: 5, maxMessageBytes: 262_144 });
    expect(c.messages[0]!.id).toBe(a.messages[0]!.id);
    expect(c.messages[1]!.id).not.toBe(a.messages[1]!.id);
    // An account trigger is another message than the lead's own change.
    const account = packLeadMessages(leads, { leadsPerMessage: 5, maxMessageBytes: 262_144 }, 'account');
    expect(account.messages[0]!.id).toMatch(/^pa-/);
    expect(QueueMessageSchema.parse(JSON.parse(account.messages[0]!.body))).toMatchObject({
      trigger: 'account',
    });
  });

  it('stays within the byte limit as SQS counts it (body and attributes), to the byte', () => {
    // Leads of one size (ids of one length), so the limit of three is exact.
    const leads = Array.from({ length: 12 }, (_, i) => coldLead(`Q${String(i).padStart(2, '0')}`));
    const three = packLeadMessages(leads, { leadsPerMessage: 3, maxMessageBytes: 262_144 }).messages;
    const exact = Math.max(...three.map(messageBytes));
    const at = packLeadMessages(leads, { leadsPerMessage: 50, maxMessageBytes: exact });
    expect(at.messages.map((m) => leadsOf(m.body).length)).toEqual([3, 3, 3, 3]);
    // One byte less and the third lead no longer fits.
    const under = packLeadMessages(leads, { leadsPerMessage: 50, maxMessageBytes: exact - 1 });
    expect(under.oversized).toEqual([]);
    expect(under.messages.map((m) => leadsOf(m.body).length)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const m of [...at.messages, ...under.messages]) expect(messageBytes(m)).toBeLessThanOrEqual(exact);
    for (const m of under.messages) expect(messageBytes(m)).toBeLessThanOrEqual(exact - 1);
    expect(under.messages.flatMap((m) => leadsOf(m.body))).toEqual(leads);
  });

  it('counts the longer id of an account pack too, to the byte', () => {
    const leads = Array.from({ length: 6 }, (_, i) => coldLead(`Q${String(i).padStart(2, '0')}`));
    const three = packLeadMessages(leads, { leadsPerMessage: 3, maxMessageBytes: 262_144 }, 'account');
    const exact = Math.max(...three.messages.map(messageBytes));
    const at = packLeadMessages(leads, { leadsPerMessage: 50, maxMessageBytes: exact }, 'account');
    expect(at.messages.map((m) => leadsOf(m.body).length)).toEqual([3, 3]);
    const under = packLeadMessages(leads, { leadsPerMessage: 50, maxMessageBytes: exact - 1 }, 'account');
    expect(under.messages.map((m) => leadsOf(m.body).length)).toEqual([2, 2, 2]);
    for (const m of under.messages) expect(messageBytes(m)).toBeLessThanOrEqual(exact - 1);
  });

  it('leaves out a lead too large for any message and says how large; a lone lead keeps its readable id', () => {
    const huge = hotLead('BIG');
    huge.activities = Array.from({ length: 3000 }, (_, i) => ({
      type: 'page_view' as const,
      at: '2026-11-20T01:00:00.000Z',
      page: `pricing-${'x'.repeat(80)}-${i}`,
    }));
    const small = coldLead('SMALL');
    const { messages, oversized } = packLeadMessages([huge, small], {
      leadsPerMessage: 10,
      maxMessageBytes: SQS_LIMITS.maxMessageBytes,
    });
    expect(oversized).toHaveLength(1);
    expect(oversized[0]!.lead.id).toBe('BIG');
    expect(oversized[0]!.bytes).toBeGreaterThan(SQS_LIMITS.maxMessageBytes);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.id).toBe(leadMessageId(small));
    expect(QueueMessageSchema.parse(JSON.parse(messages[0]!.body)).kind).toBe('lead');
  });

  it('sends a lead too large to pack as a message of its own when that fits, in its place', () => {
    const big = hotLead('B1');
    big.activities = Array.from({ length: 40 }, (_, i) => ({
      type: 'page_view' as const,
      at: '2026-11-20T01:00:00.000Z',
      page: `pricing-${i}`,
    }));
    const leads = [coldLead('A1'), coldLead('A2'), big, coldLead('A3')];
    const alone = leadMessage(big);
    // Room for B1 as a message of its own (a shorter head and id), not packed; and for A1 and A2
    // packed together, so they are waiting in a pack when B1 comes.
    const limit = messageBytes(alone);
    const { messages, oversized } = packLeadMessages(leads, { leadsPerMessage: 10, maxMessageBytes: limit });
    expect(oversized).toEqual([]);
    expect(messages.flatMap((m) => leadsOf(m.body)).map((l) => l.id)).toEqual(['A1', 'A2', 'B1', 'A3']);
    expect(messages.find((m) => m.id === alone.id)?.body).toBe(alone.body);
    expect(leadsOf(messages[0]!.body).map((l) => l.id)).toEqual(['A1', 'A2']);
    for (const m of messages) expect(messageBytes(m)).toBeLessThanOrEqual(limit);
  });

  it('never mixes CRMs in one message', () => {
    const a = coldLead('A');
    const b = { ...coldLead('B'), crm: 'hubspot' as const, objectType: 'contact' as const };
    const { messages } = packLeadMessages([a, coldLead('A2'), b], {
      leadsPerMessage: 10,
      maxMessageBytes: 262_144,
    });
    expect(messages.map((m) => leadsOf(m.body).map((l) => l.crm))).toEqual([
      ['salesforce', 'salesforce'],
      ['hubspot'],
    ]);
  });
});
