import type { HubspotClient } from './client.ts';
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

export class OwnerDirectory {
  private readonly client: HubspotClient;
  private readonly runner: RequestRunner;
  private loaded: Promise<{ owners: Set<string>; byUser: Map<string, string> }> | undefined;

  constructor(client: HubspotClient, runner: RequestRunner) {
    this.client = client;
    this.runner = runner;
  }

  async resolve(id: string): Promise<OwnerResolution> {
    const { owners, byUser } = await this.load();
    if (owners.has(id)) return { ok: true, ownerId: id, translated: false };
    const owner = byUser.get(id);
    if (owner) return { ok: true, ownerId: owner, translated: true };
    return {
      ok: false,
      reason: `${id} is not the id of an active HubSpot owner (hubspot_owner_id takes owner ids from Settings → Users, not user ids); check hubspotOwnerId in routing.yaml`,
    };
  }

  private load() {
    this.loaded ??= (async () => {
      const owners = new Set<string>();
      const byUser = new Map<string, string>();
      let after: string | undefined;
      do {
        const page = await this.runner.run(
          { endpoint: 'owners.list', what: 'owner list', kind: 'general', safeToRepeat: true },
          () => this.client.listOwners(after),
        );
        for (const o of page.results) {
          if (o.archived) continue;
          owners.add(o.id);
          if (o.userId) byUser.set(o.userId, o.id);
        }
        after = page.nextAfter;
      } while (after);
      return { owners, byUser };
    })();
    // A failed load is retried by the next caller rather than remembered.
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
  }
}
