import { normalizeId } from '../ids.ts';
import type { ChildRelationship, FieldMeta, ObjectSchema } from '../schema/schema-registry.ts';
import { SfApiError } from '../sf-error.ts';
import type { SfRecord } from '../sf-record.ts';
import type { SalesforceStore } from '../store.ts';
import { dateToMs } from '../values.ts';
import type { Condition, FieldRef, Literal, OrderKey, SelectQuery } from './ast.ts';
import { dateLiteralRange } from './date-literal-range.ts';
import { soqlError } from './soql-error.ts';

/**
 * Binds a parsed query to the org's schema: resolves field paths (parent relationships included),
 * type-checks filter literals the way Salesforce does, and produces closures for filtering,
 * sorting and projecting, plus the hints the executor uses to pick an index.
 */

export type Accessor = (rec: SfRecord) => unknown;

export type OutNode =
  | { kind: 'field'; key: string; field: FieldMeta }
  | { kind: 'parent'; key: string; refField: FieldMeta; children: OutNode[] }
  | { kind: 'subquery'; key: string; sub: CompiledSubquery };

export interface SortKey {
  accessor: Accessor;
  kind: 'text' | 'exact' | 'number' | 'boolean';
  descending: boolean;
  nullsFirst: boolean;
}

export interface CsvColumn {
  header: string;
  field: FieldMeta;
  accessor: Accessor;
}

export interface CompiledSubquery {
  rel: ChildRelationship;
  child: ObjectSchema;
  out: OutNode[];
  predicate: ((r: SfRecord) => boolean) | undefined;
  sort: SortKey[];
  limit: number | undefined;
}

export interface CompiledQuery {
  object: ObjectSchema;
  isCount: boolean;
  out: OutNode[];
  columns: CsvColumn[];
  predicate: ((r: SfRecord) => boolean) | undefined;
  sort: SortKey[];
  limit: number | undefined;
  offset: number | undefined;
  hasSubquery: boolean;
  /** Top-level `Id = ...` / `Id IN (...)`: read these ids instead of scanning. */
  idFilter: string[] | undefined;
  /** Top-level `SystemModstamp >= / > datetime`: start the index scan here. */
  modstampFrom: { ms: number; exclusive: boolean } | undefined;
  /** ORDER BY is absent or is SystemModstamp ASC [, Id ASC]: the modstamp index order satisfies it. */
  indexOrder: boolean;
}

export interface CompileContext {
  store: SalesforceStore;
  soql: string;
  now: number;
}

const TEXT_TYPES = new Set(['string', 'textarea', 'picklist', 'email', 'phone', 'url']);
const NUMBER_TYPES = new Set(['double', 'currency', 'percent', 'int']);

const soapTypeName = (f: FieldMeta): string => {
  if (TEXT_TYPES.has(f.type)) return 'string';
  if (f.type === 'id' || f.type === 'reference') return 'id';
  if (f.type === 'datetime') return 'dateTime';
  if (f.type === 'int') return 'int';
  if (NUMBER_TYPES.has(f.type)) return 'double';
  return f.type;
};

interface Resolved {
  field: FieldMeta;
  /** Reference fields walked, in order. */
  steps: FieldMeta[];
  accessor: Accessor;
  /** Canonical dotted name (`Account.OwnerId`), used as the CSV header. */
  canonical: string;
}

export function compileQuery(ctx: CompileContext, ast: SelectQuery): CompiledQuery {
  const object = ctx.store.schema.object(ast.from.name);
  if (!object) {
    throw soqlError(
      ctx.soql,
      ast.from.pos,
      `sObject type '${ast.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      'INVALID_TYPE',
    );
  }
  const isCount = ast.select.some((s) => s.kind === 'count');
  if (isCount && ast.select.length > 1) {
    const other = ast.select.find((s) => s.kind !== 'count')!;
    const pos = other.kind === 'field' ? other.ref.pos : other.pos;
    throw soqlError(ctx.soql, pos, 'COUNT() cannot be combined with other fields in the select list');
  }
  if (isCount && ast.orderBy.length > 0) {
    throw soqlError(ctx.soql, ast.orderBy[0]!.field.pos, 'ORDER BY cannot be used with COUNT()');
  }
  const out: OutNode[] = [];
  const columns: CsvColumn[] = [];
  let hasSubquery = false;
  for (const item of ast.select) {
    if (item.kind === 'count') continue;
    if (item.kind === 'subquery') {
      hasSubquery = true;
      const sub = compileSubquery(ctx, object, item.query);
      if (out.some((n) => n.kind === 'subquery' && n.key === sub.rel.relationshipName)) {
        throw soqlError(ctx.soql, item.pos, `duplicate field selected: ${sub.rel.relationshipName}`);
      }
      out.push({ kind: 'subquery', key: sub.rel.relationshipName, sub });
      continue;
    }
    const r = resolvePath(ctx, object, item.ref);
    addToTree(ctx, out, r, item.ref);
    columns.push({ header: r.canonical, field: r.field, accessor: r.accessor });
  }
  if (ast.offset !== undefined && ast.offset > 2000) {
    throw new SfApiError(400, 'NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000');
  }
  const predicate = ast.where ? compileCondition(ctx, object, ast.where) : undefined;
  const sort = ast.orderBy.map((k) => compileOrderKey(ctx, object, k));
  const hints = planHints(object, ast);
  return {
    object,
    isCount,
    out,
    columns,
    predicate,
    sort,
    limit: ast.limit,
    offset: ast.offset,
    hasSubquery,
    ...hints,
  };
}

function compileSubquery(ctx: CompileContext, parent: ObjectSchema, q: SelectQuery): CompiledSubquery {
  const rel = parent.childByLower.get(q.from.name.toLowerCase());
  if (!rel) {
    throw soqlError(
      ctx.soql,
      q.from.pos,
      `Didn't understand relationship '${q.from.name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      'INVALID_TYPE',
    );
  }
  const child = ctx.store.schema.object(rel.childSObject)!;
  const out: OutNode[] = [];
  for (const item of q.select) {
    if (item.kind !== 'field') {
      throw soqlError(ctx.soql, item.pos, 'only fields can be selected in a relationship subquery');
    }
    addToTree(ctx, out, resolvePath(ctx, child, item.ref), item.ref);
  }
  if (q.offset !== undefined)
    throw soqlError(ctx.soql, q.from.pos, 'OFFSET is not supported in a subquery by the Salesforce emulator');
  return {
    rel,
    child,
    out,
    predicate: q.where ? compileCondition(ctx, child, q.where) : undefined,
    sort: q.orderBy.map((k) => compileOrderKey(ctx, child, k)),
    limit: q.limit,
  };
}

export function resolvePath(ctx: CompileContext, root: ObjectSchema, ref: FieldRef): Resolved {
  let segments = ref.path;
  if (segments.length > 1 && segments[0]!.toLowerCase() === root.name.toLowerCase())
    segments = segments.slice(1);
  let types: ObjectSchema[] = [root];
  const steps: FieldMeta[] = [];
  const names: string[] = [];
  for (const seg of segments.slice(0, -1)) {
    const rel = types.length === 1 ? types[0]!.parentByLower.get(seg.toLowerCase()) : undefined;
    if (!rel) {
      throw soqlError(
        ctx.soql,
        ref.pos,
        `Didn't understand relationship '${seg}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        'INVALID_FIELD',
      );
    }
    steps.push(rel);
    names.push(rel.relationshipName!);
    types = rel.referenceTo.map((t) => ctx.store.schema.object(t)).filter((s): s is ObjectSchema => !!s);
  }
  const last = segments[segments.length - 1]!;
  const field = types.map((t) => t.fieldByLower.get(last.toLowerCase())).find((f) => f !== undefined);
  if (!field) {
    const entity = types.length === 1 ? types[0]!.name : 'Name';
    throw soqlError(
      ctx.soql,
      ref.pos,
      `No such column '${last}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      'INVALID_FIELD',
    );
  }
  names.push(field.name);
  const name = field.name;
  const store = ctx.store;
  const accessor: Accessor =
    steps.length === 0
      ? (rec) => rec[name] ?? null
      : (rec) => {
          let cur: SfRecord | undefined = rec;
          for (const step of steps) {
            const id: unknown = cur[step.name];
            if (typeof id !== 'string') return null;
            cur = store.lookup(id);
            if (!cur || cur.IsDeleted) return null;
          }
          return cur[name] ?? null;
        };
  return { field, steps, accessor, canonical: names.join('.') };
}

function addToTree(ctx: CompileContext, out: OutNode[], r: Resolved, ref: FieldRef): void {
  let level = out;
  for (const step of r.steps) {
    const key = step.relationshipName!;
    let node = level.find(
      (n): n is Extract<OutNode, { kind: 'parent' }> => n.kind === 'parent' && n.key === key,
    );
    if (!node) {
      node = { kind: 'parent', key, refField: step, children: [] };
      level.push(node);
    }
    level = node.children;
  }
  if (level.some((n) => n.kind === 'field' && n.key === r.field.name)) {
    throw soqlError(ctx.soql, ref.pos, `duplicate field selected: ${r.canonical}`);
  }
  level.push({ kind: 'field', key: r.field.name, field: r.field });
}

// ---- WHERE ----------------------------------------------------------------------------------

type Pred = (r: SfRecord) => boolean;

function compileCondition(ctx: CompileContext, object: ObjectSchema, c: Condition): Pred {
  switch (c.kind) {
    case 'and': {
      const preds = c.items.map((i) => compileCondition(ctx, object, i));
      return (r) => preds.every((p) => p(r));
    }
    case 'or': {
      const preds = c.items.map((i) => compileCondition(ctx, object, i));
      return (r) => preds.some((p) => p(r));
    }
    case 'not': {
      const p = compileCondition(ctx, object, c.item);
      return (r) => !p(r);
    }
    case 'compare': {
      const res = filterable(ctx, object, c.field);
      const test = compileComparison(ctx, res, c.op, c.value);
      return (r) => test(res.accessor(r));
    }
    case 'in': {
      const res = filterable(ctx, object, c.field);
      const tests = c.values.map((v) => compileComparison(ctx, res, '=', v));
      return c.negated
        ? (r) => {
            const v = res.accessor(r);
            return !tests.some((t) => t(v));
          }
        : (r) => {
            const v = res.accessor(r);
            return tests.some((t) => t(v));
          };
    }
    case 'like': {
      const res = filterable(ctx, object, c.field);
      if (!TEXT_TYPES.has(res.field.type)) {
        throw soqlError(
          ctx.soql,
          c.field.pos,
          `invalid operator on ${soapTypeName(res.field)} field: LIKE can only be used with text fields ('${res.canonical}')`,
          'INVALID_QUERY_FILTER_OPERATOR',
        );
      }
      if (c.pattern.kind !== 'string') {
        throw literalTypeError(ctx, res, c.pattern);
      }
      const re = likeToRegExp(c.pattern.raw);
      return (r) => {
        const v = res.accessor(r);
        return typeof v === 'string' && re.test(v);
      };
    }
  }
}

function filterable(ctx: CompileContext, object: ObjectSchema, ref: FieldRef): Resolved {
  const res = resolvePath(ctx, object, ref);
  if (res.field.type === 'textarea') {
    throw soqlError(
      ctx.soql,
      ref.pos,
      `field '${res.field.name}' can not be filtered in a query call`,
      'INVALID_FIELD',
    );
  }
  return res;
}

function literalTypeError(ctx: CompileContext, res: Resolved, lit: Literal): SfApiError {
  const expected = soapTypeName(res.field);
  const quoted = expected === 'string' || expected === 'id';
  return soqlError(
    ctx.soql,
    lit.pos,
    `value of filter criterion for field '${res.canonical}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
    'INVALID_FIELD',
  );
}

type ValueTest = (v: unknown) => boolean;

function compileComparison(ctx: CompileContext, res: Resolved, op: string, lit: Literal): ValueTest {
  const f = res.field;
  if (lit.kind === 'null') {
    if (op === '=') return (v) => v === null || v === undefined;
    if (op === '!=') return (v) => v !== null && v !== undefined;
    return () => false;
  }
  if (TEXT_TYPES.has(f.type)) {
    if (lit.kind !== 'string') throw literalTypeError(ctx, res, lit);
    const want = lit.value.toLowerCase();
    return ordered(op, (v) => (typeof v === 'string' ? compareStrings(v.toLowerCase(), want) : undefined));
  }
  if (f.type === 'id' || f.type === 'reference') {
    if (lit.kind !== 'string') throw literalTypeError(ctx, res, lit);
    const id = normalizeId(lit.value);
    if (!id) {
      if (op === '=' || op === '!=') {
        throw soqlError(ctx.soql, lit.pos, `invalid ID field: ${lit.value}`, 'INVALID_QUERY_FILTER_OPERATOR');
      }
      return ordered(op, (v) => (typeof v === 'string' ? compareStrings(v, lit.value) : undefined));
    }
    return ordered(op, (v) => (typeof v === 'string' ? compareStrings(v, id) : undefined));
  }
  if (f.type === 'boolean') {
    if (lit.kind !== 'boolean') throw literalTypeError(ctx, res, lit);
    if (op !== '=' && op !== '!=') {
      throw soqlError(
        ctx.soql,
        lit.pos,
        `invalid operator on boolean field: ${op}`,
        'INVALID_QUERY_FILTER_OPERATOR',
      );
    }
    const want = lit.value;
    return op === '=' ? (v) => v === want : (v) => v !== want;
  }
  if (NUMBER_TYPES.has(f.type)) {
    if (lit.kind !== 'number') throw literalTypeError(ctx, res, lit);
    const want = lit.value;
    return ordered(op, (v) => (typeof v === 'number' ? v - want : undefined));
  }
  if (f.type === 'datetime' || f.type === 'date') {
    const toMs =
      f.type === 'date'
        ? (v: unknown) => (typeof v === 'string' ? dateToMs(v) : undefined)
        : (v: unknown) => (typeof v === 'number' ? v : undefined);
    if (lit.kind === 'dateLiteral') {
      const [start, end] = dateLiteralRange(lit.name, lit.n, ctx.now);
      return rangeTest(op, start, end, toMs);
    }
    if (f.type === 'datetime' && lit.kind === 'datetime') {
      const want = lit.value;
      return ordered(op, (v) => (typeof v === 'number' ? v - want : undefined));
    }
    if (f.type === 'date' && lit.kind === 'date') {
      const want = lit.value;
      return ordered(op, (v) => (typeof v === 'string' ? compareStrings(v, want) : undefined));
    }
    throw literalTypeError(ctx, res, lit);
  }
  throw literalTypeError(ctx, res, lit);
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Builds a test from a three-way comparison. `undefined` (null field value) never satisfies an
 * ordering or equality; `!=` is true for nulls, as SOQL returns null rows for `!=`.
 */
function ordered(op: string, cmp: (v: unknown) => number | undefined): ValueTest {
  switch (op) {
    case '=':
      return (v) => cmp(v) === 0;
    case '!=':
      return (v) => cmp(v) !== 0;
    case '<':
      return (v) => (cmp(v) ?? 0) < 0;
    case '<=':
      return (v) => {
        const c = cmp(v);
        return c !== undefined && c <= 0;
      };
    case '>':
      return (v) => (cmp(v) ?? 0) > 0;
    default:
      return (v) => {
        const c = cmp(v);
        return c !== undefined && c >= 0;
      };
  }
}

function rangeTest(
  op: string,
  start: number,
  end: number,
  toMs: (v: unknown) => number | undefined,
): ValueTest {
  const inRange = (ms: number) => ms >= start && ms < end;
  switch (op) {
    case '=':
      return (v) => {
        const ms = toMs(v);
        return ms !== undefined && inRange(ms);
      };
    case '!=':
      return (v) => {
        const ms = toMs(v);
        return ms === undefined || !inRange(ms);
      };
    case '<':
      return (v) => (toMs(v) ?? Number.POSITIVE_INFINITY) < start;
    case '<=':
      return (v) => (toMs(v) ?? Number.POSITIVE_INFINITY) < end;
    case '>':
      return (v) => (toMs(v) ?? Number.NEGATIVE_INFINITY) >= end;
    default:
      return (v) => (toMs(v) ?? Number.NEGATIVE_INFINITY) >= start;
  }
}

/** `%` any run, `_` one char, `\%` and `\_` literal; matching is case-insensitive like SOQL. */
function likeToRegExp(raw: string): RegExp {
  let src = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[i + 1]!;
      const lit = n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
      src += lit.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i += 1;
    } else if (c === '%') src += '[\\s\\S]*';
    else if (c === '_') src += '[\\s\\S]';
    else src += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 'iu');
}

// ---- ORDER BY ---------------------------------------------------------------------------------

function compileOrderKey(ctx: CompileContext, object: ObjectSchema, k: OrderKey): SortKey {
  const res = resolvePath(ctx, object, k.field);
  if (res.field.type === 'textarea') {
    throw soqlError(
      ctx.soql,
      k.field.pos,
      `field '${res.field.name}' can not be sorted in a query call`,
      'INVALID_FIELD',
    );
  }
  const kind: SortKey['kind'] = TEXT_TYPES.has(res.field.type)
    ? 'text'
    : NUMBER_TYPES.has(res.field.type) || res.field.type === 'datetime'
      ? 'number'
      : res.field.type === 'boolean'
        ? 'boolean'
        : 'exact';
  return {
    accessor: res.accessor,
    kind,
    descending: k.descending,
    nullsFirst: k.nullsFirst ?? !k.descending,
  };
}

// ---- Planner hints ----------------------------------------------------------------------------

function planHints(
  object: ObjectSchema,
  ast: SelectQuery,
): Pick<CompiledQuery, 'idFilter' | 'modstampFrom' | 'indexOrder'> {
  const conjuncts = !ast.where ? [] : ast.where.kind === 'and' ? ast.where.items : [ast.where];
  let idFilter: string[] | undefined;
  let modstampFrom: { ms: number; exclusive: boolean } | undefined;
  const isField = (ref: FieldRef, name: string) => {
    const path =
      ref.path.length === 2 && ref.path[0]!.toLowerCase() === object.name.toLowerCase()
        ? ref.path.slice(1)
        : ref.path;
    return path.length === 1 && path[0]!.toLowerCase() === name.toLowerCase();
  };
  for (const c of conjuncts) {
    if (c.kind === 'compare' && c.op === '=' && isField(c.field, 'Id') && c.value.kind === 'string') {
      const id = normalizeId(c.value.value);
      idFilter = id ? [id] : [];
    } else if (
      c.kind === 'in' &&
      !c.negated &&
      isField(c.field, 'Id') &&
      c.values.every((v) => v.kind === 'string')
    ) {
      idFilter = c.values
        .map((v) => normalizeId((v as { value: string }).value))
        .filter((x): x is string => !!x);
    } else if (
      c.kind === 'compare' &&
      (c.op === '>=' || c.op === '>') &&
      isField(c.field, 'SystemModstamp') &&
      c.value.kind === 'datetime'
    ) {
      const cand = { ms: c.value.value, exclusive: c.op === '>' };
      if (!modstampFrom || cand.ms > modstampFrom.ms || (cand.ms === modstampFrom.ms && cand.exclusive)) {
        modstampFrom = cand;
      }
    }
  }
  const keys = ast.orderBy;
  const asc = (k: OrderKey | undefined, name: string) =>
    k !== undefined && !k.descending && isField(k.field, name);
  const indexOrder =
    keys.length === 0 ||
    (keys.length === 1 && asc(keys[0], 'SystemModstamp')) ||
    (keys.length === 2 && asc(keys[0], 'SystemModstamp') && asc(keys[1], 'Id'));
  return { idFilter, modstampFrom, indexOrder };
}
