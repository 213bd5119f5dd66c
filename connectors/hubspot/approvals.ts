import { approvalDecisionOf, rejectionReasonOf } from '../../src/approval/approval-values.ts';
import type { ApprovalFacts, EpisodeRef } from '../../src/ports/episode-crm.ts';
import { chunks } from './company-facts.ts';
import type { HubspotEpisodeCrmOptions } from './episodes.ts';

/**
 * The manager's answers to pending approvals (src/ports/episode-crm.ts `readApprovals`): the approval
 * and rejection-reason properties of each contact, one batch read per 100 contacts. A contact HubSpot
 * no longer returns under the id asked for (deleted, merged away) closes the episode.
 */

const READ_BATCH = 100;

export async function readApprovals(
  o: Pick<HubspotEpisodeCrmOptions, 'client' | 'runner' | 'meter' | 'mapping'>,
  refs: readonly EpisodeRef[],
): Promise<ApprovalFacts[]> {
  if (refs.length === 0) return [];
  const { decision, rejectionReason } = o.mapping.approval;
  const ids = [...new Set(refs.map((r) => r.leadId))];
  o.meter.noteEpisodesChecked(refs.length, ids.length);
  const found = new Map<string, Record<string, string | null | undefined>>();
  await Promise.all(
    chunks(ids, READ_BATCH).map(async (chunk) => {
      const answer = await o.runner.run(
        {
          endpoint: 'contacts.batch.read',
          what: 'contacts batch read (approval)',
          kind: 'general',
          safeToRepeat: true,
        },
        () => o.client.batchRead('contacts', chunk, [decision, rejectionReason]),
      );
      for (const r of answer.results) found.set(r.id, r.properties as Record<string, string | null>);
    }),
  );
  return refs.map((ref) => {
    const props = found.get(ref.leadId);
    if (!props) return { key: ref.key, decision: null, rejectionReason: null, recordGone: true };
    return {
      key: ref.key,
      decision: approvalDecisionOf(props[decision]),
      rejectionReason: rejectionReasonOf(props[rejectionReason]),
      recordGone: false,
    };
  });
}
