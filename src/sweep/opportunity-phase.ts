import { FailureKind } from '../domain/errors.ts';
import type { CrmName } from '../domain/lead.ts';
import { type Episode, type EpisodeEvent, episodeEvent, hasStep, STEP } from '../episodes/episode.ts';
import { recordSteps } from '../episodes/record-step.ts';
import { MESSAGE_MAX, scrubText } from '../logging/scrub.ts';
import { type StopSignal, stopFromError } from '../pipeline/failure-policy.ts';
import type { RunLease } from '../pipeline/run-lease.ts';
import type { Deadline } from '../ports/deadline.ts';
import type { EpisodeStore, ScheduleEpisode } from '../ports/episode-store.ts';
import { CHANGED_SINCE_READ } from '../ports/lead-sink.ts';
import type { SyncCursor } from '../ports/lead-source.ts';
import type { OpportunityCrm, OpportunityFlagUpdate, OpportunityLink } from '../ports/opportunity-crm.ts';
import { type OpportunityOutcome, type OutcomeStore, outcomeId } from '../ports/outcome-store.ts';
import type { StateStore } from '../ports/state-store.ts';
import { zonedDate } from '../sla/zoned-time.ts';

/** Opportunities one sweep reads at most (whole pages); the rest are read by the next sweep. */
export const DEFAULT_OPPORTUNITY_LIMIT = 5_000;
/** Below this much time left (`deadline`), no new page is started. */
const PAGE_RESERVE_MS = 15_000;

export interface OpportunityPhaseOptions {
  crmName: CrmName;
  crm: OpportunityCrm;
  episodes: EpisodeStore;
  outcomes: OutcomeStore;
  /** Where the phase's own cursor lives (compare-and-set), under `cursorKey`. */
  state: Pick<StateStore, 'getCursor' | 'putCursor'>;
  /** `opportunities:<crm>:<scope>` (see `opportunityCursorKey`). */
  cursorKey: string;
  /** The sweep's schedule (closing episodes get no next check). */
  schedule: ScheduleEpisode;
  /** The sweep's instant: when outcome records are written. */
  now: Date;
  /** The time zone of the flag's date (sla.yaml `timeZone`; default Asia/Tokyo). */
  timeZone?: string;
  /** Read and plan only: no flag, no event, no outcome record, no cursor move. */
  dryRun?: boolean;
  limit?: number;
  deadline?: Deadline;
  lease?: Pick<RunLease, 'assertHeld'>;
}

export interface OpportunityPhaseReport {
  /** Opportunities read (changed since the cursor). */
  opportunities: number;
  /** Of their links to leads/contacts. */
  links: number;
  /** Episodes closed with reason `opportunity` (dry run: that would be). */
  episodesWon: number;
  /** Closings (won or lost) recorded on an episode's opportunity. */
  closedWon: number;
  closedLost: number;
  /** Outcome records first written with no toss-up (`episodeKey` null). */
  withoutTossUp: number;
  /** Outcome records written (new or changed). */
  outcomesWritten: number;
  /** Opportunity flags set on leads/contacts (dry run: to be set). */
  flagsSet: number;
  failed: number;
  /**
   * Flags not written because someone else changed the record since the sync read it
   * (`CHANGED_SINCE_READ`, no echo): not failures. The cursor stays; once the sync has read the
   * change, a later sweep writes the flag and closes the episode.
   */
  heldForSync: number;
  /** A few failures: ids and codes only. */
  samples: { leadId: string; stage: 'flag' | 'record' | 'outcome'; code: string; message: string }[];
  /** The cursor committed after the last page handled (null = not moved). */
  cursor: SyncCursor | null;
  stop: StopSignal | null;
}

export function opportunityCursorKey(crm: CrmName, scope: string): string {
  return `opportunities:${crm}:${scope}`;
}

const MAX_SAMPLES = 5;

/**
 * The opportunity phase of `tossup sweep` (issue 14, docs/sales-in-the-loop.md "Opportunity outcomes"):
 * opportunities changed since the phase's cursor are read page by page with the leads/contacts they
 * link to, and for each page:
 * 1. attribution: a link counts for the lead's toss-up episode (its decision key) when that episode
 *    was handed off at or before the opportunity's creation; otherwise it has no toss-up;
 * 2. the opportunity flag (商談化フラグ) is set, once, on the records whose episode gets its first
 *    opportunity (never on a record already flagged, never for an opportunity without a toss-up);
 * 3. the episode events are recorded after the flag (effect first, then the step): `opportunity`
 *    (closes the episode) and, when the opportunity is closed, `opportunity_closed` with the lost reason;
 * 4. one outcome record per opportunity and lead goes to the outcome store, toss-up or not, keeping its
 *    first attribution; then the page's cursor is committed.
 * A failure stops the phase before the cursor moves, so the next sweep reads the page again; every
 * step is idempotent (flag set once, steps once, records upserted). Never throws.
 */
export async function runOpportunityPhase(options: OpportunityPhaseOptions): Promise<OpportunityPhaseReport> {
  const report: OpportunityPhaseReport = {
    opportunities: 0,
    links: 0,
    episodesWon: 0,
    closedWon: 0,
    closedLost: 0,
    withoutTossUp: 0,
    outcomesWritten: 0,
    flagsSet: 0,
    failed: 0,
    heldForSync: 0,
    samples: [],
    cursor: null,
    stop: null,
  };
  try {
    const stored = await options.state.getCursor(options.cursorKey);
    let version = stored?.version ?? null;
    const limit = Math.max(1, options.limit ?? DEFAULT_OPPORTUNITY_LIMIT);
    for await (const page of options.crm.readChanged({ since: stored?.cursor ?? null, limit })) {
      report.opportunities += page.opportunities;
      report.links += page.links.length;
      options.lease?.assertHeld();
      const { failed, held } = await handlePage(options, page.links, report);
      if (failed) {
        report.stop = {
          kind: FailureKind.Transient,
          action: 'retry',
          code: 'opportunity_write_failed',
          message: `${failed} opportunity write(s) failed; the cursor stays, the next sweep reads these opportunities again`,
        };
        break;
      }
      // Held flags keep the page unread for the phase: the sweep after the next sync handles them.
      if (held) break;
      if (!options.dryRun) {
        version = (await options.state.putCursor(options.cursorKey, page.cursor, version)).version;
        report.cursor = page.cursor;
      }
      if (options.deadline && options.deadline.remainingMs() < PAGE_RESERVE_MS) break;
    }
  } catch (e) {
    report.stop = stopFromError(e);
  }
  return report;
}

interface Planned {
  link: OpportunityLink;
  episode: Episode | null;
}

/**
 * One page: flags, events, outcome records. Returns the failures and the flags held for the next sync
 * (both 0 = commit the cursor).
 */
async function handlePage(
  options: OpportunityPhaseOptions,
  links: readonly OpportunityLink[],
  report: OpportunityPhaseReport,
): Promise<{ failed: number; held: number }> {
  const keys = [...new Set(links.flatMap((l) => (l.decisionKey ? [l.decisionKey] : [])))];
  const stored = keys.length > 0 ? await options.episodes.getMany(keys) : new Map();
  const planned: Planned[] = links.map((link) => {
    const ep = link.decisionKey ? (stored.get(link.decisionKey)?.episode ?? null) : null;
    const counts =
      ep !== null &&
      ep.leadId === link.leadId &&
      Date.parse(ep.handedOffAt) <= Date.parse(link.opportunity.createdAt);
    return { link, episode: counts ? ep : null };
  });

  // The first opportunity of each episode: the earliest created, then the smallest id, so every sweep
  // (and a page read twice) picks the same one.
  const firstOf = new Map<string, OpportunityLink>();
  for (const p of planned) {
    if (!p.episode) continue;
    const known = p.episode.opportunity;
    if (known) continue;
    const cur = firstOf.get(p.episode.key);
    if (!cur || earlier(p.link, cur)) firstOf.set(p.episode.key, p.link);
  }

  // 2. Flags, once per record, only where a toss-up became an opportunity.
  const flagUpdates = new Map<string, { update: OpportunityFlagUpdate; episodeKeys: string[] }>();
  for (const p of planned) {
    if (!p.episode || p.link.opportunityFlagged) continue;
    // Only with the episode's first opportunity: a flag a person cleared afterwards stays cleared.
    if (firstOf.get(p.episode.key) !== p.link) continue;
    const target = p.link.flagTarget ?? { id: p.link.leadId, objectType: p.link.objectType };
    const entry = flagUpdates.get(target.id);
    if (entry) entry.episodeKeys.push(p.episode.key);
    else
      flagUpdates.set(target.id, {
        update: {
          id: target.id,
          objectType: target.objectType,
          at: p.link.opportunity.createdAt,
          date: zonedDate(new Date(p.link.opportunity.createdAt), options.timeZone ?? 'Asia/Tokyo'),
        },
        episodeKeys: [p.episode.key],
      });
  }
  let failed = 0;
  let held = 0;
  const blocked = new Set<string>();
  if (options.dryRun) report.flagsSet += flagUpdates.size;
  else if (flagUpdates.size > 0) {
    const entries = [...flagUpdates.values()];
    const results = await options.crm.writeFlags(entries.map((e) => e.update));
    results.forEach((r, i) => {
      const entry = entries[i]!;
      if (r.ok) report.flagsSet += 1;
      else if (r.code === CHANGED_SINCE_READ) {
        held += 1;
        for (const k of entry.episodeKeys) blocked.add(k);
      } else {
        failed += 1;
        for (const k of entry.episodeKeys) blocked.add(k);
        sample(report, entry.update.id, 'flag', r.code, r.message);
      }
    });
  }

  // 3. Episode events, after their flag.
  const items: { key: string; event: EpisodeEvent }[] = [];
  const seenSteps = new Set<string>();
  const push = (key: string, event: EpisodeEvent) => {
    const id = `${key}\u0000${event.step}`;
    if (seenSteps.has(id)) return;
    seenSteps.add(id);
    items.push({ key, event });
  };
  for (const p of planned) {
    const ep = p.episode;
    if (!ep || blocked.has(ep.key)) continue;
    const o = p.link.opportunity;
    const mine = ep.opportunity ? ep.opportunity.id === o.id : firstOf.get(ep.key) === p.link;
    if (!mine) continue;
    if (!hasStep(ep, STEP.opportunity)) {
      push(
        ep.key,
        episodeEvent({
          type: 'opportunity',
          at: o.createdAt,
          cause: 'crm_change',
          opportunityId: o.id,
          source: p.link.source,
        }),
      );
    }
    if (o.stage !== 'open' && !hasStep(ep, STEP.opportunityClosed)) {
      push(
        ep.key,
        episodeEvent({
          type: 'opportunity_closed',
          at: o.closedAt ?? options.now.toISOString(),
          cause: 'crm_change',
          opportunityId: o.id,
          won: o.stage === 'won',
          lostReason: o.stage === 'lost' ? o.lostReason : null,
        }),
      );
    }
  }
  const tally = (e: EpisodeEvent) => {
    if (e.type === 'opportunity') report.episodesWon += 1;
    else if (e.type === 'opportunity_closed') {
      if (e.won) report.closedWon += 1;
      else report.closedLost += 1;
    }
  };
  if (options.dryRun) for (const i of items) tally(i.event);
  else {
    const results = await recordSteps(options.episodes, items, options.schedule);
    results.forEach((r, i) => {
      const item = items[i]!;
      if (r.ok) {
        if (r.value.recorded) tally(item.event);
      } else {
        failed += 1;
        const { code, message } = stopFromError(r.error);
        sample(report, item.key, 'record', code, message);
      }
    });
  }

  // 4. Outcome records, toss-up or not.
  const ids = planned.map((p) =>
    outcomeId({ crm: options.crmName, opportunityId: p.link.opportunity.id, leadId: p.link.leadId }),
  );
  const existing = await options.outcomes.getMany(ids);
  const writes = new Map<string, OpportunityOutcome>();
  const now = options.now.toISOString();
  planned.forEach((p, i) => {
    const id = ids[i]!;
    const before = writes.get(id) ?? existing.get(id);
    const o = p.link.opportunity;
    const next: OpportunityOutcome = {
      crm: options.crmName,
      opportunityId: o.id,
      leadId: p.link.leadId,
      objectType: p.link.objectType,
      source: before?.source ?? p.link.source,
      stage: o.stage,
      createdAt: o.createdAt,
      closedAt: o.closedAt,
      lostReason: o.stage === 'lost' ? o.lostReason : null,
      // The first attribution stands: a lead re-decided later does not rewrite what it was then.
      episodeKey: before ? before.episodeKey : (p.episode?.key ?? null),
      flagAtOpportunity: before ? before.flagAtOpportunity : p.link.flag,
      firstRecordedAt: before?.firstRecordedAt ?? now,
      updatedAt: now,
    };
    if (before && sameOutcome(before, next)) return;
    if (!before && next.episodeKey === null) report.withoutTossUp += 1;
    writes.set(id, next);
  });
  if (options.dryRun) report.outcomesWritten += writes.size;
  else if (writes.size > 0) {
    try {
      await options.outcomes.putMany([...writes.values()]);
      report.outcomesWritten += writes.size;
    } catch (e) {
      failed += 1;
      const { code, message } = stopFromError(e);
      sample(report, '-', 'outcome', code, message);
    }
  }
  report.failed += failed;
  report.heldForSync += held;
  return { failed, held };
}

function earlier(a: OpportunityLink, b: OpportunityLink): boolean {
  const ta = Date.parse(a.opportunity.createdAt);
  const tb = Date.parse(b.opportunity.createdAt);
  return ta !== tb ? ta < tb : a.opportunity.id < b.opportunity.id;
}

function sameOutcome(a: OpportunityOutcome, b: OpportunityOutcome): boolean {
  return (
    a.stage === b.stage &&
    a.closedAt === b.closedAt &&
    a.lostReason === b.lostReason &&
    a.objectType === b.objectType &&
    a.createdAt === b.createdAt
  );
}

function sample(
  report: OpportunityPhaseReport,
  leadId: string,
  stage: 'flag' | 'record' | 'outcome',
  code: string,
  message: string,
): void {
  if (report.samples.length < MAX_SAMPLES)
    report.samples.push({ leadId, stage, code, message: scrubText(message).slice(0, MESSAGE_MAX) });
}
