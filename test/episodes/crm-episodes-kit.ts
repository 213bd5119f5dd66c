import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { syncCommand } from '../../src/cli/commands/sync.ts';
import type { Episode } from '../../src/episodes/episode.ts';
import type { StoredEpisode } from '../../src/ports/episode-store.ts';
import { SqliteBuckets } from '../../src/state/sqlite-buckets.ts';
import type { CrmUnderTest } from '../faults/lab.ts';

/** What the episode tests read and change in the Salesforce and HubSpot emulators, and `tossup sync`. */

export interface CrmTask {
  key: string;
  id: string;
  personId: string | null;
}

/** Toss-up tasks straight from the emulator's store. */
export function tasksOf(cut: CrmUnderTest): CrmTask[] {
  if (cut.handle.kind === 'salesforce') {
    return cut.handle.emulator.store
      .all('Task')
      .filter((t) => t.TossUp_Key__c)
      .map((t) => ({
        key: String(t.TossUp_Key__c),
        id: String(t.Id),
        personId: (t.WhoId as string) ?? null,
      }));
  }
  const store = cut.handle.emulator.store;
  return store
    .list('tasks')
    .filter((t) => t.props.tossup_task_key)
    .map((t) => ({
      key: t.props.tossup_task_key!,
      id: t.id,
      personId: store.associationsOf('tasks', t.id, 'contacts')[0]?.to ?? null,
    }));
}

/** Every episode in the state directory (the file store's item buckets). */
export function episodesOf(cut: CrmUnderTest): Map<string, StoredEpisode> {
  const items = new SqliteBuckets<StoredEpisode>(join(cut.dir, 'state', 'episodes', 'items'));
  return new Map(items.entries(Date.now()));
}

/** The decision key, reason and flag (the CRM's own value) the CRM shows on a lead. */
export function tossUpOf(
  cut: CrmUnderTest,
  leadId: string,
): { key: string | null; reason: string | null; flag: string | null } {
  if (cut.handle.kind === 'salesforce') {
    const store = cut.handle.emulator.store;
    const rec = store.get('Lead', leadId) ?? store.get('Contact', leadId);
    return {
      key: (rec?.TossUp_Decision_Key__c as string | undefined) ?? null,
      reason: (rec?.TossUp_Reason__c as string | undefined) ?? null,
      flag: (rec?.TossUp_Flag__c as string | undefined) ?? null,
    };
  }
  const props = cut.handle.emulator.store.get('contacts', leadId)?.props;
  return {
    key: props?.tossup_decision_key ?? null,
    reason: props?.tossup_reason ?? null,
    flag: props?.tossup_flag ?? null,
  };
}

export function decisionKeyOf(cut: CrmUnderTest, leadId: string): string | null {
  return tossUpOf(cut, leadId).key;
}

/** The MA behaviour score on the person: 0 is below every toss-up threshold (→ no / nurture). */
export function setMaScore(cut: CrmUnderTest, e: Episode, score: number): void {
  if (cut.handle.kind === 'salesforce') {
    cut.handle.emulator.store.update(e.objectType, e.leadId, { pi__score__c: score });
    return;
  }
  cut.handle.emulator.store.update('contacts', e.leadId, { ma_behaviour_score: String(score) });
}

/**
 * What a rep does in the CRM: sets (or, with null, clears) the toss-up result and sent-back reason on
 * the lead/contact, with the API values `tossup setup` creates (docs/crm-fields.md).
 */
export function setVerdict(
  cut: CrmUnderTest,
  e: Pick<Episode, 'objectType' | 'leadId'>,
  result: string | null,
  sentBackReason: string | null = null,
): void {
  if (cut.handle.kind === 'salesforce') {
    cut.handle.emulator.store.update(e.objectType, e.leadId, {
      TossUp_Result__c: result,
      TossUp_Sent_Back_Reason__c: sentBackReason,
    });
    return;
  }
  cut.handle.emulator.store.update('contacts', e.leadId, {
    tossup_result: result ?? '',
    tossup_sent_back_reason: sentBackReason ?? '',
  });
}

/** `tossup sync --crm <crm>` in this process, with the emulator's environment. */
export async function sync(cut: CrmUnderTest): Promise<{ code: number; output: string }> {
  cut.advanceClock();
  const out = new PassThrough();
  let output = '';
  out.on('data', (d) => {
    output += d;
  });
  const code = await syncCommand(
    { crm: cut.crm },
    { env: { ...cut.env(), NO_COLOR: '1' }, stdout: out, stderr: out, profileFiles: [] },
  );
  return { code, output };
}
