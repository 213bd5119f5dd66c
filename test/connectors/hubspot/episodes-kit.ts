import type { HubspotEmulator } from '../../../emulators/hubspot/index.ts';
import type { EpisodeRef } from '../../../src/ports/episode-crm.ts';
import { seedContacts, startPortal, T0 } from './harness.ts';

/** A portal with contacts handed off to a rep at `HANDOFF`, each with its keyed toss-up task. */

export const HANDOFF = T0 + 86_400_000; // 2025-04-02T00:00Z
export const HOUR = 3_600_000;

export interface HandedOff {
  hs: HubspotEmulator;
  contacts: string[];
  rep: string;
  other: string;
  refs: EpisodeRef[];
}

export async function handedOff(n: number): Promise<HandedOff> {
  const hs = await startPortal();
  const contacts = seedContacts(hs.store, n, (i) => T0 + i);
  const rep = hs.store.owners.add({ email: 'rep@seller.example', firstName: '花子', lastName: '佐藤' }).id;
  const other = hs.store.owners.add({
    email: 'other@seller.example',
    firstName: '一郎',
    lastName: '鈴木',
  }).id;
  hs.clock.pin(new Date(HANDOFF).toISOString());
  const refs = contacts.map((leadId, i) => {
    const key = `tu-${leadId}-${i}`;
    const task = hs.store.create(
      'tasks',
      {
        hs_timestamp: new Date(HANDOFF + 24 * HOUR).toISOString(),
        hs_task_subject: '【トスアップ】',
        hubspot_owner_id: rep,
        tossup_task_key: key,
      },
      { associations: [{ toType: 'contacts', toId: leadId, primary: false }] },
    );
    return {
      key,
      leadId,
      objectType: 'contact',
      ownerId: rep,
      taskId: task.id,
      since: new Date(HANDOFF).toISOString(),
    };
  });
  return { hs, contacts, rep, other, refs };
}

/** API calls per endpoint made between two usage snapshots. */
export function callsBetween(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export function total(calls: Readonly<Record<string, number>>): number {
  return Object.values(calls).reduce((a, b) => a + b, 0);
}
