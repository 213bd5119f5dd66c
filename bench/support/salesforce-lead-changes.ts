import type { ChangeDataCapture } from '../../emulators/salesforce/change-data-capture.ts';
import type { SalesforceEmulator } from '../../emulators/salesforce/index.ts';

/**
 * The Salesforce freshness benches' shared measurement (freshness-salesforce.ts, freshness-lambda.ts):
 * a person edits the title of leads at a steady rate, and each measurement ends with the change event
 * of our write of the flag (the integration user's commit naming the flag field).
 */
export const FLAG = 'TossUp_Flag__c';

export interface FlagWriteWatch {
  /** Lead id → when its change was made (performance.now()); removed once our flag write is seen. */
  changedAt: Map<string, number>;
  /** Milliseconds from each change to the change event of our flag write. */
  latencies: number[];
  stop(): void;
}

export function watchFlagWrites(sf: SalesforceEmulator, cdc: ChangeDataCapture): FlagWriteWatch {
  const ourUser = sf.store.integrationUserId;
  const changedAt = new Map<string, number>();
  const latencies: number[] = [];
  let seen = cdc.latestReplayId();
  const stop = cdc.onPublish(() => {
    for (const e of cdc.eventsAfter('/data/LeadChangeEvent', seen, 1000)) {
      seen = e.replayId;
      const h = e.payload.ChangeEventHeader as {
        commitUser: string;
        changedFields: string[];
        recordIds: string[];
      };
      if (h.commitUser !== ourUser || !h.changedFields.includes(FLAG)) continue;
      for (const id of h.recordIds) {
        const at = changedAt.get(id);
        if (at === undefined) continue;
        changedAt.delete(id);
        latencies.push(performance.now() - at);
      }
    }
  });
  return { changedAt, latencies, stop };
}

/** Up to `count` leads never decided (no flag) and not converted. */
export function undecidedLeads(sf: SalesforceEmulator, count: number): string[] {
  return sf.store
    .all('Lead')
    .filter((l) => !l[FLAG] && !l.IsConverted)
    .slice(0, count)
    .map((l) => l.Id as string);
}

/**
 * A person edits each lead's title, one every `intervalMs`, noting each change's time in `changedAt`;
 * then waits (at most 60 s) until every change has seen our flag write. Returns the seconds it took.
 */
export async function changeTitles(
  sf: SalesforceEmulator,
  leads: readonly string[],
  intervalMs: number,
  changedAt: Map<string, number>,
): Promise<number> {
  const person = sf.store.defaultActorId;
  const started = performance.now();
  for (let i = 0; i < leads.length; i++) {
    const wait = started + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = leads[i]!;
    changedAt.set(id, performance.now());
    // A value other than the current one: an unchanged value makes no change and no event.
    const title = i % 2 === 0 ? '部長' : 'Head of Sales';
    const current = sf.store.get('Lead', id)?.Title;
    sf.store.update('Lead', id, { Title: title === current ? '営業部長' : title }, { userId: person });
  }
  const deadline = performance.now() + 60_000;
  while (changedAt.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return (performance.now() - started) / 1000;
}

/** Nearest-rank percentile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

/** API calls the emulator counted, the admin routes and `except` left out. */
export function apiCallsOf(sf: SalesforceEmulator, except: readonly string[] = []): number {
  return [...sf.app.counters]
    .filter(([r]) => r !== 'admin' && !except.includes(r))
    .reduce((n, [, k]) => n + k, 0);
}
