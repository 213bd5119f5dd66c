import { createHash } from 'node:crypto';
import type { Decision } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';

/**
 * The key of a toss-up "episode": one outcome (flag + next action) for one lead, from the moment it
 * is first decided until the outcome changes. Tasks are created per key (Salesforce upserts on it,
 * HubSpot de-duplicates on it), so:
 *
 * - re-running, retrying or redelivering the same decision yields the same key → never a second task;
 * - a changed outcome yields a new key → exactly one new hand-off;
 * - a lead that leaves and later returns to the same outcome gets a new key, because the key chains
 *   on the key that was in the CRM before (key_n = h(lead, outcome, key_{n-1})).
 *
 * It depends only on the decision and the CRM state *before* this run writes anything, which is
 * what makes it stable across a crash between creating the task and writing the flag: the retry
 * still sees the old key in the CRM and derives the same new one.
 */
export function episodeKey(
  lead: Lead,
  decision: Pick<Decision, 'flag' | 'nextAction'>,
  /** Prefix of a new key; the manual-request quota marks its episodes (see manual-quota.ts). */
  mark = 'tu',
): string {
  const c = lead.current;
  if (c.decisionKey && c.flag === decision.flag && c.nextAction === decision.nextAction) return c.decisionKey;
  const h = createHash('sha256')
    .update(
      `${lead.crm}\u0000${lead.objectType}\u0000${lead.id}\u0000${decision.flag}\u0000${decision.nextAction}\u0000${c.decisionKey ?? ''}`,
    )
    .digest('base64url');
  // 32 characters (38 with a quota mark) fit the 80-character external-ID field and stay readable
  // in a CRM list view.
  return `${mark}_${h.slice(0, 29)}`;
}

/** Outcomes that put work on a person's desk; nurture is handled by marketing automation. */
export function needsTask(decision: Decision): boolean {
  return decision.nextAction !== 'nurture';
}
