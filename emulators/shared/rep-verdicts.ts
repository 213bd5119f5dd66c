import type { SentBackReason, TossUpResult } from '../../src/domain/rep-feedback.ts';
import type { CrmStore } from '../hubspot/crm-store.ts';
import { createDeal } from '../hubspot/rep-actions.ts';
import type { SalesforceStore } from '../salesforce/store.ts';
import { type LeadQuality, leadQuality, type QualityBand } from '../world/lead-quality.ts';
import { type VerdictPlan, verdictPlan } from '../world/rep-verdict.ts';
import type { World, WorldCompany, WorldPerson, WorldUser } from '../world/world.ts';

/**
 * The emulated reps' verdicts (issue 14): a toss-up a rep answered gets, after the business hours of
 * the rep's verdict plan (`world/rep-verdict.ts`, from the lead's quality in the world), the toss-up
 * result in the CRM — accepted, or sent back with a reason and a note — set on the lead/contact as
 * the rep would in the UI. At a later step some accepted toss-ups become an opportunity: Salesforce
 * converts a Lead with an Opportunity (`ConvertedOpportunityId`, result set just before, as a converted
 * lead cannot be edited) or opens an Opportunity on a Contact's account; HubSpot opens a deal associated
 * with the contact and its company. Others are marked lost. One verdict per lead/contact, whatever
 * number of tasks it had; at most one change per toss-up per step, so the sweep sees each in turn.
 */

export type RepVerdictCrm = 'salesforce' | 'hubspot';

/** A toss-up the rep answered, as the rep actor hands it on. */
export interface AnsweredTask {
  crm: RepVerdictCrm;
  taskKey: string;
  /** The lead/contact the task is about. */
  recordId: string;
  ownerId: string;
  rep: WorldUser;
  answeredAtMs: number;
}

export interface RepVerdictAction {
  crm: RepVerdictCrm;
  taskKey: string;
  recordId: string;
  repKey: string;
  result: TossUpResult;
  sentBackReason: SentBackReason | null;
  quality: QualityBand;
  /** ISO UTC: the step's instant. */
  at: string;
  /** The Opportunity (Salesforce) or deal (HubSpot) id an `opportunity` result created. */
  opportunityId?: string;
  /** Salesforce: the Lead was converted. */
  converted?: boolean;
}

/** The CRM fields the rep sets (mappings/*.yaml `feedback`); both CRMs' defaults are the mappings'. */
export interface FeedbackFields {
  result: string;
  sentBackReason: string;
  note: string;
}

export const SALESFORCE_FEEDBACK: FeedbackFields = {
  result: 'TossUp_Result__c',
  sentBackReason: 'TossUp_Sent_Back_Reason__c',
  note: 'TossUp_Feedback_Note__c',
};
export const HUBSPOT_FEEDBACK: FeedbackFields = {
  result: 'tossup_result',
  sentBackReason: 'tossup_sent_back_reason',
  note: 'tossup_feedback_note',
};

export interface RepVerdictsOptions {
  world: Pick<World, 'seed' | 'asOf' | 'people' | 'companies'>;
  /** Business hours between two instants on the SLA calendar (sla.yaml). */
  businessHoursBetween(from: Date, to: Date): number;
  salesforce?: {
    store: SalesforceStore;
    /** World person key → Lead or Contact id (the seeded ids). */
    people: ReadonlyMap<string, string>;
    /** World company key → Account id, for a converted lead to join its company's account. */
    accounts?: ReadonlyMap<string, string>;
    fields?: FeedbackFields;
  };
  hubspot?: {
    store: CrmStore;
    /** World person key → contact id. */
    contacts: ReadonlyMap<string, string>;
    fields?: FeedbackFields;
  };
}

interface Pending {
  task: AnsweredTask;
  person: WorldPerson;
  quality: LeadQuality;
  plan: Extract<VerdictPlan, { gives: true }>;
  /** `verdict`: waiting for the verdict; `later`: accepted, waiting for the opportunity or loss. */
  stage: 'verdict' | 'later';
  verdictAtMs: number;
}

const DAY_MS = 86_400_000;

export class RepVerdicts {
  readonly #o: RepVerdictsOptions;
  readonly #personById = new Map<string, WorldPerson>();
  readonly #company = new Map<string, WorldCompany>();
  readonly #pending = new Map<string, Pending>();
  /** crm:record ids that got (or will get) a verdict: one per lead/contact. */
  readonly #records = new Set<string>();

  constructor(options: RepVerdictsOptions) {
    this.#o = options;
    const people = new Map(options.world.people.map((p) => [p.key, p]));
    for (const [key, id] of options.salesforce?.people ?? []) {
      const p = people.get(key);
      if (p) this.#personById.set(`salesforce:${id.slice(0, 15)}`, p);
    }
    for (const [key, id] of options.hubspot?.contacts ?? []) {
      const p = people.get(key);
      if (p) this.#personById.set(`hubspot:${id}`, p);
    }
    for (const c of options.world.companies) this.#company.set(c.key, c);
  }

  /** The lead's quality and the rep's plan for one toss-up (null: unknown lead or a rep who judges nothing). */
  planFor(
    crm: RepVerdictCrm,
    recordId: string,
    taskKey: string,
    rep: WorldUser,
  ): { quality: LeadQuality; plan: VerdictPlan; person: WorldPerson } | null {
    const person = this.#personById.get(`${crm}:${crm === 'salesforce' ? recordId.slice(0, 15) : recordId}`);
    const company = person ? this.#company.get(person.companyKey) : undefined;
    if (!person || !company || !rep.verdict) return null;
    const quality = leadQuality(person, company, this.#o.world.asOf);
    return { quality, plan: verdictPlan(this.#o.world.seed, taskKey, quality, rep.verdict), person };
  }

  answered(task: AnsweredTask): void {
    const record = `${task.crm}:${task.crm === 'salesforce' ? task.recordId.slice(0, 15) : task.recordId}`;
    if (this.#records.has(record)) return;
    const p = this.planFor(task.crm, task.recordId, task.taskKey, task.rep);
    if (!p?.plan.gives) return;
    this.#records.add(record);
    this.#pending.set(`${task.crm}:${task.taskKey}`, {
      task,
      person: p.person,
      quality: p.quality,
      plan: p.plan,
      stage: 'verdict',
      verdictAtMs: 0,
    });
  }

  judge(atMs: number): RepVerdictAction[] {
    const now = new Date(atMs);
    const out: RepVerdictAction[] = [];
    for (const id of [...this.#pending.keys()].sort()) {
      const e = this.#pending.get(id) as Pending;
      if (e.stage === 'verdict') {
        const elapsed = this.#o.businessHoursBetween(new Date(e.task.answeredAtMs), now);
        if (elapsed < e.plan.afterHours) continue;
        const ok = this.#write(e, e.plan.result, e.plan.sentBackReason, e.plan.note, atMs);
        if (ok) out.push(this.#action(e, e.plan.result, e.plan.sentBackReason, atMs));
        if (ok && e.plan.later) {
          e.stage = 'later';
          e.verdictAtMs = atMs;
        } else this.#pending.delete(id);
        continue;
      }
      const later = e.plan.later;
      if (!later) {
        this.#pending.delete(id);
        continue;
      }
      if (this.#o.businessHoursBetween(new Date(e.verdictAtMs), now) < later.afterHours) continue;
      this.#pending.delete(id);
      if (later.result === 'lost') {
        if (this.#write(e, 'lost', null, null, atMs)) out.push(this.#action(e, 'lost', null, atMs));
        continue;
      }
      const made = this.#openOpportunity(e, later.amountJpy, atMs);
      if (made) out.push({ ...this.#action(e, 'opportunity', null, atMs), ...made });
    }
    return out;
  }

  #action(
    e: Pending,
    result: TossUpResult,
    sentBackReason: SentBackReason | null,
    atMs: number,
  ): RepVerdictAction {
    return {
      crm: e.task.crm,
      taskKey: e.task.taskKey,
      recordId: e.task.recordId,
      repKey: e.task.rep.key,
      result,
      sentBackReason,
      quality: e.quality.band,
      at: new Date(atMs).toISOString(),
    };
  }

  /** Sets the feedback fields as the rep; false when the record cannot take them (gone, converted). */
  #write(
    e: Pending,
    result: TossUpResult,
    reason: SentBackReason | null,
    note: string | null,
    atMs: number,
  ): boolean {
    try {
      if (e.task.crm === 'salesforce') {
        const sf = this.#o.salesforce as NonNullable<RepVerdictsOptions['salesforce']>;
        const f = sf.fields ?? SALESFORCE_FEEDBACK;
        const object = salesforceObjectOf(sf.store, e.task.recordId);
        if (!object) return false;
        sf.store.update(
          object,
          e.task.recordId,
          { [f.result]: result, [f.sentBackReason]: reason, [f.note]: note },
          { at: atMs, userId: e.task.ownerId },
        );
        return true;
      }
      const hs = this.#o.hubspot as NonNullable<RepVerdictsOptions['hubspot']>;
      const f = hs.fields ?? HUBSPOT_FEEDBACK;
      // A property edit as a rep makes it in the UI (change source CRM_UI).
      hs.store.update(
        'contacts',
        e.task.recordId,
        { [f.result]: result, [f.sentBackReason]: reason, [f.note]: note },
        { at: atMs },
      );
      return true;
    } catch {
      // Deleted or merged meanwhile: a rep cannot give a verdict on a record that is gone.
      return false;
    }
  }

  #openOpportunity(
    e: Pending,
    amountJpy: number,
    atMs: number,
  ): Pick<RepVerdictAction, 'opportunityId' | 'converted'> | null {
    const company = this.#company.get(e.person.companyKey);
    const name = `${company?.name ?? e.person.lastName} 新規導入`;
    const closeDate = new Date(atMs + 90 * DAY_MS).toISOString().slice(0, 10);
    if (!this.#write(e, 'opportunity', null, null, atMs)) return null;
    try {
      if (e.task.crm === 'hubspot') {
        const hs = this.#o.hubspot as NonNullable<RepVerdictsOptions['hubspot']>;
        const deal = createDeal(hs.store, {
          contactId: e.task.recordId,
          ownerId: e.task.ownerId,
          name,
          at: atMs,
        });
        hs.store.update(
          'deals',
          deal.id,
          { amount: String(amountJpy), closedate: `${closeDate}T00:00:00.000Z` },
          { at: atMs },
        );
        return { opportunityId: deal.id };
      }
      const sf = this.#o.salesforce as NonNullable<RepVerdictsOptions['salesforce']>;
      const meta = { at: atMs, userId: e.task.ownerId };
      if (salesforceObjectOf(sf.store, e.task.recordId) === 'Lead') {
        const accountId = sf.accounts?.get(e.person.companyKey);
        const r = sf.store.convertLead(e.task.recordId, {
          ...(accountId ? { accountId } : {}),
          opportunity: { name, stageName: 'Qualification', closeDate, ownerId: e.task.ownerId },
          meta,
        });
        if (!r.opportunityId) return null;
        sf.store.update('Opportunity', r.opportunityId, { Amount: amountJpy }, meta);
        return { opportunityId: r.opportunityId, converted: true };
      }
      const contact = sf.store.get('Contact', e.task.recordId);
      const id = sf.store.insert(
        'Opportunity',
        {
          Name: name,
          AccountId: contact?.AccountId ?? null,
          StageName: 'Qualification',
          CloseDate: closeDate,
          Amount: amountJpy,
          OwnerId: e.task.ownerId,
        },
        meta,
      );
      if (sf.store.schema.object('OpportunityContactRole'))
        sf.store.insert(
          'OpportunityContactRole',
          { OpportunityId: id, ContactId: e.task.recordId, IsPrimary: true },
          meta,
        );
      return { opportunityId: id };
    } catch {
      return null;
    }
  }
}

/** `Lead` or `Contact` for a Salesforce id in the store; null when it is neither or the lead is converted. */
function salesforceObjectOf(store: SalesforceStore, id: string): 'Lead' | 'Contact' | null {
  const lead = store.get('Lead', id);
  if (lead && !lead.IsDeleted) return lead.IsConverted ? null : 'Lead';
  const contact = store.get('Contact', id);
  return contact && !contact.IsDeleted ? 'Contact' : null;
}
