import type { RepActorOptions } from './shared/rep-actor.ts';
import type { RunningEmulators } from './start-emulators.ts';

/**
 * The emulated reps' view of the running emulators: each seeded CRM's store, its users/owners and
 * the task field holding the toss-up key as the default mappings name it (mappings/salesforce.yaml
 * `tasks.keyField`, mappings/hubspot.yaml `tasks.keyProperty`).
 */
export function repActorCrms(e: RunningEmulators): Pick<RepActorOptions, 'salesforce' | 'hubspot'> {
  return {
    ...(e.salesforce.seeded
      ? {
          salesforce: {
            store: e.salesforce.store,
            users: e.salesforce.seeded.users,
            keyField: 'TossUp_Key__c',
          },
        }
      : {}),
    ...(e.hubspot.seedSummary
      ? {
          hubspot: {
            store: e.hubspot.store,
            owners: e.hubspot.seedSummary.ids.owners,
            keyProperty: 'tossup_task_key',
          },
        }
      : {}),
  };
}
