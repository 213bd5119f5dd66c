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
    // An id the kept list does not know may be a rep added since: ask HubSpot once before refusing.
    if (!owners.fresh && !owners.owners.has(id) && !owners.byUser.has(id)) owners = await this.load(true);
    if (owners.owners.has(id)) return { ok: true, ownerId: id, translated: false };
    const owner = owners.byUser.get(id);
    if (owner) return { ok: true, ownerId: owner, translated: true };
    return {
      ok: false,
      reason: `${id} is not an active HubSpot owner: a deactivated user (list them in routing.yaml with active: false so routing picks someone else), a user id instead of an owner id, or a typo in hubspotOwnerId`,
    };
  }

  private load(refresh = false): Promise<Owners> {
    const memo = this.o.memo?.owners;
    if (!refresh && !this.loaded && memo && this.o.now() - memo.at <= this.o.maxAgeMs) {
      this.loaded = Promise.resolve({
        owners: new Set(memo.ids),
        byUser: new Map(memo.byUser),
        fresh: false,
      });
    }
    if (refresh || !this.loaded) {
      const loading = this.fetch();
      this.loaded = loading;
      // A failed load is retried by the next caller rather than remembered.
      loading.catch(() => {
        if (this.loaded === loading) this.loaded = undefined;
      });
    }
    return this.loaded!;
  }

  private async fetch(): Promise<Owners> {
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
    if (this.o.memo) this.o.memo.owners = { at: this.o.now(), ids: [...owners], byUser: [...byUser] };
    return { owners, byUser, fresh: true };
  }
}
