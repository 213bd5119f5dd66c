import { describe, expect, it } from 'vitest';
import type { CrmConnector } from '../../src/ports/crm-connector.ts';
import type { FollowUpTask } from '../../src/ports/lead-sink.ts';
import type { LeadPage, SyncCursor } from '../../src/ports/lead-source.ts';

/**
 * What the sync pipeline relies on from a connector (docs/pipeline.md, "What the connectors must
 * guarantee"). The fake CRM runs it (test/fakes/fake-crm.test.ts), and so do both real connectors,
 * built through their CRM module against their emulators (test/connectors/<crm>/contract.test.ts):
 * a `setup` seeds the leads and returns their CRM ids and object type.
 */
export interface ConnectorContractSetup {
  connector: CrmConnector;
  /** CRM ids of the seeded leads (at least 7), all readable by `readChanges({ since: null })`. */
  ids: string[];
  objectType: string;
  /** A user id tasks may be assigned to. */
  ownerId: string;
  teardown?: () => Promise<void>;
  /**
   * Called after a write, before the read that must show it: lets the CRM's clock pass the
   * connector's read lag (Salesforce reads up to a few seconds before the server's now).
   */
  settle?: () => void;
}

async function all(pages: AsyncIterable<LeadPage>): Promise<LeadPage[]> {
  const out: LeadPage[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

export function describeConnectorContract(name: string, setup: () => Promise<ConnectorContractSetup>): void {
  describe(`${name}: connector contract`, () => {
    it('hands off every changed lead exactly once, page by page', async () => {
      const s = await setup();
      try {
        const pages = await all(s.connector.source.readChanges({ since: null }));
        const ids = pages.flatMap((p) => p.leads.map((l) => l.id));
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual(expect.arrayContaining(s.ids));
        for (const p of pages) expect(p.cursor.idsAtModifiedAt.length).toBeGreaterThan(0);
      } finally {
        await s.teardown?.();
      }
    });

    it('resuming from any page cursor neither loses nor repeats a lead', async () => {
      const s = await setup();
      try {
        const first = await all(s.connector.source.readChanges({ since: null }));
        const seen = new Set<string>();
        let cursor: SyncCursor | null = null;
        // Read one page at a time, each from the previous page's cursor, as separate runs would. A
        // `limit` may make pages smaller than a full read's, so read until nothing is left (bounded).
        const reads = first.flatMap((p) => p.leads).length + first.length + 1;
        for (let i = 0; i < reads; i++) {
          const next = await all(s.connector.source.readChanges({ since: cursor, limit: 1 }));
          if (next.length === 0) break;
          for (const l of next[0]!.leads) {
            expect(seen.has(l.id)).toBe(false);
            seen.add(l.id);
          }
          cursor = next[0]!.cursor;
        }
        expect([...seen]).toEqual(expect.arrayContaining(s.ids));
      } finally {
        await s.teardown?.();
      }
    });

    it('creates one task per key, however often it is asked, and answers one outcome per task in order', async () => {
      const s = await setup();
      try {
        const task = (leadId: string, key: string): FollowUpTask => ({
          key,
          leadId,
          objectType: s.objectType,
          ownerId: s.ownerId,
          subject: '【トスアップ】contract',
          body: 'contract test',
          dueAt: '2026-11-25T01:00:00.000Z',
          dueDate: '2026-11-25',
          priority: 'high',
        });
        const key = `tu_contract_${Date.now().toString(36)}`;
        const first = await s.connector.sink.createTasks([task(s.ids[0]!, key), task(s.ids[1]!, `${key}b`)]);
        expect(first.map((o) => o.ok)).toEqual([true, true]);
        expect(first[0]).toMatchObject({ created: true });
        const again = await s.connector.sink.createTasks([task(s.ids[0]!, key)]);
        expect(again).toEqual([{ ok: true, id: first[0]!.id, created: false }]);
      } finally {
        await s.teardown?.();
      }
    });

    it('writes the toss-up fields of each record, reports a bad record as invalid_record, and the next read shows the write', async () => {
      const s = await setup();
      try {
        const outcomes = await s.connector.sink.writeTossUp([
          {
            leadId: s.ids[2]!,
            objectType: s.objectType,
            fields: {
              flag: 'yes',
              reason: '契約テスト',
              nextAction: 'field_sales_tossup',
              decisionKey: 'tu_contract',
            },
          },
          { leadId: 'does-not-exist-000', objectType: s.objectType, fields: { flag: 'no' } },
        ]);
        expect(outcomes).toHaveLength(2);
        expect(outcomes[0]).toMatchObject({ ok: true, id: s.ids[2] });
        expect(outcomes[1]).toMatchObject({ ok: false, id: 'does-not-exist-000', kind: 'invalid_record' });
        s.settle?.();
        const pages = await all(s.connector.source.readChanges({ since: null }));
        const lead = pages.flatMap((p) => p.leads).find((l) => l.id === s.ids[2]);
        expect(lead?.current).toMatchObject({
          flag: 'yes',
          reason: '契約テスト',
          nextAction: 'field_sales_tossup',
          decisionKey: 'tu_contract',
        });
        expect(s.connector.usage().minimum).toBeGreaterThan(0);
      } finally {
        await s.teardown?.();
      }
    });
  });
}
