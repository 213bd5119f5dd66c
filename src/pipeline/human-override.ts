import type { HumanOverride, OverrideSource } from '../domain/human-override.ts';
import type { CrmName, Lead, TossUpFlag } from '../domain/lead.ts';
import { type Episode, isOnHold } from '../episodes/episode.ts';
import { isOverrideReason } from '../reasons/override-reason.ts';
import { keyFlag } from './episode-key.ts';

/**
 * Human overrides win (issue 14, docs/sales-in-the-loop.md "Manual overrides"). A person overrides the
 * rules in one of two ways, both read from the lead at no extra call:
 *
 * - the explicit override field (Salesforce `TossUp_Override__c`, HubSpot `tossup_override`): yes, no
 *   or hold; the engine writes that flag and keeps it until the field is emptied;
 * - editing the flag itself: the engine writes the flag and the decision key together and the key
 *   ends in the flag it was made for (episode-key.ts), so a CRM flag that differs from its key's is a
 *   person's (except the engine's own hold pause, below); it stands until the flag is set back to the
 *   key's flag or emptied.
 *
 * While an override stands the engine writes nothing that undoes it (never the flag, the key, the
 * next action or the due date), creates no task, and writes a reason saying who set what and when.
 * Pure; the per-lead record that keeps who and when across runs is read and written by process-leads.
 */

export interface OverrideCandidate {
  flag: TossUpFlag;
  source: OverrideSource;
}

/** What the CRM shows a person set, before the record is consulted; null when nothing. */
export function overrideCandidate(lead: Lead, episode: Episode | undefined): OverrideCandidate | null {
  const c = lead.current;
  if (c.override?.flag) return { flag: c.override.flag, source: 'field' };
  const written = keyFlag(c.decisionKey);
  if (c.flag === null || written === null || c.flag === written) return null;
  if (c.flag === 'hold' && written === 'yes' && episode && enginePaused(lead, episode)) return null;
  return { flag: c.flag, source: 'flag_edit' };
}

/**
 * A toss-up the engine itself put on hold keeps its `yes` key (episode-hold.ts `pause`): the episode
 * is on hold and no override paused it. Also the crash window of a resume (`hold_ended` recorded, the
 * flag not yet written): the lead was not modified since the resume.
 */
function enginePaused(lead: Lead, ep: Episode): boolean {
  if (isOnHold(ep)) return !ep.override;
  const last = ep.pauses.at(-1);
  if (!last?.to || ep.override) return false;
  const modified = lead.current.override?.modifiedAt ?? lead.modifiedAt;
  return modified !== null && Date.parse(modified) <= Date.parse(last.to);
}

export type OverrideResolution =
  /** No override: the rules decide as usual. */
  | { kind: 'none' }
  /**
   * An explicit override was just emptied and the CRM still shows the flag the engine wrote for it:
   * the rules decide, and the episode key is derived as if the CRM held the key's flag.
   */
  | { kind: 'handed_back'; keyLead: Lead }
  /** The override stands; `isNew` when first seen (its record must be stored). */
  | { kind: 'active'; override: HumanOverride; isNew: boolean };

/**
 * The override in force, given the candidate, the per-lead record of the last override the engine
 * saw (`overrideRecordKey`) and `now`. An override is the same one as recorded when the CRM's reason
 * is still an override's (the engine wrote it) and the record has the same flag and source: who and
 * when then stay those first seen, so the reason does not change from run to run.
 */
export function resolveOverride(
  lead: Lead,
  candidate: OverrideCandidate | null,
  record: HumanOverride | null,
  now: Date,
): OverrideResolution {
  if (!candidate) return { kind: 'none' };
  const marked = isOverrideReason(lead.current.reason);
  if (
    candidate.source === 'flag_edit' &&
    marked &&
    record?.source === 'field' &&
    record.flag === candidate.flag
  ) {
    const written = keyFlag(lead.current.decisionKey);
    return { kind: 'handed_back', keyLead: { ...lead, current: { ...lead.current, flag: written } } };
  }
  if (marked && record && record.flag === candidate.flag && record.source === candidate.source)
    return { kind: 'active', override: record, isNew: false };
  const read = lead.current.override;
  return {
    kind: 'active',
    override: {
      flag: candidate.flag,
      source: candidate.source,
      by: read?.modifiedBy ?? null,
      at: new Date(read?.modifiedAt ?? now).toISOString(),
    },
    isNew: true,
  };
}

/** The per-lead record in the sync state store (kept `OVERRIDE_TTL_SECONDS`). */
export function overrideRecordKey(crm: CrmName, lead: Pick<Lead, 'objectType' | 'id'>): string {
  return `override|${crm}|${lead.objectType}|${lead.id}`;
}

/** A year: an override older than that which lost its record is seen afresh (same flag, new "when"). */
export const OVERRIDE_TTL_SECONDS = 366 * 86_400;

export function parseOverrideRecord(raw: string | null): HumanOverride | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<HumanOverride>;
    if (
      (v.flag === 'yes' || v.flag === 'no' || v.flag === 'hold') &&
      (v.source === 'field' || v.source === 'flag_edit') &&
      typeof v.at === 'string'
    )
      return { flag: v.flag, source: v.source, by: typeof v.by === 'string' ? v.by : null, at: v.at };
  } catch {
    // A damaged record is no record: the override is seen afresh.
  }
  return null;
}
