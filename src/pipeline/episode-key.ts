import { createHash } from 'node:crypto';
import type { Decision } from '../domain/decision.ts';
import type { Lead, TossUpFlag } from '../domain/lead.ts';

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
 *
 * A key ends in the flag it was made for (`.y`, `.n`, `.h`): the engine writes the flag and the key
 * together, so a CRM flag that differs from its key's is a person's edit (human-override.ts). Keys
 * written before the suffix existed carry none and are simply continued.
 */
export function episodeKey(
  lead: Lead,
  decision: Pick<Decision, 'flag' | 'nextAction'>,
  /** Prefix of a new key; the manual-request quota marks its episodes (see manual-quota.ts). */
  mark = 'tu',
): string {
  const c = lead.current;
  // A flag a person emptied is read as the one the key was written with: no new episode for that.
  const flag = c.flag ?? keyFlag(c.decisionKey);
  if (c.decisionKey && flag === decision.flag && c.nextAction === decision.nextAction) return c.decisionKey;
  const h = createHash('sha256')
    .update(
      `${lead.crm}\u0000${lead.objectType}\u0000${lead.id}\u0000${decision.flag}\u0000${decision.nextAction}\u0000${c.decisionKey ?? ''}`,
    )
    .digest('base64url');
  // 34 characters (40 with a quota mark) fit the 80-character external-ID field and stay readable
  // in a CRM list view.
  return `${mark}_${h.slice(0, 29)}.${FLAG_SUFFIX[decision.flag]}`;
}

const FLAG_SUFFIX: Readonly<Record<TossUpFlag, string>> = { yes: 'y', no: 'n', hold: 'h' };
const SUFFIX_FLAG: Readonly<Record<string, TossUpFlag>> = { y: 'yes', n: 'no', h: 'hold' };

/** The flag a decision key was made for; null for keys made before keys carried it (or none). */
export function keyFlag(key: string | null | undefined): TossUpFlag | null {
  const m = key ? /\.([ynh])$/.exec(key) : null;
  return m ? SUFFIX_FLAG[m[1]!]! : null;
}

/** Outcomes that put work on a person's desk; nurture is handled by marketing automation. */
export function needsTask(decision: Decision): boolean {
  return decision.nextAction !== 'nurture';
}
