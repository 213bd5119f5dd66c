import type { SyncCursor } from '../ports/lead-source.ts';

/**
 * True when resuming from `a` skips nothing that resuming from `b` would read, i.e. `a` is at or past
 * `b`: a later timestamp, or the same timestamp with at least the same ids already handed off.
 */
export function cursorAtOrAfter(a: SyncCursor, b: SyncCursor): boolean {
  const ta = Date.parse(a.modifiedAt);
  const tb = Date.parse(b.modifiedAt);
  if (Number.isNaN(ta) || Number.isNaN(tb)) {
    throw new RangeError(
      `cursor time is not an ISO instant: ${Number.isNaN(ta) ? a.modifiedAt : b.modifiedAt}`,
    );
  }
  if (ta !== tb) return ta > tb;
  const ids = new Set(a.idsAtModifiedAt);
  return b.idsAtModifiedAt.every((id) => ids.has(id));
}

/** Both cursors resume at the same place. */
export function sameCursor(a: SyncCursor, b: SyncCursor): boolean {
  return cursorAtOrAfter(a, b) && cursorAtOrAfter(b, a);
}

/** A cursor that starts at `instant` (inclusive) with nothing handed off yet: what `--since` means. */
export function cursorAt(instant: string): SyncCursor {
  return { modifiedAt: new Date(instant).toISOString(), idsAtModifiedAt: [] };
}
