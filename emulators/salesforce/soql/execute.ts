import type { ObjectSchema } from '../schema/schema-registry.ts';
import type { SfRecord } from '../sf-record.ts';
import type { SalesforceStore } from '../store.ts';
import { formatDatetime } from '../values.ts';
import type { CompiledQuery, CompiledSubquery, OutNode, SortKey } from './compile.ts';

/**
 * Runs a compiled query to a row snapshot (record versions, immutable) and projects rows into
 * the REST JSON shape. Row selection uses the id map for `Id =`/`IN`, the SystemModstamp index
 * for incremental-sync shapes, and a scan otherwise.
 */

export function selectRows(store: SalesforceStore, q: CompiledQuery, scanAll: boolean): SfRecord[] {
  const table = store.table(q.object.name);
  const pred = q.predicate;
  const include = (r: SfRecord) => (scanAll || !r.IsDeleted) && (pred === undefined || pred(r));
  const skip = q.offset ?? 0;
  const need = q.limit === undefined ? Number.POSITIVE_INFINITY : skip + q.limit;
  let rows: SfRecord[] = [];
  if (q.idFilter) {
    const seen = new Set<string>();
    for (const id of q.idFilter) {
      if (seen.has(id)) continue;
      seen.add(id);
      const r = table.get(id);
      if (r && include(r)) rows.push(r);
    }
    if (q.sort.length) rows = sortRows(rows, q.sort);
  } else if (q.indexOrder && (q.modstampFrom || q.sort.length > 0)) {
    const from = q.modstampFrom ?? { ms: Number.NEGATIVE_INFINITY, exclusive: false };
    for (const r of table.modstamp.scan(from.ms, from.exclusive, table.isLive)) {
      if (!include(r)) continue;
      rows.push(r);
      if (rows.length >= need) break;
    }
  } else {
    for (const r of table.byId.values()) if (include(r)) rows.push(r);
    if (q.sort.length) rows = sortRows(rows, q.sort);
  }
  if (skip > 0 || rows.length > need) rows = rows.slice(skip, need);
  return rows;
}

type SortValue = string | number | null;

function sortValue(v: unknown, kind: SortKey['kind']): SortValue {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'text':
      return String(v).toLowerCase();
    case 'boolean':
      return v ? 1 : 0;
    case 'number':
      return typeof v === 'number' ? v : Number(v);
    default:
      return String(v);
  }
}

/** Decorate-sort-undecorate: key values computed once per row, not per comparison. */
export function sortRows(rows: SfRecord[], keys: SortKey[]): SfRecord[] {
  const decorated = rows.map((r) => ({ r, k: keys.map((key) => sortValue(key.accessor(r), key.kind)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const x = a.k[i]!;
      const y = b.k[i]!;
      if (x === y) continue;
      if (x === null) return key.nullsFirst ? -1 : 1;
      if (y === null) return key.nullsFirst ? 1 : -1;
      const c = x < y ? -1 : 1;
      return key.descending ? -c : c;
    }
    return 0;
  });
  return decorated.map((d) => d.r);
}

export interface ProjectContext {
  store: SalesforceStore;
  version: string;
  scanAll: boolean;
  /** Child rows emitted so far; they count toward the batch size. */
  childRows: number;
}

export function wireValue(type: string, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (type === 'datetime' && typeof v === 'number') return formatDatetime(v);
  return v;
}

export function attributes(schema: ObjectSchema, id: string, version: string): { type: string; url: string } {
  return { type: schema.name, url: `/services/data/v${version}/sobjects/${schema.name}/${id}` };
}

export function projectRecord(
  ctx: ProjectContext,
  schema: ObjectSchema,
  rec: SfRecord,
  out: OutNode[],
): Record<string, unknown> {
  const o: Record<string, unknown> = { attributes: attributes(schema, rec.Id, ctx.version) };
  for (const node of out) {
    switch (node.kind) {
      case 'field':
        o[node.key] = wireValue(node.field.type, rec[node.field.name]);
        break;
      case 'parent': {
        const id = rec[node.refField.name];
        const parent = typeof id === 'string' ? ctx.store.lookup(id) : undefined;
        const ps = parent ? ctx.store.schema.objectByPrefix(parent.Id.slice(0, 3)) : undefined;
        o[node.key] =
          parent && ps && !parent.IsDeleted ? projectRecord(ctx, ps, parent, node.children) : null;
        break;
      }
      case 'subquery': {
        const rows = childRows(ctx, node.sub, rec);
        ctx.childRows += rows.length;
        o[node.key] = rows.length
          ? {
              totalSize: rows.length,
              done: true,
              records: rows.map((c) => projectRecord(ctx, node.sub.child, c, node.sub.out)),
            }
          : null;
        break;
      }
    }
  }
  return o;
}

function childRows(ctx: ProjectContext, sub: CompiledSubquery, parent: SfRecord): SfRecord[] {
  const table = ctx.store.table(sub.child.name);
  const ids = table.childIds(sub.rel.field, parent.Id);
  if (!ids) return [];
  let rows: SfRecord[] = [];
  for (const id of ids) {
    const r = table.get(id);
    if (!r || (r.IsDeleted && !ctx.scanAll)) continue;
    if (sub.predicate && !sub.predicate(r)) continue;
    rows.push(r);
  }
  if (sub.sort.length) rows = sortRows(rows, sub.sort);
  if (sub.limit !== undefined) rows = rows.slice(0, sub.limit);
  return rows;
}
