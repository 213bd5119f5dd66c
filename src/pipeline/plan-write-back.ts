import type { Decision } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import type { TossUpFieldValues } from '../ports/lead-sink.ts';

export interface WriteBackInput {
  decision: Decision;
  /** The reason as it will appear in the CRM (already rendered and fitted to the field). */
  reasonText: string;
  episodeKey: string;
  /** Due date of the next action for a new episode; ignored while the episode continues. */
  dueAt: string | null;
  /** Owner routing picked for a new episode; written only when it differs from the lead's owner. */
  ownerId?: string;
  /**
   * `ownerId` is an owner of record assigned now (record-owner.ts): written when it differs from the
   * lead's owner even while the key continues.
   */
  ownerOfRecord?: boolean;
}

/**
 * Only the toss-up fields whose value would change. An unchanged lead produces `{}` and costs no
 * API call; a continuing episode keeps its original due date, so re-running never moves a deadline
 * sales are already working to.
 */
export function planWriteBack(lead: Lead, input: WriteBackInput): TossUpFieldValues {
  const c = lead.current;
  const d = input.decision;
  const out: TossUpFieldValues = {};
  if (c.flag !== d.flag) out.flag = d.flag;
  if (c.nextAction !== d.nextAction) out.nextAction = d.nextAction;
  if (c.reason !== input.reasonText) out.reason = input.reasonText;
  if (c.attributeScore !== d.scores.attribute) out.attributeScore = d.scores.attribute;
  // An unknown behaviour score (MA tool without a score) leaves whatever the CRM has.
  if (d.scores.behaviour !== null && c.behaviourScore !== d.scores.behaviour)
    out.behaviourScore = d.scores.behaviour;
  if (c.decisionKey !== input.episodeKey) {
    out.decisionKey = input.episodeKey;
    if (!sameInstant(c.dueAt, input.dueAt)) out.dueAt = input.dueAt;
    if (input.ownerId !== undefined && !sameOwner(lead.ownerId, input.ownerId)) out.ownerId = input.ownerId;
  } else if (input.ownerOfRecord && input.ownerId !== undefined && !sameOwner(lead.ownerId, input.ownerId))
    out.ownerId = input.ownerId;
  return out;
}

/** Salesforce ids come in 15- and 18-character forms of the same id; either matches the other. */
function sameOwner(current: string | null, next: string): boolean {
  if (current === null) return false;
  if (current === next) return true;
  const sf = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
  return sf.test(current) && sf.test(next) && current.slice(0, 15) === next.slice(0, 15);
}

function sameInstant(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return Date.parse(a) === Date.parse(b);
}

export function isEmptyPlan(fields: TossUpFieldValues): boolean {
  return Object.keys(fields).length === 0;
}
