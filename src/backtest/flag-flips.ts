import type { TossUpFlag } from '../domain/lead.ts';
import type { ObservedLeads } from './classification.ts';
import type { ReplayedDecision } from './replay-history.ts';

/** One decision whose flag the candidate changes: an example for the report. */
export interface FlipExample {
  crm: string;
  leadId: string;
  decidedAt: string;
  currentReasons: string[];
  candidateReasons: string[];
  /** The lead became an opportunity (observed). */
  opportunity: boolean;
  /** A rep sent a toss-up of the lead back (observed). */
  sentBack: boolean;
}

/** Decisions whose flag changes one way, e.g. `no → yes`. */
export interface FlagFlip {
  from: TossUpFlag;
  to: TossUpFlag;
  decisions: number;
  /** Distinct leads among them. */
  leads: number;
  /** Of those leads, how many became an opportunity. */
  opportunityLeads: number;
  /** Of those leads, how many a rep had sent back (a `yes → no` of these is noise removed). */
  sentBackLeads: number;
  examples: FlipExample[];
}

const FLAGS: readonly TossUpFlag[] = ['yes', 'no', 'hold'];

/**
 * The decisions the candidate rules decide with another flag than the current ones (both replayed on
 * the same rows, at the same instants), by direction, with the first few as examples.
 */
export function flagFlips(
  current: readonly ReplayedDecision[],
  candidate: readonly ReplayedDecision[],
  observed: ObservedLeads,
  examplesPerDirection = 5,
): FlagFlip[] {
  const byDirection = new Map<string, { flip: FlagFlip; leads: Set<string> }>();
  for (const from of FLAGS)
    for (const to of FLAGS)
      if (from !== to)
        byDirection.set(`${from}>${to}`, {
          flip: { from, to, decisions: 0, leads: 0, opportunityLeads: 0, sentBackLeads: 0, examples: [] },
          leads: new Set(),
        });
  current.forEach((c, i) => {
    const k = candidate[i];
    if (!k || k.recorded !== c.recorded)
      throw new Error('flagFlips: the two replays are not of the same rows');
    if (c.decision.flag === k.decision.flag) return;
    const entry = byDirection.get(`${c.decision.flag}>${k.decision.flag}`);
    if (!entry) return;
    const { row, leadKey } = c.recorded;
    entry.flip.decisions++;
    if (!entry.leads.has(leadKey)) {
      entry.leads.add(leadKey);
      if (observed.opportunities.has(leadKey)) entry.flip.opportunityLeads++;
      if (observed.sentBack.has(leadKey)) entry.flip.sentBackLeads++;
      if (entry.flip.examples.length < examplesPerDirection)
        entry.flip.examples.push({
          crm: row.crm,
          leadId: row.lead_id,
          decidedAt: row.decided_at,
          currentReasons: c.decision.reasons.map((r) => r.code),
          candidateReasons: k.decision.reasons.map((r) => r.code),
          opportunity: observed.opportunities.has(leadKey),
          sentBack: observed.sentBack.has(leadKey),
        });
    }
  });
  return [...byDirection.values()].map(({ flip, leads }) => ({ ...flip, leads: leads.size }));
}
