import { ModstampIndex } from './modstamp-index.ts';
import type { SfRecord } from './sf-record.ts';

/**
 * All versions-in-use of one sObject type: an id map (live version per id, deleted rows kept with
 * IsDeleted=true for queryAll), the SystemModstamp index, and lazily built indexes for lookups
 * the API needs to be fast (child rows by parent id, external-id values).
 */
export class SObjectTable {
  readonly name: string;
  readonly byId = new Map<string, SfRecord>();
  readonly modstamp = new ModstampIndex();
  private readonly refIndexes = new Map<string, Map<string, Set<string>>>();
  private readonly valueIndexes = new Map<string, Map<string, Set<string>>>();
  readonly isLive = (r: SfRecord): boolean => this.byId.get(r.Id) === r;

  constructor(name: string) {
    this.name = name;
  }

  get(id: string): SfRecord | undefined {
    return this.byId.get(id);
  }

  /** Stores `next` as the live version of its id and keeps every index in step. */
  put(next: SfRecord): void {
    const prev = this.byId.get(next.Id);
    if (prev === next) return;
    this.byId.set(next.Id, next);
    if (prev) this.modstamp.retire();
    this.modstamp.add(next);
    for (const [field, index] of this.refIndexes)
      moveEntry(index, prev?.[field], next[field], next.Id, false);
    for (const [field, index] of this.valueIndexes)
      moveEntry(index, prev?.[field], next[field], next.Id, true);
  }

  /** Removes a record entirely (used to undo an insert in an all-or-none rollback). */
  remove(id: string): void {
    const prev = this.byId.get(id);
    if (!prev) return;
    this.byId.delete(id);
    this.modstamp.retire();
    for (const [field, index] of this.refIndexes) moveEntry(index, prev[field], undefined, id, false);
    for (const [field, index] of this.valueIndexes) moveEntry(index, prev[field], undefined, id, true);
  }

  /** Ids of records whose reference `field` points at `parentId`. */
  childIds(field: string, parentId: string): ReadonlySet<string> | undefined {
    let index = this.refIndexes.get(field);
    if (!index) {
      index = new Map();
      for (const r of this.byId.values()) moveEntry(index, undefined, r[field], r.Id, false);
      this.refIndexes.set(field, index);
    }
    return index.get(parentId);
  }

  /** Ids of records whose text `field` equals `value` case-insensitively (external ids, unique fields). */
  idsWithValue(field: string, value: string): ReadonlySet<string> | undefined {
    let index = this.valueIndexes.get(field);
    if (!index) {
      index = new Map();
      for (const r of this.byId.values()) moveEntry(index, undefined, r[field], r.Id, true);
      this.valueIndexes.set(field, index);
    }
    return index.get(value.toLowerCase());
  }
}

function moveEntry(
  index: Map<string, Set<string>>,
  before: unknown,
  after: unknown,
  id: string,
  foldCase: boolean,
): void {
  const b = typeof before === 'string' ? (foldCase ? before.toLowerCase() : before) : undefined;
  const a = typeof after === 'string' ? (foldCase ? after.toLowerCase() : after) : undefined;
  if (a === b) {
    // Same key: make sure the id is present (first put of a record).
    if (a !== undefined) addTo(index, a, id);
    return;
  }
  if (b !== undefined) {
    const set = index.get(b);
    if (set) {
      set.delete(id);
      if (set.size === 0) index.delete(b);
    }
  }
  if (a !== undefined) addTo(index, a, id);
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(id);
}
