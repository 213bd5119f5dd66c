import type { AccountMatch, MatchVia } from './account-match.ts';

/**
 * What lead-to-account matching did in a page or a run, for the run report: counts and a few
 * ambiguous samples (record ids only — no names, domains or addresses).
 */
export interface AccountMatchTally {
  matchedByDomain: number;
  matchedByName: number;
  ambiguous: number;
  none: number;
  ambiguousSamples: { leadId: string; via: MatchVia; candidateIds: string[] }[];
}

export const AMBIGUOUS_SAMPLE_CAP = 20;
const CANDIDATE_CAP = 5;

export function emptyTally(): AccountMatchTally {
  return { matchedByDomain: 0, matchedByName: 0, ambiguous: 0, none: 0, ambiguousSamples: [] };
}

export function countMatch(t: AccountMatchTally, leadId: string, m: AccountMatch): void {
  if (m.kind === 'matched') {
    if (m.via === 'domain') t.matchedByDomain++;
    else t.matchedByName++;
  } else if (m.kind === 'none') t.none++;
  else {
    t.ambiguous++;
    if (t.ambiguousSamples.length < AMBIGUOUS_SAMPLE_CAP)
      t.ambiguousSamples.push({ leadId, via: m.via, candidateIds: m.candidateIds.slice(0, CANDIDATE_CAP) });
  }
}

export function addTally(into: AccountMatchTally, page: AccountMatchTally): void {
  into.matchedByDomain += page.matchedByDomain;
  into.matchedByName += page.matchedByName;
  into.ambiguous += page.ambiguous;
  into.none += page.none;
  for (const s of page.ambiguousSamples) {
    if (into.ambiguousSamples.length >= AMBIGUOUS_SAMPLE_CAP) break;
    into.ambiguousSamples.push(s);
  }
}
