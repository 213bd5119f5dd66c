import { readFileSync } from 'node:fs';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import type { World } from '../../../emulators/world/world.ts';
import { routingYamlForWorld } from '../../../emulators/world-routing.ts';
import { loadCompiledRuleSet } from '../../../src/config/load-rule-set.ts';
import type { SyncOptions } from '../../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../../src/ports/clock.ts';
import type { CrmConnector } from '../../../src/ports/crm-connector.ts';
import { ReasonRenderer } from '../../../src/reasons/render-reasons.ts';
import { MemoryRoutingState } from '../../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig, type RoutingConfig } from '../../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../../src/sla/sla-config.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { startOrg, T0 } from './sf-kit.ts';

/** A small seeded org plus everything `runSync` needs, routed to the org's real users. */
export async function worldOrg(people = 80, options: Parameters<typeof startOrg>[0] = {}) {
  const world: World = generateWorld({ seed: 5, leads: people, asOf: new Date(T0).toISOString() });
  const emu = await startOrg({ world, ...options });
  const routing = parseRoutingConfig(
    routingYamlForWorld(world, {
      salesforceUsers: emu.seeded!.users,
      salesforceQueues: emu.seeded!.queues,
      hubspotOwners: new Map(world.users.map((u, i) => [u.key, String(90_000_000 + i)])),
    }),
    'routing.yaml',
    { crm: 'salesforce' },
  );
  return { emu, world, routing };
}

const rules = loadCompiledRuleSet('large');
const sla = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));
const renderer = new ReasonRenderer('ja');

export function syncOptions(
  emu: SalesforceEmulator,
  connector: CrmConnector,
  routing: RoutingConfig,
  over: Partial<SyncOptions> = {},
): SyncOptions {
  const clock = fixedClock(new Date(emu.clock.now()).toISOString());
  return {
    connector,
    rules,
    renderer,
    routing,
    sla,
    state: new MemoryStateStore({ clock }),
    routingState: new MemoryRoutingState(),
    clock,
    ...over,
  };
}
