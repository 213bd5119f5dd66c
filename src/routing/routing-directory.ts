import type { CrmName } from '../domain/lead.ts';
import { canonicalPrefecture, comparableText } from './prefectures.ts';
import type { RoutingConfig, RoutingPool, RoutingQueue, RoutingRep } from './routing-config.ts';

/**
 * Lookup tables built once per loaded routing config: reps by key and by CRM id, queues, pools and
 * the region → territory table. Kept apart from `route()` so that routing a lead is map lookups only.
 */
export interface RoutingDirectory {
  config: RoutingConfig;
  rep(key: string): RoutingRep | undefined;
  queue(key: string): RoutingQueue | undefined;
  pool(id: string): RoutingPool | undefined;
  /** The rep whose id in `crm` is `ownerId` (Salesforce 15- and 18-character forms both match). */
  repByCrmId(crm: CrmName, ownerId: string): RoutingRep | undefined;
  territoryOf(region: string | null): string;
}

const directories = new WeakMap<RoutingConfig, RoutingDirectory>();

export function directoryFor(config: RoutingConfig): RoutingDirectory {
  let dir = directories.get(config);
  if (!dir) {
    dir = buildDirectory(config);
    directories.set(config, dir);
  }
  return dir;
}

/** The CRM id to write as owner, or undefined when the config has none for that CRM. */
export function crmIdOf(entry: RoutingRep | RoutingQueue, crm: CrmName): string | undefined {
  if (crm === 'salesforce') return entry.salesforceId;
  if (crm === 'hubspot') return entry.hubspotOwnerId;
  // File-based runs (demo, CSV) have no CRM ids: the key is the owner.
  return entry.key;
}

/** True when the rep can take new leads on `businessDate` (active and not on leave). */
export function isRepAvailable(rep: RoutingRep, businessDate: string): boolean {
  return rep.active && !rep.away.some((a) => a.from <= businessDate && businessDate <= a.to);
}

function buildDirectory(config: RoutingConfig): RoutingDirectory {
  const reps = new Map(config.reps.map((r) => [r.key, r]));
  const queues = new Map(config.queues.map((q) => [q.key, q]));
  const pools = new Map(config.pools.map((p) => [p.id, p]));
  const bySalesforceId = new Map<string, RoutingRep>();
  const byHubspotId = new Map<string, RoutingRep>();
  for (const r of config.reps) {
    // Salesforce's 18-character id is the 15-character id plus a case checksum.
    if (r.salesforceId) bySalesforceId.set(r.salesforceId.slice(0, 15), r);
    if (r.hubspotOwnerId) byHubspotId.set(r.hubspotOwnerId, r);
  }
  const territoryByRegion = new Map<string, string>();
  for (const [territory, names] of Object.entries(config.territories)) {
    territoryByRegion.set(comparableText(territory), territory);
    for (const name of names)
      territoryByRegion.set(canonicalPrefecture(name) ?? comparableText(name), territory);
  }
  return {
    config,
    rep: (key) => reps.get(key),
    queue: (key) => queues.get(key),
    pool: (id) => pools.get(id),
    repByCrmId: (crm, ownerId) => {
      if (crm === 'salesforce')
        return ownerId.length >= 15 ? bySalesforceId.get(ownerId.slice(0, 15)) : undefined;
      if (crm === 'hubspot') return byHubspotId.get(ownerId);
      return reps.get(ownerId);
    },
    territoryOf: (region) => {
      if (region === null || region.trim() === '') return config.defaultTerritory;
      return (
        territoryByRegion.get(canonicalPrefecture(region) ?? comparableText(region)) ??
        config.defaultTerritory
      );
    },
  };
}
