import { approvalDecisionOf, rejectionReasonOf } from '../../src/approval/approval-values.ts';
import type { ApprovalFacts, EpisodeRef } from '../../src/ports/episode-crm.ts';
import type { CallRunner } from './call-runner.ts';
import { queryAllRows } from './change-streams.ts';
import type { SalesforceMapping } from './mapping.ts';
import { chunkIdsForUrl, isSalesforceId, soqlString } from './soql.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * The manager's answers to pending approvals (src/ports/episode-crm.ts `readApprovals`): the approval
 * picklist and rejection reason of each Lead/Contact, one `Id IN (…)` query per object and 200 ids. A
 * record that is gone (deleted, merged away) or a converted Lead closes the episode.
 */

const BATCH = 200;

interface Row {
  Id: string;
  IsConverted?: boolean;
  [field: string]: unknown;
}

export function approvalsSoql(
  object: 'Lead' | 'Contact',
  fields: SalesforceMapping['approval'],
  ids: readonly string[],
): string {
  const list = ids.map(soqlString).join(', ');
  const converted = object === 'Lead' ? ', IsConverted' : '';
  return `SELECT Id${converted}, ${fields.decision}, ${fields.rejectionReason} FROM ${object} WHERE Id IN (${list})`;
}

export async function readApprovals(
  runner: CallRunner,
  mapping: SalesforceMapping,
  meter: UsageMeter,
  refs: readonly EpisodeRef[],
): Promise<ApprovalFacts[]> {
  const fields = mapping.approval;
  const rows = new Map<string, Row>();
  meter.episodesChecked += refs.length;
  for (const object of ['Lead', 'Contact'] as const) {
    const ids = [
      ...new Set(refs.filter((r) => objectOf(r) === object && isSalesforceId(r.leadId)).map((r) => r.leadId)),
    ];
    const build = (chunk: readonly string[]) => approvalsSoql(object, fields, chunk);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += BATCH)
      chunks.push(...chunkIdsForUrl(ids.slice(i, i + BATCH), build));
    await Promise.all(
      chunks.map(async (chunk) => {
        for (const r of (await queryAllRows(runner, build(chunk), `${object} approval`)) as unknown as Row[])
          rows.set(idKey(r.Id), r);
      }),
    );
  }
  return refs.map((ref) => {
    const row = isSalesforceId(ref.leadId) ? rows.get(idKey(ref.leadId)) : undefined;
    if (!row || row.IsConverted === true)
      return { key: ref.key, decision: null, rejectionReason: null, recordGone: isSalesforceId(ref.leadId) };
    return {
      key: ref.key,
      decision: approvalDecisionOf(row[fields.decision]),
      rejectionReason: rejectionReasonOf(row[fields.rejectionReason]),
      recordGone: false,
    };
  });
}

const idKey = (id: string): string => id.slice(0, 15);

function objectOf(ref: EpisodeRef): 'Lead' | 'Contact' | null {
  if (ref.leadId.startsWith('00Q')) return 'Lead';
  if (ref.leadId.startsWith('003')) return 'Contact';
  return ref.objectType === 'Lead' || ref.objectType === 'Contact' ? ref.objectType : null;
}
