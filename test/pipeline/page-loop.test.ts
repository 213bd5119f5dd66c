import { describe, expect, it } from 'vitest';
import { readPagesAndCommit } from '../../src/pipeline/page-loop.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { LeadPage, LeadSource, SyncCursor } from '../../src/ports/lead-source.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { collected } from '../support/collected.ts';
import { hotLead, NOW } from './pipeline-fixtures.ts';

const at = (minute: number): SyncCursor => ({
  modifiedAt: `2026-11-24T01:${String(minute).padStart(2, '0')}:00.000Z`,
  idsAtModifiedAt: [],
});

/** Pages in order; `throwAt` makes the source fail when that page would be read. */
function source(pages: LeadPage[], throwAt?: number): LeadSource {
  return {
    crm: 'salesforce',
    async *readChanges() {
      for (const [i, page] of pages.entries()) {
        if (i === throwAt) throw new Error('read failed');
        yield page;
      }
    },
  };
}

const page = (minute: number, ids: string[] = [], deletedIds: string[] = []): LeadPage => ({
  leads: ids.map((id) => hotLead(id)),
  deletedIds,
  cursor: at(minute),
});

describe('readPagesAndCommit', () => {
  it('commits each handed-off page past the stored cursor, never one behind it, and leaves deleted records out', async () => {
    const state = new MemoryStateStore({ clock: fixedClock(NOW) });
    const stored = await state.putCursor('k', at(5), null);
    const handed: string[][] = [];
    const committed: string[] = [];
    const r = await readPagesAndCommit({
      source: source([page(3, ['A']), page(5, ['B']), page(7, ['C', 'D'], ['D']), page(9, ['E'])]),
      state,
      key: 'k',
      stored,
      start: at(0),
      handle: async (leads) => {
        handed.push(leads.map((l) => l.id));
        return null;
      },
      committed: (c) => committed.push(c.modifiedAt),
    });
    expect(r).toEqual({ stop: null, endedEarly: false });
    expect(handed).toEqual([['A'], ['B'], ['C'], ['E']]);
    expect(committed).toEqual([at(7).modifiedAt, at(9).modifiedAt]);
    expect((await state.getCursor('k'))?.cursor).toEqual(at(9));
  });

  it('a stop from the hand-off, a failing source or a lost lease leaves the page uncommitted; enough ends early', async () => {
    const state = new MemoryStateStore({ clock: fixedClock(NOW) });
    const base = { state, key: 'k', stored: null, handle: async () => null };
    const stopped = await readPagesAndCommit({
      ...base,
      source: source([page(1, ['A']), page(2, ['B'])]),
      handle: async (leads) =>
        leads[0]?.id === 'B' ? { kind: 'transient', action: 'retry', code: 'x', message: 'x' } : null,
    });
    expect(stopped.stop?.code).toBe('x');
    expect((await state.getCursor('k'))?.cursor).toEqual(at(1));

    const failed = await readPagesAndCommit({
      ...base,
      stored: await state.getCursor('k'),
      source: source([page(3), page(4)], 1),
    });
    expect(failed.stop).toMatchObject({ kind: 'error', code: 'unexpected' });
    expect((await state.getCursor('k'))?.cursor).toEqual(at(3));

    const lost = await readPagesAndCommit({
      ...base,
      stored: await state.getCursor('k'),
      source: source([page(5)]),
      beforeCommit: () => {
        throw new Error('lease lost');
      },
    });
    expect(lost.stop?.message).toBe('lease lost');
    expect((await state.getCursor('k'))?.cursor).toEqual(at(3));

    const early = await readPagesAndCommit({
      ...base,
      stored: await state.getCursor('k'),
      source: source([page(6), page(8)]),
      enough: () => true,
    });
    expect(early).toEqual({ stop: null, endedEarly: true });
    expect((await state.getCursor('k'))?.cursor).toEqual(at(6));
  });

  it('closes the source when it ends early, as `for await` would: its `finally` runs on a stop, on enough and on a throw', async () => {
    const state = new MemoryStateStore({ clock: fixedClock(NOW) });
    let closed = 0;
    const closing: LeadSource = {
      crm: 'salesforce',
      async *readChanges() {
        try {
          yield page(1, ['A']);
          yield page(2, ['B']);
        } finally {
          closed++;
        }
      },
    };
    const base = { state, key: 'k', stored: null, source: closing };
    await readPagesAndCommit({
      ...base,
      handle: async () => ({ kind: 'transient', action: 'retry', code: 'x', message: 'x' }),
    });
    await readPagesAndCommit({ ...base, handle: async () => null, enough: () => true });
    await readPagesAndCommit({
      ...base,
      handle: async () => {
        throw new Error('boom');
      },
    });
    expect(closed).toBe(3);
    // Read to the end: closed by the source itself, once.
    await readPagesAndCommit({ ...base, stored: null, handle: async () => null });
    expect(closed).toBe(4);
  });

  it('holds no handled page while the source reads the next one (a page is up to 10,000 leads)', async () => {
    const state = new MemoryStateStore({ clock: fixedClock(NOW) });
    let heldWhileReading: boolean | null = null;
    const src: LeadSource = {
      crm: 'salesforce',
      async *readChanges() {
        let p: LeadPage | null = page(1, ['A', 'B']);
        const first = new WeakRef(p);
        yield p;
        p = null;
        // Reading the next page.
        heldWhileReading = !(await collected(first));
        yield page(2, ['C']);
      },
    };
    const handed: string[] = [];
    const r = await readPagesAndCommit({
      state,
      key: 'k',
      stored: null,
      source: src,
      handle: async (leads) => {
        handed.push(...leads.map((l) => l.id));
        return null;
      },
    });
    expect(r.stop).toBeNull();
    expect(handed).toEqual(['A', 'B', 'C']);
    expect(heldWhileReading).toBe(false);
  });
});
