import { z } from 'zod';

/**
 * A person's say over the toss-up flag (issue 14): what the connectors read about it and how the
 * engine records it. Values are the flag's English codes.
 */

/** The flag values, as in lead.ts (not imported from there: lead.ts imports this file). */
const OverrideFlagSchema = z.enum(['yes', 'no', 'hold']);
export type OverrideFlag = z.infer<typeof OverrideFlagSchema>;

/**
 * Read with the lead at no extra call: the explicit override field (Salesforce `TossUp_Override__c`,
 * HubSpot `tossup_override`; null when empty) and who last modified the record and when (Salesforce
 * `LastModifiedById`/`LastModifiedDate`, HubSpot `hs_updated_by_user_id`/`lastmodifieddate`). The
 * record's last modifier is who changed the flag when a change is first seen (the CRM keeps no
 * per-field author without field history, see docs/sales-in-the-loop.md).
 */
export const OverrideReadSchema = z.object({
  flag: OverrideFlagSchema.nullable(),
  modifiedBy: z.string().nullable(),
  modifiedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type OverrideRead = z.infer<typeof OverrideReadSchema>;

/** How the person said it: the override field, or by editing the flag itself. */
export type OverrideSource = 'field' | 'flag_edit';

/** An override as the engine keeps it: the flag, how, who (a CRM user id, null when unknown) and since when. */
export interface HumanOverride {
  flag: OverrideFlag;
  source: OverrideSource;
  by: string | null;
  /** ISO UTC. */
  at: string;
}
