import { cursorKey } from '../pipeline/run-sync.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';
import type { StateStore } from '../ports/state-store.ts';

/**
 * Hands the connector the sync's cursor before a sweep writes lead fields, so a record someone changed
 * since the last sync read is not written (the write would make us its last modifier and hide the change
 * from the next sync, whose reads leave our own writes out: `CrmConnector.guardWritesSince`).
 */
export async function guardUnsyncedChanges(
  connector: CrmConnector,
  state: StateStore,
  scope: string,
): Promise<void> {
  if (!connector.guardWritesSince) return;
  const stored = await state.getCursor(cursorKey(connector.crm, scope));
  connector.guardWritesSince(stored?.cursor ?? null);
}
