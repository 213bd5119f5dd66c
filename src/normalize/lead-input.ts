import type {
  Activity,
  CrmName,
  CurrentTossUp,
  DataIssue,
  Hearing,
  HearingAnswer,
  Lead,
} from '../domain/lead.ts';
import { parseActivityType } from './activity-type.ts';
import { parseCrmDateTime } from './crm-date.ts';
import { parseEmployeeCount } from './employee-count.ts';
import {
  parseBoolean,
  parseHearingAnswer,
  parseNextAction,
  parseSentBackReason,
  parseTossUpFlag,
  parseTossUpResult,
} from './flag-values.ts';
import { INPUT_FIELD_PATHS, resolveInputField } from './lead-input-fields.ts';
import { isBlankText, toMatchText } from './match-text.ts';
import type { ParseProblem, ParseResult } from './parse-result.ts';
import { parsePlainNumber } from './plain-number.ts';
import { parseRevenueJpy } from './revenue.ts';
import { parseTimelineMonths } from './timeline-months.ts';
import { titleRank } from './title-rank.ts';

export { type LeadInput, LeadInputSchema } from './lead-input-schema.ts';

export interface NormalizeLeadOptions {
  /** Where the lead lives; files are `file` (scored only, never written back). */
  crm?: CrmName;
  /** `objectType` when the input has none. */
  objectType?: string;
}

/** Why an input could not become a lead at all. Bad VALUES never end up here; they become data issues. */
export interface LeadInputError {
  code: 'not_an_object' | 'missing_id';
  message: string;
}

export type NormalizeLeadResult = { ok: true; lead: Lead } | { ok: false; error: LeadInputError };

/** Longest raw text kept in a data issue, counted in characters (code points) including the ellipsis. */
export const ISSUE_RAW_MAX_CHARS = 40;

/**
 * Turns one lead from a file (a JSON object, or a record from `parseCsvRecords`) into
 * the strict `Lead`. Never throws for bad values: each one that cannot be read becomes `null`
 * (or the documented default) plus an entry in `lead.dataIssues`. Only an input that is not an
 * object, or has no usable `id`, is refused.
 *
 * - Hearing: no `hearing` (or `null`) = not heard yet → `hearing: null`; a `hearing` object =
 *   heard, and each blank answer is `unknown`.
 * - Booleans the CRM would hold as unchecked checkboxes (`existingCustomer`, `strategicTarget`,
 *   `previouslyLost`) default to `false` when absent.
 * - `person.email` is read only for its domain; the address itself is not kept anywhere.
 *
 * @example
 * const result = normalizeLead({ id: 'L-1', company: { employees: '1,200名' }, person: { title: '部長' } });
 * if (result.ok) result.lead.company.employees; // 1200
 */
export function normalizeLead(input: unknown, options: NormalizeLeadOptions = {}): NormalizeLeadResult {
  if (!isRecord(input)) {
    return {
      ok: false,
      error: {
        code: 'not_an_object',
        message: `a lead must be a JSON object with at least an "id", got ${describeType(input)}`,
      },
    };
  }
  const source = expandFlatKeys(input);
  const id = readId(source.id);
  if (id === null) {
    return {
      ok: false,
      error: {
        code: 'missing_id',
        message:
          'the lead has no "id": add an "id" field (CSV: an "id" column) holding the CRM record id; it must be non-empty text or a number',
      },
    };
  }

  const reader = new FieldReader();
  const company = reader.section(source, 'company');
  const person = reader.section(source, 'person');
  const history = reader.section(source, 'history');
  const current = reader.section(source, 'current');

  const lead: Lead = {
    id,
    crm: options.crm ?? 'file',
    objectType: reader.text('objectType', source.objectType) ?? options.objectType ?? 'lead',
    ownerId: reader.text('ownerId', source.ownerId),
    modifiedAt: reader.parse('modifiedAt', source.modifiedAt, parseCrmDateTime),
    company: {
      name: reader.text('company.name', company.name),
      employees: reader.parse('company.employees', company.employees, parseEmployeeCount),
      revenueJpy: reader.parse('company.revenueJpy', company.revenueJpy, parseRevenueJpy),
      industry: reader.text('company.industry', company.industry),
      region: reader.text('company.region', company.region),
      existingCustomer: reader.flag('company.existingCustomer', company.existingCustomer),
      accountOwnerId: reader.text('company.accountOwnerId', company.accountOwnerId),
      strategicTarget: reader.flag('company.strategicTarget', company.strategicTarget),
    },
    person: readPerson(reader, person),
    activities: readActivities(reader, source.activities),
    maBehaviourScore: reader.parse('maBehaviourScore', source.maBehaviourScore, parsePlainNumber),
    hearing: readHearing(reader, source.hearing),
    history: {
      previouslyLost: reader.flag('history.previouslyLost', history.previouslyLost),
      lastTossUpAt: reader.parse('history.lastTossUpAt', history.lastTossUpAt, parseCrmDateTime),
    },
    manualRequest: readManualRequest(reader, source.manualRequest),
    current: readCurrent(reader, current),
    dataIssues: reader.issues,
  };
  return { ok: true, lead };
}

function readPerson(reader: FieldReader, person: Record<string, unknown>): Lead['person'] {
  const title = reader.text('person.title', person.title);
  // Only when given and not blank: a lead without a name keeps the shape it always had. Never a data
  // issue, as an issue quotes the raw value and the name is personal data.
  const name = typeof person.name === 'string' && person.name.trim() !== '' ? person.name.trim() : null;
  return {
    ...(name === null ? {} : { name }),
    title,
    titleRank: titleRank(title),
    department: reader.text('person.department', person.department),
    emailDomain: readEmailDomain(reader, person.emailDomain, person.email),
  };
}

const DOMAIN = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}\p{N}-]*\p{L}[\p{L}\p{N}-]*$/u;

/** The e-mail address is personal data: only its domain is kept, also in data issues. */
function readEmailDomain(reader: FieldReader, explicitDomain: unknown, email: unknown): string | null {
  const fromDomain = reader.parse('person.emailDomain', explicitDomain, (raw) =>
    domainOf(typeof raw === 'string' ? raw.replace(/^\s*@/u, '') : raw),
  );
  // Read even when a domain was given, so a broken address is still reported.
  const fromEmail = emailDomainOf(reader, email);
  return fromDomain ?? fromEmail;
}

function emailDomainOf(reader: FieldReader, email: unknown): string | null {
  if (email === undefined || email === null) return null;
  if (typeof email !== 'string') {
    reader.report('person.email', '(not text)', 'unparseable');
    return null;
  }
  const text = toMatchText(email);
  if (isBlankText(text)) return null;
  const at = text.lastIndexOf('@');
  const domain = at > 0 ? domainOf(text.slice(at + 1)).value : null;
  if (domain) return domain;
  reader.report('person.email', at >= 0 ? `(redacted)@${text.slice(at + 1)}` : '(redacted)', 'unparseable');
  return null;
}

function domainOf(raw: unknown): ParseResult<string, 'unparseable'> {
  if (raw === null || raw === undefined) return { value: null };
  if (typeof raw !== 'string') return { value: null, issue: 'unparseable' };
  const text = toMatchText(raw);
  if (isBlankText(text)) return { value: null };
  return DOMAIN.test(text) ? { value: text } : { value: null, issue: 'unparseable' };
}

function readActivities(reader: FieldReader, raw: unknown): Activity[] {
  let items: unknown = raw;
  if (typeof raw === 'string') {
    if (isBlankText(toMatchText(raw))) return [];
    try {
      items = JSON.parse(raw);
    } catch {
      reader.report('activities', raw, 'unparseable');
      return [];
    }
  }
  if (items === null || items === undefined) return [];
  if (!Array.isArray(items)) {
    reader.report('activities', raw, 'unparseable');
    return [];
  }
  const activities: Activity[] = [];
  items.forEach((item, index) => {
    const path = `activities[${index}]`;
    if (!isRecord(item)) {
      reader.report(path, item, 'unparseable');
      return;
    }
    // An activity without a type or a time cannot count towards anything: drop it, say so.
    const type = reader.parse(`${path}.type`, item.type, parseActivityType, { required: true });
    const at = reader.parse(`${path}.at`, item.at, parseCrmDateTime, { required: true });
    const page = reader.text(`${path}.page`, item.page);
    const source = reader.text(`${path}.source`, item.source);
    if (type === null || at === null) return;
    activities.push({ type, at, ...(page !== null && { page }), ...(source !== null && { source }) });
  });
  return activities;
}

function readHearing(reader: FieldReader, raw: unknown): Hearing | null {
  if (raw === null || raw === undefined) return null;
  if (!isRecord(raw)) {
    reader.report('hearing', raw, 'unparseable');
    return null;
  }
  const answer = (field: string, value: unknown): HearingAnswer =>
    reader.parse(`hearing.${field}`, value, parseHearingAnswer) ?? 'unknown';
  return {
    heardAt: reader.parse('hearing.heardAt', raw.heardAt, parseCrmDateTime),
    budget: answer('budget', raw.budget),
    decisionMaker: answer('decisionMaker', raw.decisionMaker),
    decisionInvolved: answer('decisionInvolved', raw.decisionInvolved),
    clearProblem: answer('clearProblem', raw.clearProblem),
    timelineMonths: reader.parse('hearing.timelineMonths', raw.timelineMonths, parseTimelineMonths),
    notes: reader.text('hearing.notes', raw.notes),
  };
}

function readManualRequest(reader: FieldReader, raw: unknown): Lead['manualRequest'] {
  if (raw === null || raw === undefined) return null;
  if (isRecord(raw)) {
    // `{ requestedBy, at }` alone is a request; `requested: false` (or unreadable) withdraws it.
    // Every field is read first so each bad value is reported.
    const requested =
      raw.requested === undefined ||
      reader.parse('manualRequest.requested', raw.requested, parseBoolean) === true;
    const request = {
      requestedBy: reader.text('manualRequest.requestedBy', raw.requestedBy),
      at: reader.parse('manualRequest.at', raw.at, parseCrmDateTime),
    };
    return requested ? request : null;
  }
  if (Array.isArray(raw)) {
    reader.report('manualRequest', raw, 'unparseable');
    return null;
  }
  return reader.parse('manualRequest', raw, parseBoolean) === true ? { requestedBy: null, at: null } : null;
}

function readCurrent(reader: FieldReader, current: Record<string, unknown>): CurrentTossUp {
  return {
    flag: reader.parse('current.flag', current.flag, parseTossUpFlag),
    reason: reader.text('current.reason', current.reason),
    nextAction: reader.parse('current.nextAction', current.nextAction, parseNextAction),
    attributeScore: reader.parse('current.attributeScore', current.attributeScore, parsePlainNumber),
    behaviourScore: reader.parse('current.behaviourScore', current.behaviourScore, parsePlainNumber),
    dueAt: reader.parse('current.dueAt', current.dueAt, parseCrmDateTime),
    decisionKey: reader.text('current.decisionKey', current.decisionKey),
    ...readFeedback(reader, current.feedback),
    ...readOverride(reader, current.override),
  };
}

/**
 * A person's override and the record's last modifier (read only, src/domain/human-override.ts):
 * absent when the connector does not read them; an unknown override value is a data issue and no override.
 */
function readOverride(reader: FieldReader, raw: unknown): Pick<CurrentTossUp, 'override'> {
  if (raw === null || raw === undefined) return {};
  if (!isRecord(raw)) {
    reader.report('current.override', raw, 'unparseable');
    return {};
  }
  return {
    override: {
      flag: reader.parse('current.override.flag', raw.flag, parseTossUpFlag),
      modifiedBy: readId(raw.modifiedBy),
      modifiedAt: reader.parse('current.override.modifiedAt', raw.modifiedAt, parseCrmDateTime),
    },
  };
}

/** The rep's verdict (read only): absent when nothing is set; an unknown picklist value is a data issue. */
function readFeedback(reader: FieldReader, raw: unknown): Pick<CurrentTossUp, 'feedback'> {
  if (raw === null || raw === undefined) return {};
  if (!isRecord(raw)) {
    reader.report('current.feedback', raw, 'unparseable');
    return {};
  }
  const feedback = {
    result: reader.parse('current.feedback.result', raw.result, parseTossUpResult),
    sentBackReason: reader.parse('current.feedback.sentBackReason', raw.sentBackReason, parseSentBackReason),
    note: reader.text('current.feedback.note', raw.note),
  };
  const changedAt = reader.parse('current.feedback.changedAt', raw.changedAt, parseCrmDateTime);
  if (feedback.result === null && feedback.sentBackReason === null && feedback.note === null) return {};
  return { feedback: changedAt === null ? feedback : { ...feedback, changedAt } };
}

function readId(raw: unknown): string | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : null;
  if (typeof raw !== 'string') return null;
  const id = raw.trim();
  return id === '' ? null : id;
}

/** Reads fields and collects what could not be read, keyed by the lead path it was meant for. */
class FieldReader {
  readonly issues: DataIssue[] = [];

  report(field: string, raw: unknown, problem: ParseProblem): void {
    this.issues.push({ field, raw: truncate(rawText(raw)), problem });
  }

  parse<T>(
    field: string,
    raw: unknown,
    parser: (raw: unknown) => ParseResult<T, ParseProblem>,
    options: { required?: boolean } = {},
  ): T | null {
    const result = parser(raw);
    if (result.issue) this.report(field, raw, result.issue);
    else if (result.value === null && options.required) this.report(field, raw ?? '', 'unparseable');
    return result.value;
  }

  /** Free text as typed (trimmed); numbers become text, blanks null, anything else an issue. */
  text(field: string, raw: unknown): string | null {
    if (raw === null || raw === undefined) return null;
    if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
    if (typeof raw !== 'string') {
      this.report(field, raw, 'unparseable');
      return null;
    }
    const text = raw.trim();
    return isBlankText(toMatchText(text)) ? null : text;
  }

  /** A checkbox: absent or blank is `false`, as an unchecked box in the CRM. */
  flag(field: string, raw: unknown): boolean {
    return this.parse(field, raw, parseBoolean) ?? false;
  }

  /** A nested object of the input; anything else is reported and read as empty. */
  section(source: Record<string, unknown>, key: string): Record<string, unknown> {
    const raw = source[key];
    if (raw === null || raw === undefined) return {};
    if (isRecord(raw)) return raw;
    this.report(key, raw, 'unparseable');
    return {};
  }
}

const SECTIONS = new Set(['company', 'person', 'hearing', 'history', 'manualRequest', 'current']);
const TOP_LEVEL_FIELDS = new Set<string>(INPUT_FIELD_PATHS.filter((path) => !path.includes('.')));

/**
 * Moves flat and dotted keys (`employees`, `company.employees`, `title`) to their nested place.
 * A value already in its nested place wins. The input is not modified.
 */
export function expandFlatKeys(input: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const flat: [string, unknown][] = [];
  for (const [key, value] of Object.entries(input)) {
    if (key === 'company' && typeof value === 'string') flat.push(['company.name', value]);
    // Copied so filling in flat keys never modifies the caller's object.
    else if (SECTIONS.has(key)) result[key] = isRecord(value) ? { ...value } : value;
    else if (TOP_LEVEL_FIELDS.has(key)) result[key] = value;
    else flat.push([key, value]);
  }
  for (const [key, value] of flat) {
    // An empty cell says nothing; in particular it must not make a lead "heard".
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) continue;
    const path = resolveInputField(key);
    if (path === null) continue;
    const [head, leaf] = path.split('.') as [string, string | undefined];
    if (leaf === undefined) {
      if (!Object.hasOwn(result, head)) result[head] = value;
      continue;
    }
    const existing = result[head];
    let target: Record<string, unknown>;
    if (existing === undefined) {
      target = {};
      result[head] = target;
    } else if (isRecord(existing)) {
      target = existing;
    } else {
      // `null` or a malformed section: reported when the section is read.
      continue;
    }
    if (!Object.hasOwn(target, leaf)) target[leaf] = value;
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function rawText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}

function truncate(text: string): string {
  const chars = Array.from(text);
  return chars.length <= ISSUE_RAW_MAX_CHARS ? text : `${chars.slice(0, ISSUE_RAW_MAX_CHARS - 1).join('')}…`;
}
