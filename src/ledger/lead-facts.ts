import type { Lead } from '../domain/lead.ts';
import { scrubText } from '../logging/scrub.ts';

/**
 * The normalized lead a decision read, as the ledger keeps it: everything the rules and scores can
 * use, nothing that names or reaches a person. Dropped: the person's and the company's names, the
 * hearing notes and the rep's feedback note (free text), the rendered reason, the raw text of
 * unreadable values (it can be anything a person typed). Every other string is masked by the one
 * scrubber (e-mail addresses, phone numbers), in case a CRM field holds one where it should not.
 */
export type LeadFacts = Omit<Lead, 'person' | 'company' | 'hearing' | 'current' | 'dataIssues'> & {
  company: Omit<Lead['company'], 'name'>;
  person: Omit<Lead['person'], 'name'>;
  hearing: Omit<NonNullable<Lead['hearing']>, 'notes'> | null;
  current: Omit<Lead['current'], 'reason' | 'feedback'> & {
    feedback?: Omit<NonNullable<Lead['current']['feedback']>, 'note'>;
  };
  dataIssues: Omit<Lead['dataIssues'][number], 'raw'>[];
};

export function leadFacts(lead: Lead): LeadFacts {
  const { name: _company, ...company } = lead.company;
  const { name: _person, ...person } = lead.person;
  const { reason: _reason, feedback, ...current } = lead.current;
  const facts: LeadFacts = {
    id: lead.id,
    crm: lead.crm,
    objectType: lead.objectType,
    ownerId: lead.ownerId,
    modifiedAt: lead.modifiedAt,
    company,
    person,
    activities: lead.activities,
    maBehaviourScore: lead.maBehaviourScore,
    hearing: lead.hearing ? withoutNotes(lead.hearing) : null,
    history: lead.history,
    manualRequest: lead.manualRequest,
    current: feedback ? { ...current, feedback: withoutNote(feedback) } : current,
    dataIssues: lead.dataIssues.map(({ raw: _raw, ...issue }) => issue),
  };
  return maskStrings(facts);
}

function withoutNotes(h: NonNullable<Lead['hearing']>): Omit<NonNullable<Lead['hearing']>, 'notes'> {
  const { notes: _notes, ...rest } = h;
  return rest;
}

function withoutNote(
  f: NonNullable<Lead['current']['feedback']>,
): Omit<NonNullable<Lead['current']['feedback']>, 'note'> {
  const { note: _note, ...rest } = f;
  return rest;
}

/** Masks e-mail addresses and phone numbers in every string of a JSON-like value (same shape back). */
export function maskStrings<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/**
 * Personal data masked, everything else kept as it is (unlike `scrubText`, no whitespace folding or
 * cutting, so ids, dates and labels come back unchanged).
 */
function maskText(s: string): string {
  if (!/[@\d]/.test(s)) return s;
  // Dates and ISO instants are not phone numbers; only text that changes under the scrubber is replaced.
  if (/^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))?$/.test(s)) return s;
  const scrubbed = scrubText(s);
  return scrubbed === s.replace(/\s+/g, ' ').trim() ? s : scrubbed;
}
