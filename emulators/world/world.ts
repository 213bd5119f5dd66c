import type { RepResponseProfile } from './rep-response.ts';
import type { RepVerdictProfile } from './rep-verdict.ts';

/**
 * A CRM-neutral picture of a B2B market: the one data set both emulators are seeded from, so the
 * demo, tests and benchmarks see the same companies and people through Salesforce and HubSpot.
 * Values are deliberately as messy as real CRMs hold them (raw titles, "1,200名", blanks); the
 * connectors' mappings and normalizers are what clean them up.
 */

export type SalesRole = 'field_sales' | 'inside_sales' | 'sales_planning' | 'account_manager';

export interface WorldUser {
  /** Stable key, e.g. `u001`; each emulator derives its own id format from it. */
  key: string;
  lastName: string;
  firstName: string;
  email: string;
  role: SalesRole;
  /** Territory code the routing pools use, e.g. `kanto`, `kansai`, `chubu`, `kyushu`, `other`. */
  territory: string;
  active: boolean;
  /** The user's manager (a user key), who hears of their overdue toss-ups; absent = none. */
  managerKey?: string;
  /** How the rep answers toss-ups (the demo's emulated reps, SLA tests); absent = never acts. */
  response?: RepResponseProfile;
  /** How the rep judges the toss-ups they answered (accept, send back, convert); absent = gives no verdict. */
  verdict?: RepVerdictProfile;
}

export interface WorldQueue {
  key: string;
  /** Display name, e.g. `IS/Sales planning`. */
  name: string;
  memberKeys: string[];
}

export type OpportunityStage = 'Prospecting' | 'Negotiation' | 'Closed Won' | 'Closed Lost';

export interface WorldOpportunity {
  key: string;
  name: string;
  stage: OpportunityStage;
  /** `YYYY-MM-DD`. */
  closeDate: string;
  amountJpy: number;
}

export interface WorldCompany {
  key: string;
  name: string;
  domain: string;
  /** Clean employee count when the CRM holds a number; `null` when blank. */
  employees: number | null;
  /** The same figure as typed into a free-text field ("1,200名", "50-99", "about 300", ""). */
  employeesText: string | null;
  revenueJpy: number | null;
  /** Industry code, e.g. `manufacturing`, `it_software`, `finance`, `retail`, `healthcare`, `logistics`, `construction`, `public`. */
  industry: string | null;
  /** Prefecture in Japanese, e.g. `東京都`; `null` when unknown. */
  prefecture: string | null;
  territory: string;
  /** Owner of the account (the account rep for existing customers). */
  ownerKey: string;
  existingCustomer: boolean;
  strategicTarget: boolean;
  opportunities: WorldOpportunity[];
}

export interface WorldCampaign {
  key: string;
  name: string;
  /** Salesforce Campaign.Type values. */
  type: 'Webinar' | 'Seminar / Conference' | 'Content' | 'Email' | 'Website';
  /** `YYYY-MM-DD`. */
  startDate: string;
}

export type WorldActivityType =
  | 'document_request'
  | 'webinar_attendance'
  | 'event_attendance'
  | 'form_submission'
  | 'inquiry'
  | 'email_open'
  | 'email_click'
  | 'page_view';

export interface WorldActivity {
  type: WorldActivityType;
  /** ISO 8601 UTC. */
  at: string;
  /** For page views: `pricing`, `case_studies`, `product`, `blog`, ... */
  page?: string;
  /** For campaign responses (documents, webinars, events). */
  campaignKey?: string;
}

export type WorldAnswer = 'yes' | 'no' | 'unknown';

export interface WorldHearing {
  heardAt: string;
  budget: WorldAnswer;
  decisionMaker: WorldAnswer;
  decisionInvolved: WorldAnswer;
  clearProblem: WorldAnswer;
  /** `null` = heard, no timeline given. */
  timelineMonths: number | null;
  notes: string | null;
}

export interface WorldPerson {
  key: string;
  companyKey: string;
  /** Salesforce stores unconverted prospects as Lead, people at accounts as Contact. */
  kind: 'lead' | 'contact';
  lastName: string;
  firstName: string;
  email: string;
  phone: string | null;
  /** Raw title as typed: "取締役 営業本部長", "Head of IT", "課長代理", "" ... */
  title: string | null;
  department: string | null;
  ownerKey: string;
  leadSource: string | null;
  /** Score from an MA tool (Account Engagement / HubSpot score), `null` when no MA tool. */
  maScore: number | null;
  /** `null` = not heard yet. */
  hearing: WorldHearing | null;
  /** Sales asked for a manual toss-up (and who asked). */
  manualRequestByKey: string | null;
  createdAt: string;
  modifiedAt: string;
  activities: WorldActivity[];
}

export interface World {
  seed: number;
  /** The "now" the data set was generated for (ISO UTC); activity ages are relative to it. */
  asOf: string;
  users: WorldUser[];
  queues: WorldQueue[];
  companies: WorldCompany[];
  campaigns: WorldCampaign[];
  people: WorldPerson[];
}
