import type { HubspotClient } from './client.ts';
import type { PortalMemo } from './company-facts.ts';
import type { RequestRunner } from './request-runner.ts';

/**
 * The portal's active owners, read once per connector (500 per call) when a write first names an
 * owner. `hubspot_owner_id` takes an OWNER id; a user id (a different number) is refused by
 * HubSpot with INVALID_OPTION and, in a batch, takes the other 99 records down with it. So owners
 * are checked before sending: a user id is translated to its owner id, an unknown id fails only
 * its own record.
 */
export type OwnerResolution =
  | { ok: true; ownerId: string; translated: boolean }
  | { ok: false; reason: string };

export interface OwnerDirectoryOptions {
  client: HubspotClient;
  runner: RequestRunner;
  /** Where the list is kept between runs (the portal cache); trusted for `maxAgeMs`. */
  memo?: PortalMemo;
  maxAgeMs: number;
  now: () => number;
}

interface Owners {
  owners: Set<string>;
  byUser: Map<string, string>;
  /**
   * Ids the list of the same read was asked for and did not hold (a departed account owner, say),
   * kept with it: such an id is refused without reading again. Owner and user ids are numbers
   * HubSpot gives out when a user is created, so an id a read did not know cannot be a rep added
   * since; only a deactivated user made active again is refused until the list is read again, at
   * most `maxAgeMs` later — the same bound as a removed owner still sent. Without it every run that
   * routes to a departed owner read the whole list again.
   */
  missing: Set<string>;
  /** Read from HubSpot in this process (a miss then is a real miss). */
  fresh: boolean;
}

export class OwnerDirectory {
  private readonly o: OwnerDirectoryOptions;
  private loaded: Promise<Owners> | undefined;

  constructor(options: OwnerDirectoryOptions) {
    this.o = options;
  }

  async resolve(id: string): Promise<OwnerResolution> {
    let owners = await this.load();
    // An id the kept list does not know may be a rep added since: ask HubSpot once before refusing
    // (not for an id that same read already did not hold: see `missing`).
    if (!owners.fresh && !owners.owners.has(id) && !owners.byUser.has(id) && !owners.missing.has(id))
      owners = await this.load(true, owners.missing);
    if (owners.owners.has(id)) return { ok: true, ownerId: id, translated: false };
    const owner = owners.byUser.get(id);
    if (owner) return { ok: true, ownerId: owner, translated: true };
    if (!owners.missing.has(id)) {
      owners.missing.add(id);
      if (this.o.memo?.owners) this.o.memo.owners.missing = [...owners.missing];
    }
    return {
      ok: false,
      reason: `${id} is not an active HubSpot owner: a deactivated user (list them in routing.yaml with active: false so routing picks someone else), a user id instead of an owner id, or a typo in hubspotOwnerId`,
    };
  }

  /** `stillMissing`: ids an older read did not hold; kept as missing if this read does not hold them either. */
  private load(refresh = false, stillMissing: ReadonlySet<string> = new Set()): Promise<Owners> {
    const memo = this.o.memo?.owners;
    if (!refresh && !this.loaded && memo && this.o.now() - memo.at <= this.o.maxAgeMs) {
      this.loaded = Promise.resolve({
        owners: new Set(memo.ids),
        byUser: new Map(memo.byUser),
        missing: new Set(memo.missing ?? []),
        fresh: false,
      });
    }
    if (refresh || !this.loaded) {
      const loading = this.fetch(stillMissing);
      this.loaded = loading;
      // A failed load is retried by the next caller rather than remembered.
      loading.catch(() => {
        if (this.loaded === loading) this.loaded = undefined;
      });
    }
    return this.loaded!;
  }

  private async fetch(stillMissing: ReadonlySet<string>): Promise<Owners> {
    const owners = new Set<string>();
    const byUser = new Map<string, string>();
    let after: string | undefined;
    do {
      const page = await this.o.runner.run(
        { endpoint: 'owners.list', what: 'owner list', kind: 'general', safeToRepeat: true },
        () => this.o.client.listOwners(after),
      );
      for (const o of page.results) {
        if (o.archived) continue;
        owners.add(o.id);
        if (o.userId) byUser.set(o.userId, o.id);
      }
      after = page.nextAfter;
    } while (after);
    const missing = new Set([...stillMissing].filter((id) => !owners.has(id) && !byUser.has(id)));
    if (this.o.memo)
      this.o.memo.owners = {
        at: this.o.now(),
        ids: [...owners],
        byUser: [...byUser],
        ...(missing.size > 0 ? { missing: [...missing] } : {}),
      };
    return { owners, byUser, missing, fresh: true };
  }
}
