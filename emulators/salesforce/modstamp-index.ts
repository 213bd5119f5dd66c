import type { SfRecord } from './sf-record.ts';

/**
 * Record versions ordered by (SystemModstamp, Id), the order of an incremental sync's
 * `WHERE SystemModstamp >= X ORDER BY SystemModstamp, Id LIMIT n`. Writes normally arrive with
 * the newest stamp and are appended; replaced versions stay as stale entries (detected by
 * identity against the live table) and are compacted away lazily, so an update never costs an
 * O(N) removal and a page read is a binary search plus a short scan.
 */

export function compareStampId(a: SfRecord, b: SfRecord): number {
  if (a.SystemModstamp !== b.SystemModstamp) return a.SystemModstamp - b.SystemModstamp;
  return a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0;
}

/** Out-of-order adds this close to the end are spliced in; others wait in a buffer to be merged. */
const MAX_SPLICE_SHIFT = 64;

export class ModstampIndex {
  private entries: SfRecord[] = [];
  /** Out-of-order adds (a pinned clock going back, seeding in arbitrary order), merged on scan. */
  private pending: SfRecord[] = [];
  private readonly pendingSet = new Set<SfRecord>();
  private stale = 0;

  get size(): number {
    return this.entries.length + this.pending.length;
  }

  add(rec: SfRecord): void {
    const entries = this.entries;
    const n = entries.length;
    if (n === 0 || compareStampId(entries[n - 1]!, rec) < 0) {
      entries.push(rec);
      return;
    }
    const pos = this.lowerBound(rec);
    // A rolled-back write re-adds a version that may still be indexed; never index it twice.
    for (let j = pos; j < n && compareStampId(entries[j]!, rec) === 0; j++) if (entries[j] === rec) return;
    if (n - pos <= MAX_SPLICE_SHIFT) entries.splice(pos, 0, rec);
    else if (!this.pendingSet.has(rec)) {
      this.pending.push(rec);
      this.pendingSet.add(rec);
    }
  }

  /** A version was replaced; its entry is now stale. */
  retire(): void {
    this.stale += 1;
  }

  /** Live versions with SystemModstamp >= fromMs (> when exclusive), in (SystemModstamp, Id) order. */
  *scan(fromMs: number, exclusive: boolean, isLive: (r: SfRecord) => boolean): Generator<SfRecord> {
    this.ensure(isLive);
    const entries = this.entries;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = entries[mid]!.SystemModstamp;
      if (exclusive ? s <= fromMs : s < fromMs) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < entries.length; i++) {
      const r = entries[i]!;
      if (isLive(r)) yield r;
    }
  }

  private ensure(isLive: (r: SfRecord) => boolean): void {
    if (this.pending.length) {
      const add = this.pending.sort(compareStampId);
      this.pending = [];
      this.pendingSet.clear();
      const a = this.entries;
      const merged: SfRecord[] = new Array(a.length + add.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < a.length || j < add.length) {
        const next =
          j >= add.length || (i < a.length && compareStampId(a[i]!, add[j]!) <= 0) ? a[i++]! : add[j++]!;
        if (k === 0 || merged[k - 1] !== next) merged[k++] = next;
      }
      merged.length = k;
      this.entries = merged;
    }
    if (this.stale > 1000 && this.stale * 2 > this.entries.length) {
      this.entries = this.entries.filter(isLive);
      this.stale = 0;
    }
  }

  private lowerBound(rec: SfRecord): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareStampId(this.entries[mid]!, rec) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
