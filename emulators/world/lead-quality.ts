import { TITLE_RANK_ORDER } from '../../src/domain/lead.ts';
import type { SentBackReason } from '../../src/domain/rep-feedback.ts';
import { titleRank } from '../../src/normalize/title-rank.ts';
import type { WorldCompany, WorldPerson } from './world.ts';

/**
 * How good a toss-up really is, as the rep finds out on the first call: a score in [0, 1] from what
 * the generated world knows about the person and their company — the IS hearing (budget, decision
 * maker, problem, timeline), intent shown in the last 30 days, how senior they are, whether the
 * account has an open deal, is a customer or lost one before, and whether sales asked for the lead.
 * The rules see part of this through their scores; the emulated reps (`rep-verdict.ts`) judge from all
 * of it, so acceptance and opportunity rates differ by toss-up reason as they would in a real team.
 *
 * `gaps` are what speaks against the lead, most telling first: the sent-back reasons a rep would pick.
 */

export const QUALITY_BANDS = ['high', 'medium', 'low'] as const;
export type QualityBand = (typeof QUALITY_BANDS)[number];

export interface LeadQuality {
  score: number;
  band: QualityBand;
  gaps: SentBackReason[];
}

const DAY_MS = 86_400_000;
const HIGH = 0.6;
const MEDIUM = 0.4;
/** Below this head count a company is not the vendor's target. */
const SMALL_COMPANY = 20;
/** From this rank (TITLE_RANK_ORDER, 1 = staff) a person can usually decide or sponsor. */
const SENIOR_ORDER = TITLE_RANK_ORDER.department_head;

export function leadQuality(person: WorldPerson, company: WorldCompany, asOf: string): LeadQuality {
  const now = Date.parse(asOf);
  const h = person.hearing;
  let q = 0.35;
  const gaps: SentBackReason[] = [];

  if (h) {
    q += h.budget === 'yes' ? 0.12 : h.budget === 'no' ? -0.15 : 0;
    q += h.decisionMaker === 'yes' ? 0.1 : h.decisionMaker === 'no' ? -0.06 : 0;
    q += h.clearProblem === 'yes' ? 0.08 : h.clearProblem === 'no' ? -0.05 : 0;
    if (h.timelineMonths !== null)
      q += h.timelineMonths <= 3 ? 0.1 : h.timelineMonths <= 6 ? 0.05 : h.timelineMonths > 12 ? -0.1 : 0;
    if (h.budget === 'no') gaps.push('no_budget');
    if (h.decisionMaker === 'no' && h.decisionInvolved !== 'yes') gaps.push('no_decision_maker');
    if (h.timelineMonths !== null && h.timelineMonths > 12) gaps.push('too_early');
  }

  const rank = titleRank(person.title);
  const order = rank === null ? null : TITLE_RANK_ORDER[rank];
  if (order !== null && order >= SENIOR_ORDER) q += 0.06;
  else if (order !== null && order <= 2 && !gaps.includes('no_decision_maker')) {
    q -= 0.04;
    gaps.push('no_decision_maker');
  }

  let strong = false;
  let medium = false;
  let pricing = false;
  let recent = false;
  for (const a of person.activities) {
    const age = now - Date.parse(a.at);
    if (age < 0) continue;
    if (age <= 90 * DAY_MS) recent = true;
    if (age > 30 * DAY_MS) continue;
    if (a.type === 'inquiry' || a.type === 'form_submission') strong = true;
    else if (
      a.type === 'document_request' ||
      a.type === 'webinar_attendance' ||
      a.type === 'event_attendance'
    )
      medium = true;
    else if (a.type === 'page_view' && a.page === 'pricing') pricing = true;
  }
  q += (strong ? 0.15 : 0) + (medium ? 0.08 : 0) + (pricing ? 0.06 : 0);
  if (!recent) {
    q -= 0.1;
    if (!gaps.includes('too_early')) gaps.push('too_early');
  }

  if (company.opportunities.some((o) => o.stage === 'Prospecting' || o.stage === 'Negotiation')) q += 0.1;
  if (company.existingCustomer) q += 0.08;
  if (company.strategicTarget) q += 0.05;
  if (company.opportunities.some((o) => o.stage === 'Closed Lost')) q -= 0.05;
  if (company.employees !== null && company.employees < SMALL_COMPANY) {
    q -= 0.12;
    gaps.push('not_our_target');
  }
  if (person.manualRequestByKey !== null) q += 0.12;
  if (person.phone === null) gaps.push('unreachable');

  const score = Math.round(Math.min(0.95, Math.max(0.05, q)) * 1000) / 1000;
  return { score, band: score >= HIGH ? 'high' : score >= MEDIUM ? 'medium' : 'low', gaps };
}
