import { randomBytes } from 'node:crypto';
import { atMostInFlight } from '../concurrency/at-most-in-flight.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import { compressJson, decompressJson } from './compressed-json.ts';
import { type BatchGetOptions, batchGetLive } from './dynamo-batch-get.ts';
import { type DynamoTable, type Item, num, numberOf, SINGLE, str, stringOf } from './dynamo-table.ts';

/**
 * Rosters: the `due` index entries of many records due at one instant, in one item (`keysz`: the
 * entries, JSON, Brotli; `dueBucket`, `dueAt` = `<instant>#<pk>`), so the records themselves stay out
 * of the index. DynamoDB bills a write unit more for each write of an item with index keys, two for
 * each that moves them (docs/cost.md); a batch's episodes and re-checks mostly share their instants.
 *
 * A roster is filed before the records it lists are written, and a record is due only while its
 * stored state still says it is due at the roster's instant (each store's own rule, read strongly
 * consistent): a crash between the two leaves a roster listing a record not due there, never a due
 * record no roster lists. A roster that lists nothing due is removed once older than
 * `ROSTER_GRACE_MS`, the longest a writer can take between its roster and its records (a Lambda's
 * timeout is at most 15 minutes), so a write in flight behind a fresh roster is never orphaned.
 */
export const ROSTER_GRACE_MS = 15 * 60_000;
/**
 * Rosters opened at once by `dueInRosters`, which stops once a store's `dueBefore` has found as many
 * due records as asked.
 */
const ROSTERS_AT_ONCE = 25;
/** Entries a roster holds at most (an entry is ~40 bytes; an item may hold 400 KB). */
const ROSTER_MAX_ENTRIES = 200;
/** Tries of a roster rewrite that loses its race to another (`rewriteRoster`). */
const REWRITE_ATTEMPTS = 3;
/** Writes at once. */
const CONCURRENCY = 16;

/** What a store says of its rosters: where they live, how long, what an entry is. */
export interface RosterKind<E> {
  /** The pk prefix, `<kind>|` (and any partition of its own, such as the CRM). */
  prefix: string;
  /** The index partition of a roster due at `instant`, filed at `nowMs` (never a past one). */
  bucketOf(instant: string, nowMs: number): string;
  retentionSeconds: number;
  /** An entry as read back, or null when the stored value is not one. */
  parse(value: unknown): E | null;
  /** The record an entry names: one entry a record and instant, the last filed standing. */
  recordOf(entry: E): string;
}

/**
 * Puts one roster per instant of `filings` (at most 200 entries each); filings without an instant
 * (nothing due) are left out.
 */
export async function fileRosters<E>(
  table: DynamoTable,
  kind: RosterKind<E>,
  filings: readonly { instant: string | null; entry: E }[],
): Promise<void> {
  const byInstant = new Map<string, Map<string, E>>();
  for (const { instant, entry } of filings) {
    if (instant === null) continue;
    const entries = byInstant.get(instant) ?? new Map<string, E>();
    entries.set(kind.recordOf(entry), entry);
    byInstant.set(instant, entries);
  }
  if (byInstant.size === 0) return;
  const now = table.nowMs();
  const items: Item[] = [];
  for (const [instant, byRecord] of byInstant) {
    const entries = [...byRecord.values()];
    for (let i = 0; i < entries.length; i += ROSTER_MAX_ENTRIES) {
      const pk = `${kind.prefix}${instant}|${randomBytes(6).toString('base64url')}`;
      items.push({
        pk: str(pk),
        sk: str(SINGLE),
        keysz: { B: compressJson(JSON.stringify(entries.slice(i, i + ROSTER_MAX_ENTRIES))) },
        filedAtMs: num(now),
        dueBucket: str(kind.bucketOf(instant, now)),
        dueAt: str(`${instant}#${pk}`),
        ...table.expiry(kind.retentionSeconds),
      });
    }
  }
  await atMostInFlight(
    CONCURRENCY,
    items.map((item) => () => table.put(item)),
  );
}

/** A roster named by the index: its instant and pk (the sort key's two halves). */
export interface RosterRef {
  instant: string;
  pk: string;
}

/**
 * Reads `rosters`, keeps the entries `stillDue` says are due at their roster's instant (given every
 * entry listed, so the store reads their records in one go), and removes a roster that lists none
 * once past its grace. `held`: a roster stays in the index (the index floor may not pass its hour).
 */
export async function openRosters<E>(
  table: DynamoTable,
  kind: RosterKind<E>,
  rosters: readonly RosterRef[],
  stillDue: (listed: readonly E[]) => Promise<(entry: E, instant: string) => boolean>,
  options: BatchGetOptions,
): Promise<{ opened: OpenedRoster<E>[]; held: boolean }> {
  const now = table.nowMs();
  const items = await batchGetLive(
    table,
    rosters.map((r) => r.pk),
    options,
  );
  const listed = rosters.flatMap((r) => {
    const item = items.get(r.pk);
    // Gone: another sweep removed it, or it expired.
    return item
      ? [{ ...r, item, entries: entriesOf(item, kind), filedAt: numberOf(item, 'filedAtMs') ?? 0 }]
      : [];
  });
  const due = await stillDue(listed.flatMap((r) => r.entries));
  const opened: OpenedRoster<E>[] = [];
  const spent: string[] = [];
  let held = false;
  for (const r of listed) {
    const still = r.entries.filter((e) => due(e, r.instant));
    opened.push({ ...r, due: still });
    if (still.length === 0 && now - r.filedAt >= ROSTER_GRACE_MS) spent.push(r.pk);
    else held = true;
  }
  await removeRosters(table, spent);
  return { opened, held };
}

/** A roster as `openRosters` read it: every entry it lists, those due, and the item itself. */
export interface OpenedRoster<E> {
  pk: string;
  instant: string;
  filedAt: number;
  /** Every entry listed, in order. */
  entries: E[];
  /** The entries due at the roster's instant when read. */
  due: E[];
  /** The item read (a rewrite keeps its other attributes and is conditional on its `keysz`). */
  item: Item;
}

/**
 * Rewrites a roster without the entries `drop` names (the only change a roster ever sees after it is
 * filed: a writer never adds to one), keeping its instant, index keys, `filedAtMs` (its grace runs
 * from its filing) and expiry. Conditional on the `keysz` read, so a concurrent rewrite or removal is
 * not undone: on a lost race the roster is read again (gone: nothing to do) and rewritten from what
 * is stored, a few times at most. Returns the item as stored, or null when it is gone or the race was
 * lost every time (its dropped entries stay listed: at worst an extra check, never a missed one).
 */
export async function rewriteRoster<E>(
  table: DynamoTable,
  kind: RosterKind<E>,
  read: Item,
  drop: (entry: E) => boolean,
  options: BatchGetOptions,
): Promise<Item | null> {
  let item: Item | undefined = read;
  for (let attempt = 0; attempt < REWRITE_ATTEMPTS && item; attempt++) {
    const kept = entriesOf(item, kind).filter((e) => !drop(e));
    const next: Item = { ...item, keysz: { B: compressJson(JSON.stringify(kept)) } };
    const pk: string = stringOf(item, 'pk') ?? '';
    const written = await table.put(next, {
      expression: 'keysz = :read',
      values: { ':read': item.keysz! },
    });
    if (written) return next;
    // Rewritten or removed meanwhile (another sweep): what is stored now decides.
    item = (await batchGetLive(table, [pk], options)).get(pk);
  }
  return null;
}

/** An index entry filed on a record itself by an earlier build: its instant and ref (after `#`). */
export interface OwnEntry {
  instant: string;
  ref: string;
  item: Item;
}

/**
 * One page of `due` index entries (sort key `<instant>#<ref>`) split into the rosters it names
 * (refs starting with `prefix`) and the entries earlier builds filed on the records themselves.
 */
export function splitIndexPage(
  items: readonly Item[],
  prefix: string,
): { rosters: RosterRef[]; own: OwnEntry[] } {
  const rosters: RosterRef[] = [];
  const own: OwnEntry[] = [];
  for (const item of items) {
    const sortKey = stringOf(item, 'dueAt') ?? '';
    const cut = sortKey.indexOf('#');
    const instant = sortKey.slice(0, cut);
    const ref = sortKey.slice(cut + 1);
    if (ref.startsWith(prefix)) rosters.push({ instant, pk: ref });
    else own.push({ instant, ref, item });
  }
  return { rosters, own };
}

/** Earliest first, then by key: the order `dueBefore` answers in. */
export function dueOrder(a: { instant: string; key: string }, b: { instant: string; key: string }): number {
  if (a.instant !== b.instant) return a.instant < b.instant ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * The due records of one page of index entries' rosters, opened `ROSTERS_AT_ONCE` at a time until
 * `enough()`: a backlog of rosters (each up to 200 entries) is not all read in one go. `held`: a
 * roster stays in the index (opened and held, or not opened).
 */
export async function dueInRosters<D>(
  rosters: readonly RosterRef[],
  open: (some: readonly RosterRef[]) => Promise<{ due: D[]; held: boolean }>,
  enough: () => boolean,
  found: (due: D) => void,
): Promise<boolean> {
  let held = false;
  for (let i = 0; i < rosters.length; i += ROSTERS_AT_ONCE) {
    if (enough()) return true;
    const opened = await open(rosters.slice(i, i + ROSTERS_AT_ONCE));
    held ||= opened.held;
    for (const d of opened.due) found(d);
  }
  return held;
}

/** Deletes spent rosters (their index entries go with them). */
export async function removeRosters(table: DynamoTable, pks: readonly string[]): Promise<void> {
  await atMostInFlight(
    CONCURRENCY,
    pks.map((pk) => () => table.delete(pk)),
  );
}

function entriesOf<E>(item: Item, kind: RosterKind<E>): E[] {
  try {
    const z = item.keysz?.B;
    const listed = z ? (JSON.parse(decompressJson(z)) as unknown) : null;
    if (Array.isArray(listed)) {
      const out = listed.map((v) => kind.parse(v));
      if (out.every((e) => e !== null)) return out as E[];
    }
  } catch {
    // reported below
  }
  throw new StateUnavailableError(
    `the roster item ${stringOf(item, 'pk')} in DynamoDB does not list valid entries; restore it from a backup`,
  );
}
