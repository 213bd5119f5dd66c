import type { SyncStateStore } from '../../src/ports/sync-state-store.ts';

/** A state store that delegates to `base` except for the methods given (to inject failures or races). */
export function wrapState(base: SyncStateStore, override: Partial<SyncStateStore>): SyncStateStore {
  return {
    getCursor: (k) => base.getCursor(k),
    putCursor: (k, c, v) => base.putCursor(k, c, v),
    markDone: (k, r, t) => base.markDone(k, r, t),
    getDone: (k) => base.getDone(k),
    countOnce: (k, m, t) => base.countOnce(k, m, t),
    counted: (k) => base.counted(k),
    recordSkipped: (r, t) => base.recordSkipped(r, t),
    listSkipped: (s, l) => base.listSkipped(s, l),
    ...override,
  };
}
