/**
 * A month of ledger for the review benchmark, in the real on-disk format: decisions are built by the
 * project's own record code (decisionRecord), events by the tests' row builder (test/support/ledger-rows.ts)
 * with the recorder's ids (eventRecordId), and appended
 * through FileLedger in batches of 200, as a sync and a sweep append them. Decisions come from the
 * generated sample world decided by the `large` preset at their own instant (one world per day, so
 * facts are distinct); the episode events of each toss-up (hand-off, SLA status, first response,
 * ladder steps, verdict, opportunity, close) are drawn from a seeded generator whose chances follow
 * the lead's scores. The outcome store gets the opportunities: the toss-ups' own, and a few leads
 * decided no or hold that became one anyway (the review's "missed" list). Not a model of sales: a load with the row sizes, cardinalities and spread over
 * partitions of a real month, to time the review on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../emulators/shared/faults.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { SENT_BACK_REASONS } from '../../src/domain/rep-feedback.ts';
import { decisionRecord } from '../../src/ledger/decision-record.ts';
import { eventRecordId } from '../../src/ledger/event-record.ts';
import type { DecisionRecord, EventRecord } from '../../src/ledger/ledger-record.ts';
import { episodeKey } from '../../src/pipeline/episode-key.ts';
import type { OpportunityOutcome } from '../../src/ports/outcome-store.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { decideWithDataIssues } from '../../src/scoring/data-issues.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { FileOutcomeStore } from '../../src/state/file-outcome-store.ts';
import { eventRow, outcomeRow } from '../../test/support/ledger-rows.ts';
import { generatedLeads } from './generated-leads.ts';

export interface ReviewLedgerOptions {
  /** Decision rows to write (one per lead). */
  decisions: number;
  /** The month the decisions fall in, `YYYY-MM`. */
  month: string;
  seed: number;
}

export interface ReviewLedgerStats {
  decisions: number;
  tossups: number;
  events: number;
  /** Outcome-store records, and how many of them have no toss-up. */
  outcomes: number;
  outcomesWithoutTossUp: number;
  files: number;
  bytes: number;
  seconds: number;
}

const BATCH = 200;
const HOUR = 3_600_000;
/** Share of leads decided no or hold that still become an opportunity (sales found them on their own). */
const MISSED_SHARE = 0.004;
const LOST_REASONS = ['price', 'competitor', 'timing', 'no_budget', 'other'];
const ACTIVITIES = ['task_completed', 'call', 'email', 'meeting', 'other'] as const;

/** Writes the ledger under `<stateDir>/ledger/` and says what it wrote. */
export async function writeReviewLedger(
  stateDir: string,
  o: ReviewLedgerOptions,
): Promise<ReviewLedgerStats> {
  const started = Date.now();
  const rules = loadCompiledRuleSet('large');
  const reps = parseRoutingConfig(readFileSync('mappings/routing.yaml', 'utf8')).reps.filter(
    (r) => r.active !== false,
  );
  const ledger = new FileLedger(stateDir);
  const random = mulberry32(o.seed);
  const days = daysOf(o.month);
  const perDay = Math.ceil(o.decisions / days.length);
  const events = new EventBuckets(ledger);
  const outcomes: OpportunityOutcome[] = [];
  let written = 0;
  let tossups = 0;
  for (const [d, day] of days.entries()) {
    const count = Math.min(perDay, o.decisions - written);
    if (count <= 0) break;
    // Business hours in Tokyo: 09:00–18:00 JST is 00:00–09:00 UTC.
    const dayStart = Date.parse(`${day}T00:00:00.000Z`);
    const asOf = new Date(dayStart + 9 * HOUR).toISOString();
    let batch: DecisionRecord[] = [];
    let i = 0;
    for (const generated of generatedLeads(count, o.seed * 100 + d, asOf)) {
      if (i >= count) break;
      const n = written + i;
      const lead = leadOf(generated, n);
      const at = new Date(dayStart + Math.floor((i * 9 * HOUR) / count));
      const decision = decideWithDataIssues(lead, rules, at);
      const rep = reps[Math.floor(random() * reps.length)];
      if (!rep) throw new Error('mappings/routing.yaml lists no active rep');
      const repId = lead.crm === 'salesforce' ? rep.salesforceId : rep.hubspotOwnerId;
      const yes = decision.flag === 'yes';
      const key = episodeKey(lead, decision);
      batch.push(
        decisionRecord({
          lead,
          decision,
          fields: {
            flag: decision.flag,
            nextAction: decision.nextAction,
            attributeScore: decision.scores.attribute,
            ...(decision.scores.behaviour === null ? {} : { behaviourScore: decision.scores.behaviour }),
            decisionKey: key,
          },
          episodeKey: key,
          newEpisode: yes,
          ...(yes && repId ? { taskOwner: { id: repId, key: rep.key } } : {}),
        }),
      );
      if (yes) {
        tossups++;
        const quality = (decision.scores.attribute + (decision.scores.behaviour ?? 0)) / 200;
        for (const e of episodeEvents(
          lead,
          key,
          decision.nextAction,
          at.getTime(),
          repId ?? rep.key,
          rep.key,
          quality,
          random,
        )) {
          await events.add(e);
          if (e.event_type === 'opportunity' && e.opportunity_id)
            outcomes.push(outcome(lead, e.opportunity_id, e.event_at, key, 'yes'));
        }
      } else if (random() < MISSED_SHARE) {
        const createdAt = new Date(at.getTime() + (3 + random() * 20) * 24 * HOUR).toISOString();
        outcomes.push(outcome(lead, `006m${n}`, createdAt, null, decision.flag));
      }
      if (batch.length === BATCH) {
        await ledger.append(batch);
        batch = [];
      }
      i++;
    }
    await ledger.append(batch);
    written += i;
  }
  await events.flush();
  await new FileOutcomeStore(stateDir).putMany(outcomes);
  const { files, bytes } = sizeOf(join(stateDir, 'ledger'));
  return {
    decisions: written,
    tossups,
    events: events.count,
    outcomes: outcomes.length,
    outcomesWithoutTossUp: outcomes.filter((o) => o.episodeKey === null).length,
    files,
    bytes,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The generated person as a CRM lead: distinct ids across the days, half Salesforce Leads, half HubSpot contacts. */
function leadOf(lead: Lead, n: number): Lead {
  return n % 2 === 0
    ? { ...lead, crm: 'salesforce', objectType: 'Lead', id: `00Q${String(n).padStart(12, '0')}AAA` }
    : { ...lead, crm: 'hubspot', objectType: 'contact', id: String(10_000_000 + n) };
}

function outcome(
  lead: Lead,
  opportunityId: string,
  createdAt: string,
  episodeKey: string | null,
  flag: 'yes' | 'no' | 'hold',
): OpportunityOutcome {
  return outcomeRow({
    crm: lead.crm,
    opportunityId,
    leadId: lead.id,
    objectType: lead.objectType,
    source: lead.crm === 'salesforce' ? 'lead_conversion' : 'deal_association',
    createdAt,
    episodeKey,
    flagAtOpportunity: flag,
  });
}

/** One toss-up's steps after the hand-off; chances rise with the scores (`quality` in 0…1). */
function* episodeEvents(
  lead: Lead,
  key: string,
  nextAction: string,
  handedOffAt: number,
  ownerId: string,
  ownerKey: string,
  quality: number,
  random: () => number,
): Generator<EventRecord> {
  const allowed = nextAction === 'call_within_24h' ? 8 : 24;
  const row = (type: string, step: string, atMs: number, extra: Partial<EventRecord> = {}): EventRecord =>
    eventRow({
      record_id: eventRecordId(lead.crm, key, step),
      crm: lead.crm,
      object_type: lead.objectType,
      lead_id: lead.id,
      episode_key: key,
      event_type: type,
      step,
      event_at: new Date(atMs).toISOString(),
      cause: 'sweep',
      next_action: nextAction,
      owner_id: ownerId,
      owner_key: ownerKey,
      ...extra,
    });
  yield row('handed_off', 'handed_off', handedOffAt, { cause: 'rule' });
  yield row('sla_status', `sla@${new Date(handedOffAt + HOUR).toISOString()}`, handedOffAt + HOUR, {
    sla_status: 'on_track',
  });
  const answers = random() < 0.85;
  const hours = Math.round(-Math.log(1 - random()) * allowed * 0.6 * 100) / 100;
  const late = !answers || hours > allowed;
  if (late) {
    yield row('ladder_step', 'ladder.remind', handedOffAt + allowed * HOUR, {
      ladder_action: 'remind_owner',
      round: 1,
    });
    if (random() < 0.5)
      yield row('ladder_step', 'ladder.manager', handedOffAt + (allowed + 8) * HOUR, {
        ladder_action: 'notify_manager',
        round: 1,
      });
  }
  if (!answers) return;
  const respondedAt = handedOffAt + hours * HOUR;
  const activity = ACTIVITIES[Math.floor(random() * ACTIVITIES.length)] ?? 'call';
  yield row(
    activity === 'task_completed' ? 'task_completed' : 'first_response',
    'first_response',
    respondedAt,
    {
      cause: 'rep',
      activity: activity === 'task_completed' ? null : activity,
      response_hours: hours,
      response_unit: 'businessHours',
      allowed_hours: allowed,
      on_time: !late,
    },
  );
  yield row('sla_status', `sla@${new Date(respondedAt + HOUR).toISOString()}`, respondedAt + HOUR, {
    sla_status: late ? 'late' : 'met',
  });
  if (random() > 0.9) return;
  const verdictAt = respondedAt + (4 + random() * 48) * HOUR;
  if (random() < 0.25 + (1 - quality) * 0.3) {
    const reason = SENT_BACK_REASONS[Math.floor(random() * SENT_BACK_REASONS.length)] ?? 'other';
    yield row('verdict', 'verdict.sent_back', verdictAt, {
      cause: 'rep',
      verdict_result: 'sent_back',
      sent_back_reason: reason,
      close_reason: 'sent_back',
    });
    return;
  }
  yield row('verdict', 'verdict.accepted', verdictAt, { cause: 'rep', verdict_result: 'accepted' });
  if (random() > 0.1 + quality * 0.5) return;
  const oppAt = verdictAt + (24 + random() * 24 * 20) * HOUR;
  const oppId = `006${key.slice(3, 15)}`;
  yield row('opportunity', 'opportunity', oppAt, {
    cause: 'crm_change',
    opportunity_id: oppId,
    close_reason: 'opportunity',
  });
  if (random() < 0.4) {
    const won = random() < 0.5;
    yield row('opportunity_closed', 'opportunity_closed', oppAt + (24 * 10 + random() * 24 * 30) * HOUR, {
      cause: 'crm_change',
      opportunity_id: oppId,
      opportunity_won: won,
      lost_reason: won ? null : (LOST_REASONS[Math.floor(random() * LOST_REASONS.length)] ?? 'other'),
    });
  }
}

/** Events wait per day partition and go out 200 at a time, one partition per append, as a sweep's batch would. */
class EventBuckets {
  readonly #ledger: FileLedger;
  readonly #byDay = new Map<string, EventRecord[]>();
  count = 0;

  constructor(ledger: FileLedger) {
    this.#ledger = ledger;
  }

  async add(e: EventRecord): Promise<void> {
    const list = this.#byDay.get(e.dt) ?? [];
    list.push(e);
    this.#byDay.set(e.dt, list);
    if (list.length === BATCH) {
      this.#byDay.delete(e.dt);
      await this.#append(list);
    }
  }

  async flush(): Promise<void> {
    for (const list of this.#byDay.values()) await this.#append(list);
    this.#byDay.clear();
  }

  /** Counts rows written: a step drawn twice in an episode (two SLA writes in the same instant) is one row. */
  async #append(list: EventRecord[]): Promise<void> {
    this.count += (await this.#ledger.append(list)).appended;
  }
}

function daysOf(month: string): string[] {
  const first = Date.parse(`${month}-01T00:00:00.000Z`);
  if (Number.isNaN(first)) throw new RangeError(`month must be YYYY-MM, not ${month}`);
  const out: string[] = [];
  for (let t = first; new Date(t).toISOString().startsWith(month); t += 24 * HOUR)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}
