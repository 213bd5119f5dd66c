import type { CrmRecord, CrmStore, TypeTable } from './crm-store.ts';
import { validationError } from './hubspot-errors.ts';
import type { IndexPosition } from './modified-time-index.ts';
import { OBJECT_TYPE_INFO, type ObjectType } from './object-types.ts';
import type { PropertyDefinition } from './property-definition.ts';
import { parseDateTime } from './property-values.ts';

/**
 * `POST /crm/v3/objects/{type}/search`: request validation with HubSpot's limits, filter
 * evaluation, and a query plan that walks the last-modified index when the search is sorted by
 * modification time, so the connector's keyset query stays fast on a million contacts.
 *
 * Semantics the emulator chose where HubSpot's docs are silent (see README):
 * - EQ/NEQ/IN/NOT_IN on text compare case-insensitively; NEQ and NOT_IN also match records
 *   without a value.
 * - CONTAINS_TOKEN splits values on non-alphanumerics; every token of the filter value must occur,
 *   or, with `*`, the glob must match the whole value or one token.
 * - Records without a value for the sort property come last in either direction.
 */

export const SEARCH_LIMITS = {
  maxLimit: 200,
  defaultLimit: 10,
  maxResults: 10_000,
  maxGroups: 5,
  maxFiltersPerGroup: 10,
  maxFilters: 25,
} as const;

export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
type Operator = (typeof OPERATORS)[number];

type Predicate = (rec: CrmRecord) => boolean;

interface ParsedFilter {
  propertyName: string;
  operator: Operator;
  predicate: Predicate;
  /** Bounds on the record's modification time, when the filter is on a modification property. */
  modifiedRange?: { lo: number; hi: number };
  /** Record ids (numbers) the filter leaves out and nothing else: `hs_object_id` NEQ / NOT_IN. */
  excludesIds?: ReadonlySet<number>;
}

export interface ParsedSearch {
  groups: ParsedFilter[][];
  queryPredicate: Predicate | undefined;
  sort: { propertyName: string; descending: boolean } | undefined;
  properties: string[] | undefined;
  limit: number;
  after: number;
}

export interface SearchOutcome {
  total: number;
  results: CrmRecord[];
  /** Offset of the next page, when there is one. */
  nextAfter: number | undefined;
}

export function parseSearchRequest(store: CrmStore, type: ObjectType, body: unknown): ParsedSearch {
  const req = (body ?? {}) as Record<string, unknown>;
  if (typeof req !== 'object' || Array.isArray(req))
    throw validationError('Invalid input JSON: expected an object.');

  const limit =
    req.limit === undefined || req.limit === null ? SEARCH_LIMITS.defaultLimit : Number(req.limit);
  if (!Number.isInteger(limit) || limit < 0) throw validationError(`limit must be a non-negative integer.`);
  if (limit > SEARCH_LIMITS.maxLimit) {
    throw validationError(`limit must be less than or equal to ${SEARCH_LIMITS.maxLimit}, got ${limit}.`, {
      context: { limit: [String(limit)] },
    });
  }
  let after = 0;
  if (req.after !== undefined && req.after !== null && req.after !== '') {
    after = Number(req.after);
    if (!Number.isInteger(after) || after < 0)
      throw validationError(`after must be a paging offset, got "${String(req.after)}".`);
  }
  if (after + limit > SEARCH_LIMITS.maxResults) {
    throw validationError(
      `The search API returns at most ${SEARCH_LIMITS.maxResults} results per query; after (${after}) + limit (${limit}) goes past it.`,
      {
        subCategory: 'crm.search.RESULT_LIMIT_EXCEEDED',
        context: { after: [String(after)], limit: [String(limit)] },
      },
    );
  }

  const groupsIn = req.filterGroups ?? [];
  if (!Array.isArray(groupsIn)) throw validationError('filterGroups must be an array.');
  if (groupsIn.length > SEARCH_LIMITS.maxGroups) {
    throw validationError(
      `Too many filter groups: ${groupsIn.length}. A search may have at most ${SEARCH_LIMITS.maxGroups} filterGroups.`,
    );
  }
  let totalFilters = 0;
  const groups = groupsIn.map((g, gi) => {
    const filters = (g as { filters?: unknown })?.filters;
    if (!Array.isArray(filters)) throw validationError(`filterGroups[${gi}].filters must be an array.`);
    if (filters.length > SEARCH_LIMITS.maxFiltersPerGroup) {
      throw validationError(
        `Too many filters in filterGroups[${gi}]: ${filters.length}. A group may have at most ${SEARCH_LIMITS.maxFiltersPerGroup}.`,
      );
    }
    totalFilters += filters.length;
    return filters.map((f, fi) => parseFilter(store, type, f, `filterGroups[${gi}].filters[${fi}]`));
  });
  if (totalFilters > SEARCH_LIMITS.maxFilters) {
    throw validationError(
      `Too many filters: ${totalFilters}. A search may have at most ${SEARCH_LIMITS.maxFilters} filters in total.`,
    );
  }

  const sortsIn = req.sorts ?? [];
  if (!Array.isArray(sortsIn)) throw validationError('sorts must be an array.');
  if (sortsIn.length > 1) throw validationError('Only one sort is allowed per search.');
  let sort: ParsedSearch['sort'];
  if (sortsIn.length === 1) sort = parseSort(store, type, sortsIn[0]);

  let properties: string[] | undefined;
  if (req.properties !== undefined) {
    if (!Array.isArray(req.properties) || req.properties.some((p) => typeof p !== 'string')) {
      throw validationError('properties must be an array of property names.');
    }
    properties = req.properties as string[];
  }

  let queryPredicate: Predicate | undefined;
  if (typeof req.query === 'string' && req.query.trim() !== '') {
    queryPredicate = queryMatcher(type, req.query);
  }
  return { groups, queryPredicate, sort, properties, limit, after };
}

export function executeSearch(store: CrmStore, type: ObjectType, search: ParsedSearch): SearchOutcome {
  const table = store.table(type);
  const info = OBJECT_TYPE_INFO[type];
  const { limit, after } = search;
  const sortName = search.sort?.propertyName;
  const descending = search.sort?.descending ?? false;

  if (sortName !== undefined && info.modifiedProperties.includes(sortName)) {
    const ranges = disjointRanges(search);
    if (ranges) return walkRanges(table, ranges, descending, after, limit);
    const index = table.modified;
    // A single filter group lets range filters on modification time become index bounds.
    let lo = Number.NEGATIVE_INFINITY;
    let hi = Number.POSITIVE_INFINITY;
    let residual: Predicate | undefined;
    if (search.groups.length === 1) {
      const rest: ParsedFilter[] = [];
      for (const f of search.groups[0]!) {
        if (f.modifiedRange) {
          lo = Math.max(lo, f.modifiedRange.lo);
          hi = Math.min(hi, f.modifiedRange.hi);
        } else rest.push(f);
      }
      residual = rest.length > 0 ? andOf(rest) : undefined;
    } else if (search.groups.length > 1) {
      residual = orOfGroups(search.groups);
    }
    if (search.queryPredicate)
      residual = residual ? both(residual, search.queryPredicate) : search.queryPredicate;
    if (lo > hi) return { total: 0, results: [], nextAfter: undefined };
    const from: IndexPosition = Number.isFinite(lo) ? index.lowerBound(lo) : index.start();
    const to: IndexPosition = Number.isFinite(hi) ? index.lowerBound(hi + 1) : index.end();
    if (!residual) {
      // Pure time range: count by rank and jump straight to the page.
      const first = index.rank(from);
      const total = Math.max(0, index.rank(to) - first);
      const results: CrmRecord[] = [];
      if (after < total) {
        const take = Math.min(limit, total - after);
        if (!descending) {
          for (const rec of index.ascending(index.positionOf(first + after), to)) {
            results.push(rec);
            if (results.length === take) break;
          }
        } else {
          const top = index.positionOf(first + total - after);
          for (const rec of index.descending(from, top)) {
            results.push(rec);
            if (results.length === take) break;
          }
        }
      }
      return page(total, results, after, limit);
    }
    const walk = descending ? index.descending(from, to) : index.ascending(from, to);
    return collect(walk, residual, after, limit);
  }

  let predicate: Predicate | undefined = search.groups.length > 0 ? orOfGroups(search.groups) : undefined;
  if (search.queryPredicate)
    predicate = predicate ? both(predicate, search.queryPredicate) : search.queryPredicate;

  if (sortName === undefined || sortName === 'hs_object_id') {
    return collect(idOrder(table.order, descending), predicate, after, limit);
  }

  const def = store.properties.get(type, sortName)!;
  const key = sortKey(type, def);
  const matches: CrmRecord[] = [];
  for (const rec of table.order) if (!rec.archived && (!predicate || predicate(rec))) matches.push(rec);
  const dir = descending ? -1 : 1;
  matches.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === undefined || kb === undefined) {
      if (ka === kb) return a.idNum - b.idNum;
      return ka === undefined ? 1 : -1;
    }
    return (ka < kb ? -1 : ka > kb ? 1 : 0) * dir || a.idNum - b.idNum;
  });
  return page(matches.length, matches.slice(after, after + limit), after, limit);
}

/** One filter group as a modification-time range less some named records. */
interface RangeLessIds {
  lo: number;
  hi: number;
  excluded: Set<number>;
}

/**
 * The groups of a search sorted by modification time, when each is a time range that at most leaves
 * out named ids (the connector's keyset query: `(T, upper]` OR `T` less the ids handed off at T) and
 * no two ranges overlap: then the total is counted from the index's ranks and the excluded ids, and a
 * page is walked, instead of testing every record in the ranges. `undefined` for any other search,
 * which takes the general plan (the answer is the same, only slower: a 1M-contact store walked the
 * whole index per keyset search).
 */
function disjointRanges(search: ParsedSearch): RangeLessIds[] | undefined {
  if (search.queryPredicate || search.groups.length === 0) return undefined;
  const ranges: RangeLessIds[] = [];
  for (const group of search.groups) {
    const r: RangeLessIds = {
      lo: Number.NEGATIVE_INFINITY,
      hi: Number.POSITIVE_INFINITY,
      excluded: new Set(),
    };
    for (const f of group) {
      if (f.modifiedRange) {
        r.lo = Math.max(r.lo, f.modifiedRange.lo);
        r.hi = Math.min(r.hi, f.modifiedRange.hi);
      } else if (f.excludesIds) {
        for (const id of f.excludesIds) r.excluded.add(id);
      } else return undefined;
    }
    if (r.lo <= r.hi) ranges.push(r);
  }
  ranges.sort((a, b) => a.lo - b.lo);
  for (let i = 1; i < ranges.length; i++) if (ranges[i - 1]!.hi >= ranges[i]!.lo) return undefined;
  return ranges;
}

function walkRanges(
  table: TypeTable,
  ranges: readonly RangeLessIds[],
  descending: boolean,
  after: number,
  limit: number,
): SearchOutcome {
  const index = table.modified;
  const bounds = ranges.map((r) => {
    const from = Number.isFinite(r.lo) ? index.lowerBound(r.lo) : index.start();
    const to = Number.isFinite(r.hi) ? index.lowerBound(r.hi + 1) : index.end();
    let excludedInside = 0;
    for (const id of r.excluded) {
      const rec = table.byId.get(String(id));
      if (rec && !rec.archived && rec.updatedAt >= r.lo && rec.updatedAt <= r.hi) excludedInside += 1;
    }
    return { from, to, excluded: r.excluded, count: index.rank(to) - index.rank(from) - excludedInside };
  });
  const total = bounds.reduce((sum, b) => sum + b.count, 0);
  const results: CrmRecord[] = [];
  let skip = after;
  for (const b of descending ? [...bounds].reverse() : bounds) {
    if (results.length >= limit) break;
    // A whole range before the window is skipped by its count, not walked.
    if (skip >= b.count) {
      skip -= b.count;
      continue;
    }
    const walk = descending ? index.descending(b.from, b.to) : index.ascending(b.from, b.to);
    for (const rec of walk) {
      if (b.excluded.has(rec.idNum)) continue;
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      results.push(rec);
      if (results.length >= limit) break;
    }
  }
  return page(total, results, after, limit);
}

function page(total: number, results: CrmRecord[], after: number, limit: number): SearchOutcome {
  const next = after + limit;
  return { total, results, nextAfter: limit > 0 && next < total ? next : undefined };
}

/** Walks every candidate (the total must be exact) and keeps the requested window. */
function collect(
  walk: Iterable<CrmRecord>,
  predicate: Predicate | undefined,
  after: number,
  limit: number,
): SearchOutcome {
  let total = 0;
  const results: CrmRecord[] = [];
  const end = after + limit;
  for (const rec of walk) {
    if (rec.archived || (predicate && !predicate(rec))) continue;
    if (total >= after && total < end) results.push(rec);
    total += 1;
  }
  return page(total, results, after, limit);
}

function* idOrder(order: readonly CrmRecord[], descending: boolean): Generator<CrmRecord> {
  if (!descending) {
    for (const rec of order) yield rec;
  } else {
    for (let i = order.length - 1; i >= 0; i--) yield order[i]!;
  }
}

function andOf(filters: readonly ParsedFilter[]): Predicate {
  const preds = filters.map((f) => f.predicate);
  if (preds.length === 1) return preds[0]!;
  return (rec) => {
    for (const p of preds) if (!p(rec)) return false;
    return true;
  };
}

function orOfGroups(groups: readonly ParsedFilter[][]): Predicate {
  const preds = groups.map((g) => (g.length === 0 ? () => true : andOf(g)));
  if (preds.length === 1) return preds[0]!;
  return (rec) => {
    for (const p of preds) if (p(rec)) return true;
    return false;
  };
}

function both(a: Predicate, b: Predicate): Predicate {
  return (rec) => a(rec) && b(rec);
}

function parseSort(store: CrmStore, type: ObjectType, raw: unknown): ParsedSearch['sort'] {
  let propertyName: string;
  let descending = false;
  if (typeof raw === 'string') {
    descending = raw.startsWith('-');
    propertyName = descending ? raw.slice(1) : raw;
  } else if (typeof raw === 'object' && raw !== null) {
    const s = raw as { propertyName?: unknown; direction?: unknown };
    if (typeof s.propertyName !== 'string') throw validationError('sorts[0].propertyName is required.');
    propertyName = s.propertyName;
    const dir = s.direction ?? 'ASCENDING';
    if (dir !== 'ASCENDING' && dir !== 'DESCENDING') {
      throw validationError(`sorts[0].direction must be ASCENDING or DESCENDING, got ${String(dir)}.`);
    }
    descending = dir === 'DESCENDING';
  } else {
    throw validationError('sorts[0] must be a property name or {propertyName, direction}.');
  }
  if (!store.properties.has(type, propertyName)) {
    throw validationError(`Cannot sort by "${propertyName}": no such ${type} property.`);
  }
  return { propertyName, descending };
}

type Comparable = number | string;

/** How one property's stored values compare: numbers and times numerically, text case-insensitively. */
interface ValueAccess {
  get: (rec: CrmRecord) => Comparable | undefined;
  /** Converts a filter value into the same comparable form; `undefined` when it cannot. */
  convert: (raw: string) => Comparable | undefined;
  /** Multi-select values hold `;`-joined options; equality tests each option. */
  multi: boolean;
}

function valueAccess(type: ObjectType, def: PropertyDefinition): ValueAccess {
  const info = OBJECT_TYPE_INFO[type];
  const name = def.name;
  if (name === 'hs_object_id') {
    return { get: (r) => r.idNum, convert: toNumber, multi: false };
  }
  if (name === info.createdProperty) return { get: (r) => r.createdAt, convert: toMillis, multi: false };
  if (info.modifiedProperties.includes(name))
    return { get: (r) => r.updatedAt, convert: toMillis, multi: false };
  switch (def.type) {
    case 'number':
      return {
        get: (r) => {
          const v = r.props[name];
          return v === undefined ? undefined : Number(v);
        },
        convert: toNumber,
        multi: false,
      };
    case 'datetime':
      return {
        get: (r) => r.props[name],
        convert: (raw) => {
          const ms = parseDateTime(raw);
          return ms === undefined ? undefined : new Date(ms).toISOString();
        },
        multi: false,
      };
    case 'date':
      return {
        get: (r) => r.props[name],
        convert: (raw) => {
          const ms = parseDateTime(raw);
          return ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 10);
        },
        multi: false,
      };
    default:
      return {
        get: (r) => r.props[name]?.toLowerCase(),
        convert: (raw) => raw.toLowerCase(),
        multi: def.fieldType === 'checkbox',
      };
  }
}

function toNumber(raw: string): number | undefined {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

function toMillis(raw: string): number | undefined {
  return parseDateTime(raw);
}

function sortKey(type: ObjectType, def: PropertyDefinition): (rec: CrmRecord) => Comparable | undefined {
  return valueAccess(type, def).get;
}

function parseFilter(store: CrmStore, type: ObjectType, raw: unknown, where: string): ParsedFilter {
  const f = raw as {
    propertyName?: unknown;
    operator?: unknown;
    value?: unknown;
    values?: unknown;
    highValue?: unknown;
  };
  if (typeof f?.propertyName !== 'string') throw validationError(`${where}.propertyName is required.`);
  const operator = f.operator;
  if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
    throw validationError(
      `${where}.operator must be one of ${OPERATORS.join(', ')}; got ${String(operator)}.`,
    );
  }
  const op = operator as Operator;
  const def = store.properties.get(type, f.propertyName);
  if (!def) {
    throw validationError(`${where}: there is no ${type} property named "${f.propertyName}".`, {
      context: { propertyName: [f.propertyName] },
    });
  }
  const access = valueAccess(type, def);
  const { get } = access;
  const scalar = (label: string, v: unknown): Comparable => {
    if (
      v === undefined ||
      v === null ||
      (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
    ) {
      throw validationError(`${where}.${label} is required for operator ${op}.`);
    }
    const converted = access.convert(String(v));
    if (converted === undefined) {
      throw validationError(`${where}.${label} "${String(v)}" is not a valid ${def.type} for ${def.name}.`);
    }
    return converted;
  };
  const equals = (stored: Comparable, x: Comparable): boolean =>
    access.multi && typeof stored === 'string' ? stored.split(';').includes(String(x)) : stored === x;

  const result = (
    predicate: Predicate,
    modifiedRange?: { lo: number; hi: number },
    excludesIds?: ReadonlySet<number>,
  ): ParsedFilter => ({
    propertyName: def.name,
    operator: op,
    predicate,
    ...(modifiedRange ? { modifiedRange } : {}),
    ...(excludesIds ? { excludesIds } : {}),
  });
  const ids = (values: Comparable[]) =>
    def.name === 'hs_object_id' ? new Set(values as number[]) : undefined;
  const isModified = OBJECT_TYPE_INFO[type].modifiedProperties.includes(def.name);
  const range = (lo: number, hi: number) => (isModified ? { lo, hi } : undefined);

  switch (op) {
    case 'EQ': {
      const x = scalar('value', f.value);
      return result(
        (r) => {
          const v = get(r);
          return v !== undefined && equals(v, x);
        },
        range(x as number, x as number),
      );
    }
    case 'NEQ': {
      const x = scalar('value', f.value);
      return result(
        (r) => {
          const v = get(r);
          return v === undefined || !equals(v, x);
        },
        undefined,
        ids([x]),
      );
    }
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE': {
      const x = scalar('value', f.value);
      const test =
        op === 'LT'
          ? (v: Comparable) => v < x
          : op === 'LTE'
            ? (v: Comparable) => v <= x
            : op === 'GT'
              ? (v: Comparable) => v > x
              : (v: Comparable) => v >= x;
      const n = x as number;
      const bounds =
        op === 'LT'
          ? range(Number.NEGATIVE_INFINITY, n - 1)
          : op === 'LTE'
            ? range(Number.NEGATIVE_INFINITY, n)
            : op === 'GT'
              ? range(n + 1, Number.POSITIVE_INFINITY)
              : range(n, Number.POSITIVE_INFINITY);
      return result((r) => {
        const v = get(r);
        return v !== undefined && test(v);
      }, bounds);
    }
    case 'BETWEEN': {
      const lo = scalar('value', f.value);
      const hi = scalar('highValue', f.highValue);
      return result(
        (r) => {
          const v = get(r);
          return v !== undefined && v >= lo && v <= hi;
        },
        range(lo as number, hi as number),
      );
    }
    case 'IN':
    case 'NOT_IN': {
      if (!Array.isArray(f.values) || f.values.length === 0) {
        throw validationError(`${where}.values must be a non-empty array for operator ${op}.`);
      }
      const set = new Set(f.values.map((v, i) => scalar(`values[${i}]`, v)));
      const hit = (v: Comparable) =>
        access.multi && typeof v === 'string' ? v.split(';').some((p) => set.has(p)) : set.has(v);
      return op === 'IN'
        ? result((r) => {
            const v = get(r);
            return v !== undefined && hit(v);
          })
        : result(
            (r) => {
              const v = get(r);
              return v === undefined || !hit(v);
            },
            undefined,
            ids([...set]),
          );
    }
    case 'HAS_PROPERTY':
      return result((r) => get(r) !== undefined);
    case 'NOT_HAS_PROPERTY':
      return result((r) => get(r) === undefined);
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      if (f.value === undefined || f.value === null || String(f.value) === '') {
        throw validationError(`${where}.value is required for operator ${op}.`);
      }
      const matches = tokenMatcher(String(f.value));
      const text = (r: CrmRecord) => store.valueOf(r, def.name);
      return op === 'CONTAINS_TOKEN'
        ? result((r) => {
            const v = text(r);
            return v !== undefined && matches(v);
          })
        : result((r) => {
            const v = text(r);
            return v === undefined || !matches(v);
          });
    }
  }
}

const TOKEN_SPLIT = /[^\p{L}\p{N}]+/u;

function tokens(text: string): string[] {
  return text.toLowerCase().split(TOKEN_SPLIT).filter(Boolean);
}

export function tokenMatcher(pattern: string): (value: string) => boolean {
  const p = pattern.toLowerCase();
  if (p.includes('*')) {
    const re = new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`, 'u');
    return (value) => {
      const v = value.toLowerCase();
      return re.test(v) || tokens(v).some((t) => re.test(t));
    };
  }
  const wanted = tokens(p);
  return (value) => {
    const have = new Set(tokens(value));
    return wanted.length > 0 && wanted.every((t) => have.has(t));
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Free-text `query`: every query word must prefix a token of one of the type's searchable properties. */
function queryMatcher(type: ObjectType, query: string): Predicate {
  const words = tokens(query);
  const props = OBJECT_TYPE_INFO[type].queryProperties;
  return (rec) => {
    const have: string[] = [];
    for (const p of props) {
      const v = rec.props[p];
      if (v !== undefined) have.push(...tokens(v));
    }
    return words.every((w) => have.some((t) => t.startsWith(w)));
  };
}
