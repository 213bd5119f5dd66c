import { describe, expect, it } from 'vitest';
import { decideRelatedLeads } from '../../src/pipeline/related-leads.ts';
import type { AccountChangeSource, RelatedLeadPage } from '../../src/ports/account-changes.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { SyncCursor } from '../../src/ports/lead-source.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { collected } from '../support/collected.ts';
import { hotLead, NOW } from './pipeline-fixtures.ts';

const at = (minute: number): SyncCursor => ({
  modifiedAt: `2026-11-24T02:${String(minute).padStart(2, '0')}:00.000Z`,
  idsAtModifiedAt: [],
});
const page = (minute: number, ids: string[], accountIds: string[]): RelatedLeadPage => ({
  leads: ids.map((id) => hotLead(id)),
  accountIds,
  cursor: at(minute),
});

describe('decideRelatedLeads (the account-trigger phase)', () => {
  it('decides each page, reports its accounts, commits its cursor, and holds no page while the next is read', async () => {
    const state = new MemoryStateStore({ clock: fixedClock(NOW) });
    let heldWhileReading: boolean | null = null;
    const source: AccountChangeSource = {
      async *readChanges() {
        let p: RelatedLeadPage | null = page(1, ['A', 'B'], ['acc1']);
        const first = new WeakRef(p);
        yield p;
        p = null;
        // Reading the next page.
        heldWhileReading = !(await collected(first));
        yield page(2, ['C'], ['acc2', 'acc3']);
      },
    } as AccountChangeSource;
    const decided: string[] = [];
    const pages: [number, number][] = [];
    const stop = await decideRelatedLeads({
      source,
      crm: 'salesforce',
      state,
      key: 'accounts|salesforce|t',
      commit: true,
      handle: async (leads) => {
        decided.push(...leads.map((l) => l.id));
        return null;
      },
      onPage: (accounts, leads) => pages.push([accounts, leads]),
    });
    expect(stop).toBeNull();
    expect(decided).toEqual(['A', 'B', 'C']);
    expect(pages).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect((await state.getCursor('accounts|salesforce|t'))?.cursor).toEqual(at(2));
    expect(heldWhileReading).toBe(false);
  });

  it("closes the source when a page's decision stops the phase", async () => {
    let closed = false;
    const source = {
      async *readChanges() {
        try {
          yield page(1, ['A'], ['acc1']);
          yield page(2, ['B'], ['acc2']);
        } finally {
          closed = true;
        }
      },
    } as AccountChangeSource;
    const stop = await decideRelatedLeads({
      source,
      crm: 'hubspot',
      state: new MemoryStateStore({ clock: fixedClock(NOW) }),
      key: 'k',
      commit: true,
      handle: async () => ({ kind: 'transient', action: 'retry', code: 'x', message: 'x' }),
    });
    expect(stop?.code).toBe('x');
    expect(closed).toBe(true);
  });
});
