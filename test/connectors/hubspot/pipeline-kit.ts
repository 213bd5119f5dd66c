import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { HubspotConnector } from '../../../connectors/hubspot/index.ts';
import type { HubspotEmulator } from '../../../emulators/hubspot/index.ts';
import { loadCompiledRuleSet } from '../../../src/config/load-rule-set.ts';
import type { SyncOptions } from '../../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../../src/ports/clock.ts';
import type { SyncStateStore } from '../../../src/ports/sync-state-store.ts';
import { ReasonRenderer } from '../../../src/reasons/render-reasons.ts';
import { MemoryRoutingState } from '../../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig } from '../../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../../src/sla/sla-config.ts';

/** What `runSync` needs besides the connector, for HubSpot against the emulator. */

const ROUTING_FILE = 'mappings/routing.yaml';

/**
 * mappings/routing.yaml names HubSpot owners by id; the emulator gets owners with exactly those
 * ids, so routing's choices are valid owners in the portal.
 */
export function addRoutingOwners(hs: HubspotEmulator): void {
  const doc = parse(readFileSync(ROUTING_FILE, 'utf8')) as {
    reps: { key: string; hubspotOwnerId?: string }[];
    queues: { key: string; hubspotOwnerId?: string }[];
  };
  for (const r of [...doc.reps, ...doc.queues]) {
    if (!r.hubspotOwnerId || hs.store.owners.get(r.hubspotOwnerId)) continue;
    hs.store.owners.add({
      id: r.hubspotOwnerId,
      email: `${r.key}@seller.example`,
      firstName: r.key,
      lastName: 'rep',
    });
  }
}

export function syncOptions(
  connector: HubspotConnector,
  state: SyncStateStore,
  now: string,
  over: Partial<SyncOptions> = {},
): SyncOptions {
  return {
    connector,
    rules: loadCompiledRuleSet('large'),
    renderer: new ReasonRenderer('ja'),
    routing: parseRoutingConfig(readFileSync(ROUTING_FILE, 'utf8'), ROUTING_FILE, { crm: 'hubspot' }),
    sla: parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8')),
    state,
    routingState: new MemoryRoutingState(),
    clock: fixedClock(now),
    reasonMaxLength: connector.reasonMaxLength,
    ...over,
  };
}
