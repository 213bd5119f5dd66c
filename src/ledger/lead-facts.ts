import { EMPTY_CURRENT, type Lead } from '../domain/lead.ts';
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

/** The row's columns that name the lead, which `facts_json` need not repeat. */
export interface FactsRow {
  lead_id: string;
  crm: string;
  object_type: string;
  facts_json: string;
}

/** A lead's toss-up fields before any decision (`EMPTY_CURRENT`), as facts keep them (no reason). */
const { reason: _reason, ...EMPTY_CURRENT_FACTS } = EMPTY_CURRENT;

/**
 * The value each fact has when the CRM had nothing: what a compact `facts_json` leaves out. Firehose
 * bills a row's bytes three times (ingest, Parquet conversion, partitioning), and most leads have most
 * of these (the CRM's toss-up fields before the first decision, no hearing, no data issue…).
 * `company`, `person`, `history` and `current` are left out key by key, and whole when nothing is left.
 */
const FACT_DEFAULTS: Omit<LeadFacts, 'id' | 'crm' | 'objectType'> = {
  ownerId: null,
  modifiedAt: null,
  company: {
    employees: null,
    revenueJpy: null,
    industry: null,
    region: null,
    existingCustomer: false,
    accountOwnerId: null,
    strategicTarget: false,
  },
  person: { title: null, titleRank: null, department: null, emailDomain: null },
  activities: [],
  maBehaviourScore: null,
  hearing: null,
  history: { previouslyLost: false, lastTossUpAt: null },
  manualRequest: null,
  current: EMPTY_CURRENT_FACTS,
  dataIssues: [],
};

type Json = Record<string, unknown>;

/**
 * `facts_json` as the ledger writes it: the facts without the values equal to their defaults
 * (FACT_DEFAULTS) and without `id`, `crm` and `objectType` when they equal the row's `lead_id`, `crm` and
 * `object_type` (a masked id differs, so it stays). `factsOfRow` gives the facts back whole.
 */
export function compactFactsJson(facts: LeadFacts, row: Omit<FactsRow, 'facts_json'>): string {
  const { id, crm, objectType, ...rest } = facts;
  return JSON.stringify({
    ...(id === row.lead_id ? {} : { id }),
    ...(crm === row.crm ? {} : { crm }),
    ...(objectType === row.object_type ? {} : { objectType }),
    ...withoutDefaults(rest as Json, FACT_DEFAULTS as Json),
  });
}

/**
 * The facts of a decision row, whole: what a compact `facts_json` left out filled in from the row's
 * columns and the defaults. A row written whole (by builds before the compact form) reads back as it was.
 */
export function factsOfRow(row: FactsRow): LeadFacts {
  const stored = JSON.parse(row.facts_json) as Json;
  return {
    id: row.lead_id,
    crm: row.crm,
    objectType: row.object_type,
    ...withDefaults(stored, FACT_DEFAULTS as Json),
  } as LeadFacts;
}

function withoutDefaults(value: Json, defaults: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (!Object.hasOwn(defaults, k)) {
      out[k] = v;
      continue;
    }
    const d = defaults[k];
    if (isObject(d) && isObject(v)) {
      const inner = withoutDefaults(v, d);
      if (Object.keys(inner).length > 0) out[k] = inner;
    } else if (!isDefault(v, d)) out[k] = v;
  }
  return out;
}

function withDefaults(stored: Json, defaults: Json): Json {
  const out: Json = {};
  // The defaults' order first, so a restored row has the keys in the order the whole facts had them.
  for (const [k, d] of Object.entries(defaults)) {
    // A fresh object or list for each row, so a reader may change its lead (no structuredClone: a
    // backtest reads a million rows).
    if (!Object.hasOwn(stored, k)) out[k] = isObject(d) ? withDefaults({}, d) : Array.isArray(d) ? [] : d;
    else {
      const v = stored[k];
      out[k] = isObject(d) && isObject(v) ? withDefaults(v, d) : v;
    }
  }
  for (const [k, v] of Object.entries(stored)) if (!Object.hasOwn(defaults, k)) out[k] = v;
  return out;
}

function isDefault(v: unknown, d: unknown): boolean {
  return v === d || (Array.isArray(v) && Array.isArray(d) && v.length === 0 && d.length === 0);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
