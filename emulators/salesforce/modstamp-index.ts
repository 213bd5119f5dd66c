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

/**
 * Out-of-order adds this close to the end are spliced in (a short memmove: same-millisecond writes
 * with smaller ids land here); older stamps wait in a buffer and are merged on the next scan.
 */
const MAX_SPLICE_SHIFT = 16_384;

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
      // Only the tail from the first pending key onwards needs merging.
      const a = this.entries;
      const from = this.lowerBound(add[0]!);
      const tail = a.slice(from);
      a.length = from;
      let i = 0;
      let j = 0;
      while (i < tail.length || j < add.length) {
        const next =
          j >= add.length || (i < tail.length && compareStampId(tail[i]!, add[j]!) <= 0)
            ? tail[i++]!
            : add[j++]!;
        if (a[a.length - 1] !== next) a.push(next);
      }
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
