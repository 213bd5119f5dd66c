import { type ActivityType, type Lead, TOSSUP_FIELDS } from '../../src/domain/lead.ts';
import { personDisplayName } from '../../src/domain/person-name.ts';
import { normalizeLead } from '../../src/normalize/lead-input.ts';
import type { EventInfo, HubspotRecord } from './client.ts';
import type { CompanyFact } from './company-facts.ts';
import type { HubspotMapping, OptionMaps } from './mapping.ts';

/**
 * One HubSpot contact (plus its primary company's facts) → the CRM-neutral `Lead`. The values are
 * laid out as a lead input and handed to the project's `normalizeLead`, so HubSpot leads are
 * cleaned exactly like file leads: "1,200名" becomes 1200, bad values become `dataIssues`, nothing
 * throws. Option values are translated through the mapping first (a portal's `TU_YES` → `yes`);
 * values the mapping does not know pass through, so the shared vocabularies (はい, あり, ...) still
 * apply and anything else is reported as `unknown_value`.
 */

export const OBJECT_TYPE = 'contact';

/** Every contact property a search page must return for `toLead`. */
export function contactPropertiesFor(m: HubspotMapping): string[] {
  const c = m.contact;
  const h = m.hearing;
  const b = m.behaviour;
  const w = m.writeBack;
  const names = [
    c.owner,
    c.firstName,
    c.lastName,
    c.title,
    c.department,
    c.email,
    c.primaryCompanyId,
    c.companyName,
    c.employeesText,
    c.region,
    c.maBehaviourScore,
    h?.heardAt,
    h?.budget,
    h?.decisionMaker,
    h?.decisionInvolved,
    h?.clearProblem,
    h?.timelineMonths,
    h?.notes,
    m.manualRequest?.requested,
    m.manualRequest?.requestedBy,
    b.conversions?.count,
    b.conversions?.firstAt,
    b.conversions?.firstName,
    b.conversions?.lastAt,
    b.conversions?.lastName,
    b.pageViews?.lastAt,
    ...b.namedPages.map((p) => p.lastAt),
    b.emailOpens?.lastAt,
    b.emailClicks?.lastAt,
    // The current toss-up values, so write-back sends only what changed.
    ...TOSSUP_FIELDS.map((f) => w[f]),
    // The rep's feedback, read in the same search (never written).
    m.feedback.result,
    m.feedback.sentBackReason,
    m.feedback.note,
    // A person's override, and who last changed the contact and when (human-override.ts).
    m.override.flag,
    'hs_updated_by_user_id',
    'lastmodifieddate',
  ];
  return [...new Set(names.filter((n): n is string => typeof n === 'string'))];
}

export function companyPropertiesFor(m: HubspotMapping): string[] {
  const c = m.company;
  const names = [
    c.name,
    c.employees,
    c.revenueJpy,
    c.industry,
    c.region,
    c.owner,
    c.strategicTarget,
    c.existingCustomer?.property,
  ];
  return [...new Set(names.filter((n): n is string => typeof n === 'string'))];
}

export interface ToLeadContext {
  mapping: HubspotMapping;
  options: OptionMaps;
  /** Compiled `behaviour.conversions.types`. */
  conversionTypes: readonly { re: RegExp; type: ActivityType }[];
}

export function toLeadContext(mapping: HubspotMapping, options: OptionMaps): ToLeadContext {
  return {
    mapping,
    options,
    conversionTypes: (mapping.behaviour.conversions?.types ?? []).map((t) => ({
      re: new RegExp(t.match, 'iu'),
      type: t.type,
    })),
  };
}

/** Normalizes one contact. `events` (when the mapping reads the Events API) replaces the property-based activities. */
export function toLead(
  contact: HubspotRecord,
  company: CompanyFact | null,
  ctx: ToLeadContext,
  events: readonly EventInfo[] | null = null,
): Lead {
  const m = ctx.mapping;
  const p = (name: string | null | undefined): string | null =>
    name ? blankToNull(contact.properties[name]) : null;
  const cp = (name: string | null | undefined): string | null =>
    name && company ? blankToNull(company.properties[name]) : null;

  const industry = cp(m.company.industry);
  const lifecycle = m.company.existingCustomer ? cp(m.company.existingCustomer.property) : null;
  const input = {
    id: contact.id,
    objectType: OBJECT_TYPE,
    ownerId: p(m.contact.owner),
    modifiedAt: p('lastmodifieddate'),
    company: {
      name: cp(m.company.name) ?? p(m.contact.companyName),
      employees: cp(m.company.employees) ?? p(m.contact.employeesText),
      revenueJpy: cp(m.company.revenueJpy),
      industry: industry === null ? null : (m.company.industryValues[industry] ?? industry),
      region: cp(m.company.region) ?? p(m.contact.region),
      existingCustomer:
        lifecycle !== null && (m.company.existingCustomer?.values.includes(lifecycle) ?? false),
      accountOwnerId: cp(m.company.owner),
      strategicTarget: cp(m.company.strategicTarget),
    },
    person: {
      // For the chat notices only (src/domain/lead-label.ts); same search page, no extra call.
      name: personDisplayName(p(m.contact.firstName), p(m.contact.lastName)),
      title: p(m.contact.title),
      department: p(m.contact.department),
      email: p(m.contact.email),
    },
    activities: events ? eventActivities(events, m) : propertyActivities(p, ctx),
    maBehaviourScore: p(m.contact.maBehaviourScore),
    hearing: hearingOf(p, ctx),
    history: { previouslyLost: company?.previouslyLost ?? false },
    manualRequest: manualRequestOf(p, m),
    current: {
      flag: translate(p(m.writeBack.flag), ctx.options.flagFromPortal),
      reason: p(m.writeBack.reason),
      nextAction: translate(p(m.writeBack.nextAction), ctx.options.nextActionFromPortal),
      attributeScore: p(m.writeBack.attributeScore),
      behaviourScore: p(m.writeBack.behaviourScore),
      dueAt: p(m.writeBack.dueAt),
      decisionKey: p(m.writeBack.decisionKey),
      // Option values are the codes; normalizeLead reports anything else as unknown_value.
      feedback: {
        result: p(m.feedback.result),
        sentBackReason: p(m.feedback.sentBackReason),
        note: p(m.feedback.note),
      },
      // Option values are the flag codes; the contact's last editor is who changed it.
      override: {
        flag: p(m.override.flag),
        modifiedBy: p('hs_updated_by_user_id'),
        modifiedAt: p('lastmodifieddate'),
      },
    },
  };
  const result = normalizeLead(input, { crm: 'hubspot', objectType: OBJECT_TYPE });
  // Cannot happen for a record with an id; kept so a contract change fails loudly, not silently.
  if (!result.ok) throw new Error(`contact ${contact.id} could not be normalized: ${result.error.message}`);
  return result.lead;
}

type Prop = (name: string | null | undefined) => string | null;

/**
 * HubSpot's calculated properties: one activity per date HubSpot actually keeps (first and most
 * recent conversion, last visit, last named-page view, last e-mail open and click). Counts beyond
 * those have no dates and are not turned into activities: dating them would be invention, and
 * recency is what behaviour scoring weighs.
 */
function propertyActivities(p: Prop, ctx: ToLeadContext): unknown[] {
  const b = ctx.mapping.behaviour;
  const out: { type: string; at: string; page?: string; source?: string }[] = [];
  const conv = b.conversions;
  if (conv) {
    const lastAt = p(conv.lastAt);
    const lastName = p(conv.lastName);
    if (lastAt)
      out.push({
        type: conversionType(lastName, ctx),
        at: lastAt,
        ...(lastName ? { source: lastName } : {}),
      });
    const firstAt = p(conv.firstAt);
    const firstName = p(conv.firstName);
    const count = Number(p(conv.count) ?? Number.NaN);
    const moreThanOne = Number.isNaN(count) || count >= 2;
    if (firstAt && firstAt !== lastAt && moreThanOne) {
      out.push({
        type: conversionType(firstName, ctx),
        at: firstAt,
        ...(firstName ? { source: firstName } : {}),
      });
    }
  }
  const named = b.namedPages.map((n) => ({ at: p(n.lastAt), page: n.page })).filter((n) => n.at !== null);
  for (const n of named) out.push({ type: 'page_view', at: n.at!, page: n.page });
  const lastVisit = p(b.pageViews?.lastAt);
  // The named-page view at the same instant is that same visit, already counted above.
  if (lastVisit && !named.some((n) => sameInstant(n.at!, lastVisit)))
    out.push({ type: 'page_view', at: lastVisit });
  const open = p(b.emailOpens?.lastAt);
  if (open) out.push({ type: 'email_open', at: open });
  const click = p(b.emailClicks?.lastAt);
  if (click) out.push({ type: 'email_click', at: click });
  return out;
}

function conversionType(name: string | null, ctx: ToLeadContext): string {
  const fallback = ctx.mapping.behaviour.conversions?.otherwise ?? 'form_submission';
  if (!name) return fallback;
  return ctx.conversionTypes.find((t) => t.re.test(name))?.type ?? fallback;
}

function eventActivities(events: readonly EventInfo[], m: HubspotMapping): unknown[] {
  const cfg = m.behaviour.events!;
  const out: unknown[] = [];
  for (const e of events) {
    const type = cfg.types[e.eventType];
    if (!type) continue;
    const page = cfg.pageProperty ? e.properties[cfg.pageProperty] : undefined;
    const source = cfg.sourceProperty ? e.properties[cfg.sourceProperty] : undefined;
    out.push({ type, at: e.occurredAt, ...(page ? { page } : {}), ...(source ? { source } : {}) });
  }
  return out;
}

function hearingOf(p: Prop, ctx: ToLeadContext): Record<string, unknown> | null {
  const h = ctx.mapping.hearing;
  if (!h) return null;
  const answers = ctx.options.answerFromPortal;
  const values = {
    heardAt: p(h.heardAt),
    budget: translate(p(h.budget), answers),
    decisionMaker: translate(p(h.decisionMaker), answers),
    decisionInvolved: translate(p(h.decisionInvolved), answers),
    clearProblem: translate(p(h.clearProblem), answers),
    timelineMonths: p(h.timelineMonths),
    notes: p(h.notes),
  };
  // Not heard yet = nothing recorded at all; one recorded answer makes it a hearing.
  return Object.values(values).some((v) => v !== null) ? values : null;
}

function manualRequestOf(p: Prop, m: HubspotMapping): Record<string, unknown> | null {
  if (!m.manualRequest) return null;
  const requested = p(m.manualRequest.requested);
  if (requested === null) return null;
  return { requested, requestedBy: p(m.manualRequest.requestedBy) };
}

function translate<T extends string>(value: string | null, map: ReadonlyMap<string, T>): string | null {
  if (value === null) return null;
  return map.get(value) ?? value;
}

function blankToNull(v: string | null | undefined): string | null {
  return v === undefined || v === null || v === '' ? null : v;
}

function sameInstant(a: string, b: string): boolean {
  const ms = (s: string) => (/^\d+$/.test(s) ? Number(s) : Date.parse(s));
  return ms(a) === ms(b);
}
