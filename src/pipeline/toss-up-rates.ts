import type { SentBackReason, TossUpResult } from '../domain/rep-feedback.ts';
import type { Episode, EpisodeOwner } from '../episodes/episode.ts';
import { ownerKeyOf } from './handoff-outcomes.ts';

/**
 * What sales made of the toss-ups, from the episodes alone (issue 14): per toss-up reason and per rep,
 * how many were judged, accepted, sent back, became an opportunity or were lost. Pure: the demo's
 * summary and out/report.html show it, and the monthly review can run it over any set of episodes.
 *
 * An episode's outcome comes from its `verdict` events (the rep's result, read from the CRM's
 * feedback fields), its `opportunity` event (an opportunity linked to the lead after the hand-off) and
 * its close reason (`sent_back`, `lost`, `opportunity`): an opportunity, by any of them, wins; else a
 * loss; else the latest verdict. A toss-up that became an opportunity or was lost
 * had been accepted, so both count as accepted. Rates:
 * - acceptance = accepted / judged (judged = accepted + sent back): of the toss-ups a rep judged,
 *   the share they kept; null while none is judged;
 * - opportunity = opportunities / handed off: of all toss-ups, the share that became a deal.
 */

export interface RateTally {
  /** Episodes (toss-ups handed off). */
  handedOff: number;
  /** With a verdict: accepted + sentBack. */
  judged: number;
  /** Accepted, including those that became an opportunity or were lost. */
  accepted: number;
  sentBack: number;
  opportunities: number;
  lost: number;
}

export interface TossUpRates {
  total: RateTally;
  /** By the hand-off's most decisive reason code (`unknown` for episodes that did not record it). */
  byReason: Record<string, RateTally>;
  /** By the rep who owned the toss-up when it was judged (routing key, else CRM owner id). */
  byOwner: Record<string, RateTally>;
  /** Sent-back toss-ups by the reason the rep gave (`unspecified` when none). */
  sentBackReasons: Record<string, number>;
}

export const UNKNOWN_REASON = 'unknown';

export function emptyRateTally(): RateTally {
  return { handedOff: 0, judged: 0, accepted: 0, sentBack: 0, opportunities: 0, lost: 0 };
}

export function acceptanceRate(t: RateTally): number | null {
  return t.judged === 0 ? null : t.accepted / t.judged;
}

export function opportunityRate(t: RateTally): number | null {
  return t.handedOff === 0 ? null : t.opportunities / t.handedOff;
}

export function addRateTally(into: RateTally, t: RateTally): void {
  into.handedOff += t.handedOff;
  into.judged += t.judged;
  into.accepted += t.accepted;
  into.sentBack += t.sentBack;
  into.opportunities += t.opportunities;
  into.lost += t.lost;
}

/** What became of one toss-up, as the rates count it. */
export interface EpisodeVerdict {
  outcome: 'none' | 'accepted' | 'sent_back' | 'opportunity' | 'lost';
  sentBackReason: SentBackReason | null;
  /** ISO UTC of the verdict that decided the outcome (null: none, or only a close reason). */
  at: string | null;
}

export function episodeVerdict(ep: Episode): EpisodeVerdict {
  const verdicts = ep.events
    .filter((e): e is Extract<typeof e, { type: 'verdict' }> => e.type === 'verdict')
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const seen = (r: TossUpResult) => verdicts.find((v) => v.result === r);
  const latest = verdicts.at(-1);
  const opportunity = seen('opportunity');
  if (opportunity || ep.opportunity || ep.closeReason === 'opportunity')
    return {
      outcome: 'opportunity',
      sentBackReason: null,
      at: opportunity?.at ?? ep.opportunity?.at ?? latest?.at ?? null,
    };
  const lost = seen('lost');
  if (lost || ep.closeReason === 'lost')
    return { outcome: 'lost', sentBackReason: null, at: lost?.at ?? null };
  if (latest?.result === 'sent_back' || (!latest && ep.closeReason === 'sent_back'))
    return { outcome: 'sent_back', sentBackReason: latest?.sentBackReason ?? null, at: latest?.at ?? null };
  if (latest?.result === 'accepted') return { outcome: 'accepted', sentBackReason: null, at: latest.at };
  return { outcome: 'none', sentBackReason: null, at: null };
}

/** The owner of the episode at `at` (the hand-off's owner, moved by each reassignment up to then). */
export function ownerAt(ep: Episode, at: string | null): EpisodeOwner {
  if (at === null) return ep.owner;
  const t = Date.parse(at);
  let owner: EpisodeOwner | null = null;
  for (const e of ep.events) {
    if (Date.parse(e.at) > t) break;
    if (e.type === 'handed_off') owner = e.owner;
    else if (e.type === 'ladder_step' && e.action === 'reassign' && e.owner && e.skipped === undefined)
      owner = e.owner;
  }
  return owner ?? ep.owner;
}

export function tossUpRates(episodes: readonly Episode[]): TossUpRates {
  const out: TossUpRates = { total: emptyRateTally(), byReason: {}, byOwner: {}, sentBackReasons: {} };
  for (const ep of episodes) {
    const v = episodeVerdict(ep);
    const owner = ownerKeyOf(ownerAt(ep, v.at));
    for (const t of [out.total, tally(out.byReason, ep.reason ?? UNKNOWN_REASON), tally(out.byOwner, owner)])
      count(t, v);
    if (v.outcome === 'sent_back') {
      const r = v.sentBackReason ?? 'unspecified';
      out.sentBackReasons[r] = (out.sentBackReasons[r] ?? 0) + 1;
    }
  }
  return out;
}

function count(t: RateTally, v: EpisodeVerdict): void {
  t.handedOff++;
  if (v.outcome === 'none') return;
  t.judged++;
  if (v.outcome === 'sent_back') {
    t.sentBack++;
    return;
  }
  t.accepted++;
  if (v.outcome === 'opportunity') t.opportunities++;
  if (v.outcome === 'lost') t.lost++;
}

function tally(record: Record<string, RateTally>, key: string): RateTally {
  let t = record[key];
  if (!t) {
    t = emptyRateTally();
    record[key] = t;
  }
  return t;
}
