import { mulberry32 } from '../../emulators/shared/faults.ts';
import type { Decision } from '../../src/domain/decision.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { decisionRecord } from '../../src/ledger/decision-record.ts';
import type { DecisionRecord, EventRecord } from '../../src/ledger/ledger-record.ts';
import { recordId } from '../../src/ledger/ledger-record.ts';
import type { OpportunityOutcome } from '../../src/ports/outcome-store.ts';
import type { CompiledRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide } from '../../src/scoring/decide.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { FileOutcomeStore } from '../../src/state/file-outcome-store.ts';
import { makeLead } from '../support/lead-factory.ts';
import { eventRow, outcomeRow } from '../support/ledger-rows.ts';

/**
 * A generated history with a planted truth, for the backtest: leads decided over 90 days by the
 * `planted-current.yaml` rules (toss up at attribute 50, behaviour 40), whose chance to become an
 * opportunity jumps at behaviour 30 — 50% at or above, 4% below — whatever the rules said. Tossed-up
 * leads that convert are `opportunity` events of their episode; the others are opportunities in the
 * outcome store without a toss-up (as the sweep's opportunity phase records them); half the toss-ups
 * that do not convert are sent back (a verdict event). Pure and seeded.
 */
export const PLANTED_STEP = 30;
export const PLANTED_RATE_ABOVE = 0.5;
export const PLANTED_RATE_BELOW = 0.04;
/** The last decision day; the history runs over the 90 days before it. */
export const PLANTED_END = '2026-11-27T01:00:00.000Z';
export const PLANTED_PERIOD = { from: '2026-08-29T00:00:00.000Z', to: '2026-11-28T00:00:00.000Z' };

export interface PlantedHistory {
  decisions: DecisionRecord[];
  events: EventRecord[];
  opportunities: OpportunityOutcome[];
}

const SIZES = [40, 150, 400, 1500] as const;
const DAY = 86_400_000;

export function plantedHistory(
  rules: CompiledRuleSet,
  options: { leads?: number; seed?: number } = {},
): PlantedHistory {
  const random = mulberry32(options.seed ?? 15);
  const n = options.leads ?? 3000;
  const end = Date.parse(PLANTED_END);
  const out: PlantedHistory = { decisions: [], events: [], opportunities: [] };
  for (let i = 0; i < n; i++) {
    const id = `00Q${String(i + 1).padStart(12, '0')}AAA`;
    const at = new Date(end - Math.floor(random() * 90) * DAY).toISOString();
    const behaviour = Math.floor(random() * 80);
    const lead: Lead = makeLead({
      id,
      crm: 'salesforce',
      objectType: 'Lead',
      modifiedAt: at,
      maBehaviourScore: behaviour,
      company: { name: null, employees: SIZES[Math.floor(random() * SIZES.length)]! },
    });
    const decision: Decision = decide(lead, rules, new Date(at));
    const tossedUp = decision.flag === 'yes';
    const episodeKey = tossedUp ? `ep-${id}` : null;
    out.decisions.push(
      decisionRecord({
        lead,
        decision,
        fields: { flag: decision.flag, nextAction: decision.nextAction },
        episodeKey,
        newEpisode: tossedUp,
      }),
    );
    const converts = random() < (behaviour >= PLANTED_STEP ? PLANTED_RATE_ABOVE : PLANTED_RATE_BELOW);
    if (!converts) {
      // Half the toss-ups that go nowhere are sent back by the rep.
      if (episodeKey && random() < 0.5)
        out.events.push(verdictEvent(lead, episodeKey, new Date(Date.parse(at) + 2 * DAY).toISOString()));
      continue;
    }
    const opportunityAt = new Date(Date.parse(at) + 7 * DAY).toISOString();
    const opportunityId = `006${String(i + 1).padStart(12, '0')}AAA`;
    if (episodeKey) out.events.push(opportunityEvent(lead, episodeKey, opportunityId, opportunityAt));
    out.opportunities.push(
      outcomeRow({
        opportunityId,
        leadId: id,
        createdAt: opportunityAt,
        episodeKey,
        flagAtOpportunity: decision.flag,
      }),
    );
  }
  return out;
}

/** Writes the history where `tossup backtest` reads it: the ledger and the outcome store of a state dir. */
export async function writePlantedHistory(stateDir: string, history: PlantedHistory): Promise<void> {
  await new FileLedger(stateDir).append([...history.decisions, ...history.events]);
  await new FileOutcomeStore(stateDir).putMany(history.opportunities);
}

function verdictEvent(lead: Lead, episodeKey: string, at: string): EventRecord {
  return plantedEvent(lead, episodeKey, 'verdict:sent_back', at, {
    event_type: 'verdict',
    cause: 'sync',
    close_reason: 'sent_back',
    verdict_result: 'sent_back',
    sent_back_reason: 'no_need',
  });
}

function opportunityEvent(lead: Lead, episodeKey: string, opportunityId: string, at: string): EventRecord {
  return plantedEvent(lead, episodeKey, `opportunity:${opportunityId}`, at, {
    event_type: 'opportunity',
    close_reason: 'opportunity',
    opportunity_id: opportunityId,
  });
}

/** An event of the lead's episode, handed to the planted owner; its id from the episode and step, as the recorder's. */
function plantedEvent(
  lead: Lead,
  episodeKey: string,
  step: string,
  at: string,
  over: Partial<EventRecord>,
): EventRecord {
  return eventRow({
    record_id: recordId('e', [lead.crm, episodeKey, step]),
    lead_id: lead.id,
    episode_key: episodeKey,
    step,
    event_at: at,
    cause: 'sweep',
    owner_id: '005000000000001AAA',
    ...over,
  });
}
