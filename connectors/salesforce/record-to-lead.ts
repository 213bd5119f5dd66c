import type { Lead } from '../../src/domain/lead.ts';
import { normalizeLead } from '../../src/normalize/lead-input.ts';
import { campaignActivityType, type SalesforceMapping, type ValueMaps } from './mapping.ts';
import { lookupFieldOf, type PersonObject } from './soql.ts';

/**
 * One Lead or Contact row (REST JSON or Bulk CSV) → the CRM-neutral `Lead`. The row is rearranged
 * into the lead-input shape and handed to the project's `normalizeLead`, so every value goes through
 * the same normalizers as a file import (employee counts, yen, dates, titles, yes/no words) and a bad
 * value becomes a `dataIssues` entry, never an exception.
 */

/** A row as read: nested parent objects (REST) or flat dotted keys with text values (Bulk CSV). */
export type SfRow = Readonly<Record<string, unknown>>;

/** One campaign response (CampaignMember with HasResponded = true). */
export interface CampaignResponse {
  /** FirstRespondedDate, `YYYY-MM-DD`. */
  respondedOn: string;
  campaignType: string | null;
  campaignName: string | null;
}

export interface LeadContext {
  mapping: SalesforceMapping;
  maps: ValueMaps;
  /** Responses of this person, or null when they were not read (campaignMembers: null). */
  responses: readonly CampaignResponse[] | null;
  /** Contacts: whether the account has a closed-lost opportunity (null = unknown / not a contact). */
  accountLost: boolean | null;
}

/** Value at `Account.Owner.Id`-style paths in both row shapes; blank CSV cells are null. */
export function valueAt(row: SfRow, path: string): unknown {
  if (Object.hasOwn(row, path)) return blankToNull(row[path]);
  let cur: unknown = row;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return null;
    const obj = cur as Record<string, unknown>;
    const key = Object.hasOwn(obj, seg)
      ? seg
      : Object.keys(obj).find((k) => k.toLowerCase() === seg.toLowerCase());
    if (key === undefined) return null;
    cur = obj[key];
  }
  return blankToNull(cur);
}

function blankToNull(v: unknown): unknown {
  return v === undefined || v === '' ? null : v;
}

function text(row: SfRow, field: string | null): string | null {
  if (!field) return null;
  const v = valueAt(row, field);
  return v === null ? null : String(v);
}

/** Checkbox: REST true/false, CSV "true"/"false". */
function checked(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

export function isDeletedRow(row: SfRow): boolean {
  return checked(valueAt(row, 'IsDeleted'));
}

export function isConvertedRow(row: SfRow): boolean {
  return checked(valueAt(row, 'IsConverted'));
}

export function idOf(row: SfRow): string {
  return String(valueAt(row, 'Id'));
}

export function modstampOf(row: SfRow): number {
  return Date.parse(String(valueAt(row, 'SystemModstamp')).replace(/\+0000$/, 'Z'));
}

/** The account id of a Contact row (for the closed-lost lookup). */
export function accountIdOf(m: SalesforceMapping, row: SfRow): string | null {
  const rel = m.contact.accountRelationship;
  return rel ? text(row, lookupFieldOf(rel)) : null;
}

/** Responses carried by a REST row's child subquery, or null when the row has none (Bulk rows). */
export function subqueryResponses(row: SfRow): CampaignResponse[] | null {
  const sub = (row as { CampaignMembers?: unknown }).CampaignMembers;
  if (sub === undefined) return null;
  if (sub === null) return [];
  const records = (sub as { records?: SfRow[] }).records ?? [];
  return records.map(responseOf).filter((r): r is CampaignResponse => r !== null);
}

/** A CampaignMember row (subquery or the response query) → response, null without a date. */
export function responseOf(row: SfRow): CampaignResponse | null {
  const on = valueAt(row, 'FirstRespondedDate');
  if (on === null) return null;
  return {
    respondedOn: String(on).slice(0, 10),
    campaignType: text(row, 'Campaign.Type'),
    campaignName: text(row, 'Campaign.Name'),
  };
}

export function toLead(object: PersonObject, row: SfRow, ctx: LeadContext): Lead {
  const { mapping: m, maps } = ctx;
  const isLead = object === 'Lead';
  const company = isLead ? leadCompany(m, row) : contactCompany(m, row, ctx.accountLost);
  const personMap = isLead ? m.lead : m.contact;
  const input = {
    id: idOf(row),
    objectType: object,
    ownerId: text(row, personMap.owner),
    modifiedAt: valueAt(row, 'SystemModstamp'),
    company: company.company,
    person: {
      // For the chat notices only (src/domain/lead-label.ts); same row, no extra call.
      name: text(row, personMap.name),
      title: text(row, personMap.title),
      department: text(row, personMap.department),
      email: text(row, personMap.email),
    },
    activities: activities(m, row, ctx.responses),
    maBehaviourScore: m.maBehaviourScore ? valueAt(row, m.maBehaviourScore) : null,
    hearing: hearing(m, maps, row),
    history: { previouslyLost: company.previouslyLost, lastTossUpAt: null },
    manualRequest: manualRequest(m, row),
    current: current(m, maps, row),
  };
  const result = normalizeLead(input, { crm: 'salesforce', objectType: object });
  if (!result.ok) {
    // Only an input without an id is refused, and every row has one; keep the contract explicit.
    throw new Error(`Salesforce ${object} row without an Id: ${result.error.message}`);
  }
  return result.lead;
}

function industryCode(m: SalesforceMapping, raw: string | null): string | null {
  if (raw === null) return null;
  return Object.hasOwn(m.industryValues, raw) ? m.industryValues[raw]! : raw;
}

function leadCompany(m: SalesforceMapping, row: SfRow) {
  const l = m.lead;
  const employees = l.employees ? valueAt(row, l.employees) : null;
  const status = text(row, l.status);
  return {
    company: {
      name: text(row, l.company),
      // The free-text field is the fallback of the number, as admins keep "1,200名" there.
      employees: employees ?? (l.employeesText ? valueAt(row, l.employeesText) : null),
      revenueJpy: l.revenueJpy ? valueAt(row, l.revenueJpy) : null,
      industry: industryCode(m, text(row, l.industry)),
      region: text(row, l.region),
      // Leads have no Account; lead-accounts.ts adds the matched account's facts afterwards.
      existingCustomer: false,
      accountOwnerId: null,
      strategicTarget: l.strategicTarget ? valueAt(row, l.strategicTarget) : false,
    },
    previouslyLost: status !== null && l.lostStatuses.includes(status),
  };
}

function contactCompany(m: SalesforceMapping, row: SfRow, accountLost: boolean | null) {
  const a = m.account;
  const rel = m.contact.accountRelationship;
  const parent = (f: string | null): unknown => (rel && f ? valueAt(row, `${rel}.${f}`) : null);
  const customer = a.existingCustomer;
  const type = customer ? parent(customer.field) : null;
  const lost = a.previouslyLost;
  let previouslyLost = accountLost ?? false;
  if (lost && 'rollupField' in lost) {
    const n = Number(parent(lost.rollupField));
    previouslyLost = Number.isFinite(n) && n > 0;
  }
  return {
    company: {
      name: a.name ? (parent(a.name) as string | null) : null,
      employees: parent(a.employees),
      revenueJpy: parent(a.revenueJpy),
      industry: industryCode(m, a.industry ? (parent(a.industry) as string | null) : null),
      region: parent(a.region),
      existingCustomer: type !== null && customer!.values.includes(String(type)),
      accountOwnerId: parent(a.owner),
      strategicTarget: parent(a.strategicTarget) ?? false,
    },
    previouslyLost,
  };
}

function activities(m: SalesforceMapping, row: SfRow, responses: readonly CampaignResponse[] | null) {
  const b = m.behaviour;
  const out: { type: string; at: unknown; page?: string; source?: string }[] = [];
  const cm = b.campaignMembers;
  if (cm && responses) {
    for (const r of responses.slice(0, cm.maxPerRecord)) {
      out.push({
        type: campaignActivityType(cm, r.campaignType, r.campaignName),
        at: r.respondedOn,
        ...(r.campaignName ? { source: r.campaignName } : {}),
      });
    }
  }
  const dated = (field: string | null | undefined, type: string, page?: string) => {
    if (!field) return;
    const at = valueAt(row, field);
    if (at !== null) out.push({ type, at, ...(page ? { page } : {}) });
  };
  for (const p of b.namedPages) dated(p.lastAt, 'page_view', p.page);
  dated(b.pageViews?.lastAt, 'page_view');
  dated(b.emailOpens?.lastAt, 'email_open');
  dated(b.emailClicks?.lastAt, 'email_click');
  return out;
}

function hearing(m: SalesforceMapping, maps: ValueMaps, row: SfRow) {
  const h = m.hearing;
  if (!h) return null;
  const answer = (field: string | null): unknown => {
    const raw = field ? valueAt(row, field) : null;
    // Our picklist value → our word; anything else goes to the shared vocabulary (or a data issue).
    return raw === null ? null : (maps.answerFromOrg.get(String(raw)) ?? raw);
  };
  const values = {
    heardAt: h.heardAt ? valueAt(row, h.heardAt) : null,
    budget: answer(h.budget),
    decisionMaker: answer(h.decisionMaker),
    decisionInvolved: answer(h.decisionInvolved),
    clearProblem: answer(h.clearProblem),
    timelineMonths: h.timelineMonths ? valueAt(row, h.timelineMonths) : null,
    notes: h.notes ? valueAt(row, h.notes) : null,
  };
  // Not heard until IS has recorded something.
  return Object.values(values).some((v) => v !== null) ? values : null;
}

function manualRequest(m: SalesforceMapping, row: SfRow) {
  const r = m.manualRequest;
  if (!r) return null;
  const requested = valueAt(row, r.requested);
  if (requested === null) return null;
  return { requested, requestedBy: r.requestedBy ? valueAt(row, r.requestedBy) : null };
}

function current(m: SalesforceMapping, maps: ValueMaps, row: SfRow) {
  const w = m.writeBack;
  const flag = valueAt(row, w.flag);
  const next = valueAt(row, w.nextAction);
  return {
    flag: flag === null ? null : (maps.flagFromOrg.get(String(flag)) ?? flag),
    reason: valueAt(row, w.reason),
    nextAction: next === null ? null : (maps.nextActionFromOrg.get(String(next)) ?? next),
    attributeScore: valueAt(row, w.attributeScore),
    behaviourScore: valueAt(row, w.behaviourScore),
    dueAt: valueAt(row, w.dueAt),
    decisionKey: valueAt(row, w.decisionKey),
    // Picklist API values are the codes; normalizeLead reports anything else as unknown_value.
    feedback: {
      result: valueAt(row, m.feedback.result),
      sentBackReason: valueAt(row, m.feedback.sentBackReason),
      note: valueAt(row, m.feedback.note),
    },
    // The override picklist's API values are the flag codes; the last modifier is who changed it.
    override: {
      flag: valueAt(row, m.override.flag),
      modifiedBy: valueAt(row, 'LastModifiedById'),
      modifiedAt: valueAt(row, 'LastModifiedDate'),
    },
  };
}
