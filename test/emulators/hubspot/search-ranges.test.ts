import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrmStore } from '../../../emulators/hubspot/crm-store.ts';
import { executeSearch, parseSearchRequest } from '../../../emulators/hubspot/search-engine.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';

const BASE = Date.parse('2026-11-01T00:00:00.000Z');

/** Contacts modified at one of a few milliseconds (many ties), some archived, some edited later. */
function storeOf(times: readonly number[], archived: readonly number[], edits: readonly [number, number][]) {
  const clock = new EmulatorClock();
  clock.pin(new Date(BASE).toISOString());
  const store = new CrmStore({ clock, customProperties: 'none' });
  const ids = times.map(
    (t, i) => store.create('contacts', { firstname: `p${i}` }, { system: true, at: BASE + t }).id,
  );
  for (const [i, t] of edits)
    store.update('contacts', ids[i % ids.length]!, { lastname: 'x' }, { at: BASE + t });
  for (const i of archived) store.archive('contacts', ids[i % ids.length]!);
  return { store, ids };
}

/** What the search means, by brute force: every live record tested, sorted by (time, id). */
function expected(store: CrmStore, body: Record<string, unknown>) {
  const search = parseSearchRequest(store, 'contacts', body);
  const all = store
    .table('contacts')
    .order.filter((r) => !r.archived && search.groups.some((g) => g.every((f) => f.predicate(r))))
    .sort((a, b) => a.updatedAt - b.updatedAt || a.idNum - b.idNum);
  if (search.sort?.descending) all.reverse();
  return { total: all.length, ids: all.slice(search.after, search.after + search.limit).map((r) => r.id) };
}

describe('HubSpot emulator: keyset searches answered from the modification-time index', () => {
  it('gives the same total and page as testing every record, for ranges less named ids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 14 })), { maxLength: 8 }),
        fc.integer({ min: 0, max: 14 }),
        fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        fc.constantFrom('NOT_IN', 'NEQ'),
        fc.boolean(),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 25 }),
        (times, archived, edits, t, upper, picked, tieGroup, exclusion, descending, after, limit) => {
          const { store, ids } = storeOf(times, archived, edits);
          const excluded = [...new Set(picked.map((i) => ids[i % ids.length]!))];
          const first = [
            { propertyName: 'lastmodifieddate', operator: tieGroup ? 'GT' : 'GTE', value: String(BASE + t) },
          ];
          if (upper !== undefined)
            first.push({ propertyName: 'lastmodifieddate', operator: 'LTE', value: String(BASE + upper) });
          const filterGroups: { filters: Record<string, unknown>[] }[] = [{ filters: first }];
          if (tieGroup && excluded.length > 0)
            filterGroups.push({
              filters: [
                { propertyName: 'lastmodifieddate', operator: 'EQ', value: String(BASE + t) },
                ...(exclusion === 'NOT_IN'
                  ? [{ propertyName: 'hs_object_id', operator: 'NOT_IN', values: excluded }]
                  : excluded.map((id) => ({ propertyName: 'hs_object_id', operator: 'NEQ', value: id }))),
              ],
            });
          const body = {
            filterGroups,
            sorts: [{ propertyName: 'lastmodifieddate', direction: descending ? 'DESCENDING' : 'ASCENDING' }],
            after: String(after),
            limit,
          };
          const answer = executeSearch(store, 'contacts', parseSearchRequest(store, 'contacts', body));
          const want = expected(store, body);
          expect({ total: answer.total, ids: answer.results.map((r) => r.id) }).toEqual(want);
          expect(answer.nextAfter).toBe(after + limit < want.total ? after + limit : undefined);
        },
      ),
      { numRuns: 300 },
    );
  });
});
