import { TOSSUP_FIELDS } from '../../src/domain/lead.ts';
import type { SalesforceMapping } from './mapping.ts';

/**
 * SOQL text the connector sends, built from the mapping. Pure functions, so the exact queries are
 * unit-testable and documented in one place (BEHAVIOR.md explains the choices).
 */

export type PersonObject = 'Lead' | 'Contact';

/** A change window on SystemModstamp: `[from, to)`; `from` null = from the beginning (backfill). */
export interface ModstampWindow {
  from: number | null;
  to: number;
}

/** `'it\'s'` — SOQL string literal. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * dateTime literal, unquoted (crm-apis.md A2). Salesforce stores SystemModstamp to the second, so
 * real cursors carry no milliseconds; an emulator pinned mid-second does, and gets them back.
 */
export function soqlDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** date literal `YYYY-MM-DD` (UTC calendar day of `ms`). */
export function soqlDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const ID_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * A well-formed record id: 15 characters, or 18 with the matching case-safe suffix. A malformed id in
 * a filter fails the whole query (INVALID_QUERY_FILTER_OPERATOR), so ids from outside are checked.
 */
export function isSalesforceId(id: string): boolean {
  if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id)) return false;
  if (id.length === 15) return true;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += ID_SUFFIX_ALPHABET[bits];
  }
  return id.slice(15).toUpperCase() === suffix;
}

export function idList(ids: readonly string[]): string {
  return `(${ids.map(soqlString).join(', ')})`;
}

/**
 * Request-URI budget of a GET query: Salesforce refuses URIs over 16,384 bytes (414), so id lists
 * are cut to fit with room left for the instance host and the API path.
 */
export const MAX_QUERY_URL_CHARS = 15_000;

/**
 * Splits `ids` into as few `IN (…)` queries as fit the URL budget: `build(chunk)` is the SOQL for one
 * chunk, measured URL-encoded as it goes on the wire.
 */
export function chunkIdsForUrl(
  ids: readonly string[],
  build: (chunk: readonly string[]) => string,
  maxUrlChars = MAX_QUERY_URL_CHARS,
): string[][] {
  if (ids.length === 0) return [];
  const base = encodeURIComponent(build([])).length + 60;
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = base;
  for (const id of ids) {
    const cost = encodeURIComponent(`${soqlString(id)}, `).length;
    if (current.length > 0 && length + cost > maxUrlChars) {
      chunks.push(current);
      current = [];
      length = base;
    }
    current.push(id);
    length += cost;
  }
  chunks.push(current);
  return chunks;
}

/** `Account` → `AccountId`, `Parent__r` → `Parent__c`. */
export function lookupFieldOf(relationship: string): string {
  return relationship.endsWith('__r') ? `${relationship.slice(0, -3)}__c` : `${relationship}Id`;
}

function uniq(list: readonly (string | null | undefined)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of list) {
    if (!f) continue;
    const key = f.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

/** Fields read on both objects: MA score, hearing, manual request, engagement dates, current toss-up values, feedback. */
function sharedFields(m: SalesforceMapping): (string | null)[] {
  const h = m.hearing;
  const b = m.behaviour;
  const w = m.writeBack;
  return [
    m.maBehaviourScore,
    ...(h
      ? [h.heardAt, h.budget, h.decisionMaker, h.decisionInvolved, h.clearProblem, h.timelineMonths, h.notes]
      : []),
    m.manualRequest?.requested ?? null,
    m.manualRequest?.requestedBy ?? null,
    ...b.namedPages.map((p) => p.lastAt),
    b.pageViews?.lastAt ?? null,
    b.emailOpens?.lastAt ?? null,
    b.emailClicks?.lastAt ?? null,
    ...TOSSUP_FIELDS.map((f) => w[f]),
    // The rep's feedback, read in the same query (never written).
    m.feedback.result,
    m.feedback.sentBackReason,
    m.feedback.note,
    // A person's override, and who last modified the record and when (human-override.ts).
    m.override.flag,
    'LastModifiedById',
    'LastModifiedDate',
  ];
}

/** Every field of a Lead or Contact row the connector reads (system fields first). */
export function personFields(m: SalesforceMapping, object: PersonObject): string[] {
  if (object === 'Lead') {
    const l = m.lead;
    return uniq([
      'Id',
      'IsDeleted',
      'SystemModstamp',
      'IsConverted',
      l.owner,
      l.name,
      l.company,
      l.employees,
      l.employeesText,
      l.revenueJpy,
      l.industry,
      l.region,
      l.title,
      l.department,
      l.email,
      l.strategicTarget,
      l.status,
      ...sharedFields(m),
    ]);
  }
  const c = m.contact;
  const a = m.account;
  const rel = c.accountRelationship;
  const parent = (f: string | null) => (rel && f ? `${rel}.${f}` : null);
  const lost = a.previouslyLost;
  return uniq([
    'Id',
    'IsDeleted',
    'SystemModstamp',
    c.owner,
    c.name,
    c.title,
    c.department,
    c.email,
    rel ? lookupFieldOf(rel) : null,
    parent(a.name),
    parent(a.employees),
    parent(a.revenueJpy),
    parent(a.industry),
    parent(a.region),
    parent(a.owner),
    parent(a.strategicTarget),
    parent(a.existingCustomer?.field ?? null),
    lost && 'rollupField' in lost ? parent(lost.rollupField) : null,
    ...sharedFields(m),
  ]);
}

/** Campaign responses of one person, newest first, as a child subquery (rows count toward the batch). */
export function responsesSubquery(m: SalesforceMapping, respondedSince: number): string | null {
  const cm = m.behaviour.campaignMembers;
  if (!cm) return null;
  return (
    '(SELECT FirstRespondedDate, Campaign.Type, Campaign.Name FROM CampaignMembers' +
    ` WHERE HasResponded = true AND FirstRespondedDate >= ${soqlDate(respondedSince)}` +
    ` ORDER BY FirstRespondedDate DESC LIMIT ${cm.maxPerRecord})`
  );
}

function windowWhere(w: ModstampWindow): string {
  const to = `SystemModstamp < ${soqlDateTime(w.to)}`;
  return w.from === null ? to : `SystemModstamp >= ${soqlDateTime(w.from)} AND ${to}`;
}

/**
 * The change stream of one object: every row modified in the window (deleted ones too, through
 * queryAll), oldest first with Id as the tie-breaker, so a cursor (SystemModstamp, ids at it) is exact.
 */
export function changedPersonsSoql(
  m: SalesforceMapping,
  object: PersonObject,
  window: ModstampWindow,
  options: { respondedSince: number; withResponses: boolean; notModifiedBy?: string | null },
): string {
  const sub = options.withResponses ? responsesSubquery(m, options.respondedSince) : null;
  const select = [...personFields(m, object), ...(sub ? [sub] : [])].join(', ');
  // Our own writes are not changes to read again (BEHAVIOR.md "No echo": the echo and the race).
  const others = options.notModifiedBy ? ` AND LastModifiedById != ${soqlString(options.notModifiedBy)}` : '';
  return `SELECT ${select} FROM ${object} WHERE ${windowWhere(window)}${others} ORDER BY SystemModstamp, Id`;
}

/** Persons re-read because a campaign response arrived after their own last change. */
export function personsByIdSoql(
  m: SalesforceMapping,
  object: PersonObject,
  ids: readonly string[],
  respondedSince: number,
): string {
  const sub = responsesSubquery(m, respondedSince);
  const select = [...personFields(m, object), ...(sub ? [sub] : [])].join(', ');
  return `SELECT ${select} FROM ${object} WHERE Id IN ${idList(ids)}`;
}

/** Fields of a campaign-response row (the Bulk behaviour map and the trigger stream share them). */
const RESPONSE_FIELDS =
  'Id, SystemModstamp, LeadId, ContactId, Lead.SystemModstamp, Contact.SystemModstamp, Lead.LastModifiedById, Contact.LastModifiedById, FirstRespondedDate, Campaign.Type, Campaign.Name';

/**
 * Recent responses of the persons a large run reads, plus the responses that changed in its window
 * (one Bulk job per run): behaviour for Bulk-read persons, and the response triggers.
 */
export function recentResponsesSoql(respondedSince: number, windowFrom: number | null): string {
  const changed =
    windowFrom === null
      ? ''
      : ` AND (SystemModstamp >= ${soqlDateTime(windowFrom)} OR Lead.SystemModstamp >= ${soqlDateTime(windowFrom)}` +
        ` OR Contact.SystemModstamp >= ${soqlDateTime(windowFrom)})`;
  return (
    `SELECT ${RESPONSE_FIELDS} FROM CampaignMember` +
    ` WHERE HasResponded = true AND FirstRespondedDate >= ${soqlDate(respondedSince)}${changed}` +
    ' ORDER BY SystemModstamp, Id'
  );
}

/**
 * Responses that changed in the window for persons that did NOT change after the window start: a
 * new CampaignMember leaves its Lead's SystemModstamp alone, so these persons must be re-read.
 */
export function responseTriggersSoql(
  window: ModstampWindow & { from: number },
  respondedSince: number,
  ownUserId: string | null = null,
): string {
  const from = soqlDateTime(window.from);
  // A person we last wrote is left out of the person stream, so its new responses trigger too.
  const ours = ownUserId
    ? ` OR Lead.LastModifiedById = ${soqlString(ownUserId)} OR Contact.LastModifiedById = ${soqlString(ownUserId)}`
    : '';
  return (
    `SELECT ${RESPONSE_FIELDS} FROM CampaignMember` +
    ` WHERE ${windowWhere(window)} AND HasResponded = true AND FirstRespondedDate >= ${soqlDate(respondedSince)}` +
    ` AND (Lead.SystemModstamp <= ${from} OR Contact.SystemModstamp <= ${from}${ours})` +
    ' ORDER BY SystemModstamp, Id'
  );
}

/** Accounts with a closed-lost opportunity: all of them (`accountIds` null) or among the given ones. */
export function lostAccountsSoql(accountIds: readonly string[] | null, withinDays: number | null): string {
  const where = ['IsClosed = true', 'IsWon = false'];
  where.push(accountIds ? `AccountId IN ${idList(accountIds)}` : 'AccountId != null');
  if (withinDays !== null) where.push(`CloseDate = LAST_N_DAYS:${withinDays}`);
  return `SELECT AccountId FROM Opportunity WHERE ${where.join(' AND ')}`;
}

/**
 * Every Account with the facts lead-to-account matching needs (lead-accounts.ts): read once per run
 * that has Leads, 2,000 rows per call.
 */
export function accountIndexSoql(m: SalesforceMapping): string {
  const a = m.account;
  const lost = a.previouslyLost && 'rollupField' in a.previouslyLost ? a.previouslyLost.rollupField : null;
  const wanted = [
    'Id',
    a.name ?? 'Name',
    m.lead.accountMatching.websiteField,
    a.owner,
    a.existingCustomer?.field ?? null,
    a.strategicTarget,
    lost,
  ];
  const fields = new Map<string, string>();
  for (const f of wanted) if (f && !fields.has(f.toLowerCase())) fields.set(f.toLowerCase(), f);
  return `SELECT ${[...fields.values()].join(', ')} FROM Account`;
}

/**
 * Tasks of the given leads/contacts the SLA sweep looks at: the connector's own (key field set: the
 * toss-up task, whenever it was made) and every task changed since the earliest hand-off (a task
 * closed after it was changed then). `since` 0 = no time bound (used to size the id chunks).
 */
export function tasksByWhoSoql(keyField: string, whoIds: readonly string[], since: number): string {
  const recent = since > 0 ? ` OR LastModifiedDate >= ${soqlDateTime(since)}` : '';
  return (
    `SELECT Id, WhoId, OwnerId, Status, IsClosed, CompletedDateTime, TaskSubtype, Type, CreatedDate,` +
    ` LastModifiedDate, ActivityDate, ${keyField} FROM Task` +
    ` WHERE WhoId IN ${idList(whoIds)} AND (${keyField} != null${recent})`
  );
}

/** Events of the given leads/contacts created and starting at or after the earliest hand-off. */
export function eventsByWhoSoql(whoIds: readonly string[], since: number): string {
  const at = soqlDateTime(since);
  return (
    `SELECT Id, WhoId, OwnerId, StartDateTime, CreatedDate FROM Event` +
    ` WHERE WhoId IN ${idList(whoIds)} AND CreatedDate >= ${at} AND StartDateTime >= ${at}`
  );
}

/** Which of these records still exist (`query` leaves deleted ones out) and are not converted. */
export function personsExistSoql(object: PersonObject, ids: readonly string[]): string {
  return `SELECT Id${object === 'Lead' ? ', IsConverted' : ''} FROM ${object} WHERE Id IN ${idList(ids)}`;
}

/** The state of tasks the sweep closes (closed ones are left alone, the note is appended). */
export function closedTasksByIdSoql(ids: readonly string[]): string {
  return `SELECT Id, IsClosed, Description FROM Task WHERE Id IN ${idList(ids)}`;
}

/** `User.ManagerId` of the given users. */
export function managersSoql(ids: readonly string[]): string {
  return `SELECT Id, ManagerId FROM User WHERE Id IN ${idList(ids)}`;
}

/**
 * Account-level triggers (account-changes.ts): Accounts changed in the window, with what the Lead
 * search needs (name, website), oldest first so the phase's cursor is exact.
 */
export function changedAccountsSoql(m: SalesforceMapping, window: ModstampWindow & { from: number }): string {
  const fields = uniq([
    'Id',
    'SystemModstamp',
    m.account.name ?? 'Name',
    m.lead.accountMatching.websiteField,
  ]);
  return `SELECT ${fields.join(', ')} FROM Account WHERE ${windowWhere(window)} ORDER BY SystemModstamp, Id`;
}

/**
 * Opportunities closed in the window and their Account (parent fields: no second call). Only for
 * mappings that read "previously lost" from Opportunities: with the roll-up field a closed-lost
 * Opportunity recalculates its Account, whose SystemModstamp then moves (changedAccountsSoql sees it).
 */
export function closedOpportunitiesSoql(
  m: SalesforceMapping,
  window: ModstampWindow & { from: number },
): string {
  const parent = uniq([m.account.name ?? 'Name', m.lead.accountMatching.websiteField]).map(
    (f) => `Account.${f}`,
  );
  return (
    `SELECT Id, SystemModstamp, AccountId, ${parent.join(', ')} FROM Opportunity` +
    ` WHERE ${windowWhere(window)} AND IsClosed = true AND AccountId != null ORDER BY SystemModstamp, Id`
  );
}

/** Contacts of the given Accounts, with the same fields and responses as the change stream. */
export function contactsOfAccountsSoql(
  m: SalesforceMapping,
  accountIds: readonly string[],
  respondedSince: number,
): string {
  const rel = m.contact.accountRelationship;
  const sub = responsesSubquery(m, respondedSince);
  const select = [...personFields(m, 'Contact'), ...(sub ? [sub] : [])].join(', ');
  return `SELECT ${select} FROM Contact WHERE ${lookupFieldOf(rel ?? 'Account')} IN ${idList(accountIds)}`;
}

/**
 * Leads that may match the given accounts: e-mail at the account's domain, or the company name
 * containing the account name's longest word. A superset on purpose (SOQL cannot normalize names);
 * lead-to-account matching then keeps only the Leads it really puts on one of these accounts.
 */
export function leadsLikeAccountsSoql(
  m: SalesforceMapping,
  probes: readonly { domain: string | null; word: string | null }[],
  respondedSince: number,
): string {
  const l = m.lead;
  const or: string[] = [];
  for (const p of probes) {
    if (p.domain && l.email) or.push(`${l.email} LIKE ${soqlString(`%@${p.domain}`)}`);
    if (p.word && l.company) or.push(`${l.company} LIKE ${soqlString(`%${p.word}%`)}`);
  }
  const sub = responsesSubquery(m, respondedSince);
  const select = [...personFields(m, 'Lead'), ...(sub ? [sub] : [])].join(', ');
  const match = or.length > 0 ? or.join(' OR ') : 'Id = null';
  return `SELECT ${select} FROM Lead WHERE IsConverted = false AND (${match})`;
}
