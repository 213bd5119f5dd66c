// The picklists `tossup setup` deploys use the product's own value lists, so the two cannot drift.
import { APPROVAL_DECISIONS } from '../../../src/approval/approval-values.ts';
import { SENT_BACK_REASONS, TOSSUP_RESULTS } from '../../../src/domain/rep-feedback.ts';
import { SLA_STATUSES } from '../../../src/ports/episode-crm.ts';
import { KEY_PREFIXES } from '../ids.ts';
import type { FieldDef, ObjectDef, PicklistValueDef } from './schema-types.ts';

/**
 * The default org: standard objects the connector touches, trimmed to the fields it (or a test)
 * plausibly uses, plus the custom fields from docs/crm-fields.md and the web-activity fields
 * documented in emulators/salesforce/README.md.
 */

const pick = (values: readonly string[], defaultValue?: string): PicklistValueDef[] =>
  values.map((value) => ({ value, label: value, active: true, defaultValue: value === defaultValue }));

const text = (name: string, label: string, length: number, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'string',
  length,
  ...extra,
});
const num = (
  name: string,
  label: string,
  precision: number,
  scale = 0,
  extra: Partial<FieldDef> = {},
): FieldDef => ({
  name,
  label,
  type: 'double',
  precision,
  scale,
  ...extra,
});
const checkbox = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'boolean',
  nillable: false,
  defaultValue: false,
  defaultedOnCreate: true,
  ...extra,
});
const datetime = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'datetime',
  ...extra,
});
const date = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'date',
  ...extra,
});
const picklist = (
  name: string,
  label: string,
  values: readonly string[],
  extra: Partial<FieldDef> = {},
): FieldDef => ({ name, label, type: 'picklist', length: 255, picklistValues: pick(values), ...extra });
const ref = (
  name: string,
  label: string,
  referenceTo: string[],
  relationshipName: string,
  extra: Partial<FieldDef> = {},
): FieldDef => ({ name, label, type: 'reference', length: 18, referenceTo, relationshipName, ...extra });
const readOnly = { createable: false, updateable: false } as const;

function systemFields(): FieldDef[] {
  return [
    { name: 'Id', label: 'Record ID', type: 'id', length: 18, nillable: false, ...readOnly, system: true },
    checkbox('IsDeleted', 'Deleted', { ...readOnly, system: true }),
    datetime('CreatedDate', 'Created Date', { nillable: false, ...readOnly, system: true }),
    ref('CreatedById', 'Created By ID', ['User'], 'CreatedBy', {
      nillable: false,
      ...readOnly,
      system: true,
    }),
    datetime('LastModifiedDate', 'Last Modified Date', { nillable: false, ...readOnly, system: true }),
    ref('LastModifiedById', 'Last Modified By ID', ['User'], 'LastModifiedBy', {
      nillable: false,
      ...readOnly,
      system: true,
    }),
    datetime('SystemModstamp', 'System Modstamp', { nillable: false, ...readOnly, system: true }),
  ];
}

export const TOSSUP_FLAG_VALUES = ['はい', 'いいえ', '一時保留'] as const;
export const HEARING_VALUES = ['あり', 'なし', '不明'] as const;
export const NEXT_ACTION_VALUES = [
  'field_sales_tossup',
  'inside_sales_follow_up',
  'inside_sales_hearing',
  'nurture',
  'notify_is_sales_planning',
] as const;
export const LEAD_STATUS_VALUES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
] as const;
export const INDUSTRY_VALUES = [
  'Agriculture',
  'Banking',
  'Chemicals',
  'Communications',
  'Construction',
  'Consulting',
  'Education',
  'Electronics',
  'Energy',
  'Finance',
  'Government',
  'Healthcare',
  'Insurance',
  'Manufacturing',
  'Media',
  'Retail',
  'Technology',
  'Transportation',
  'Utilities',
  'Other',
] as const;
export const OPPORTUNITY_STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
] as const;
export const OPPORTUNITY_LOSS_REASONS = [
  'Price',
  'Competitor',
  'No Budget',
  'Timing',
  'No Decision',
  'Other',
] as const;
/** Task.TaskSubtype (API v37+): set on create by the UI action that made the task, never updated. */
export const TASK_SUBTYPE_VALUES = ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'] as const;
export const TASK_STATUS_VALUES = [
  'Not Started',
  'In Progress',
  'Completed',
  'Waiting on someone else',
  'Deferred',
] as const;

/** Fields written by the connector (docs/crm-fields.md), on Lead and Contact. */
function tossUpFields(): FieldDef[] {
  return [
    picklist('TossUp_Flag__c', 'Toss-up Flag', TOSSUP_FLAG_VALUES, { restrictedPicklist: true }),
    text('TossUp_Reason__c', 'Toss-up Reason', 255),
    picklist('TossUp_Next_Action__c', 'Toss-up Next Action', NEXT_ACTION_VALUES, {
      restrictedPicklist: true,
    }),
    num('TossUp_Attribute_Score__c', 'Toss-up Attribute Score', 3),
    num('TossUp_Behaviour_Score__c', 'Toss-up Behaviour Score', 5),
    datetime('TossUp_Due__c', 'Toss-up Due'),
    text('TossUp_Decision_Key__c', 'Toss-up Decision Key', 80),
    // The SLA sweep's fields (tossup setup salesforce creates them with Japanese labels).
    picklist('TossUp_SLA_Status__c', 'Toss-up SLA Status', SLA_STATUSES, { restrictedPicklist: true }),
    datetime('TossUp_First_Response_At__c', 'Toss-up First Response'),
    // The rep's feedback (issue 14): set by people, only read by the connector.
    picklist('TossUp_Result__c', 'Toss-up Result', TOSSUP_RESULTS, { restrictedPicklist: true }),
    picklist('TossUp_Sent_Back_Reason__c', 'Sent-back Reason', SENT_BACK_REASONS, {
      restrictedPicklist: true,
    }),
    { name: 'TossUp_Feedback_Note__c', label: 'Toss-up Feedback', type: 'textarea', length: 32768 },
    // A person's override of the flag (issue 14): set by people, only read by the connector.
    picklist('TossUp_Override__c', 'Toss-up Override', ['yes', 'no', 'hold'], { restrictedPicklist: true }),
    // The opportunity flag (商談化フラグ, issue 14): set once by the sweep's opportunity phase.
    checkbox('TossUp_Opportunity__c', 'Toss-up Opportunity'),
    date('TossUp_Opportunity_Date__c', 'Toss-up Opportunity Date'),
    // The manager's approval (issue 14): set by the manager, only read by the sweep.
    picklist('TossUp_Approval__c', 'Toss-up Approval', APPROVAL_DECISIONS, { restrictedPicklist: true }),
    { name: 'TossUp_Rejection_Reason__c', label: 'Rejection Reason', type: 'textarea', length: 32768 },
  ];
}

/** Read by the connector: MA score, IS hearing, manual request, web activity. */
function prospectReadFields(): FieldDef[] {
  return [
    num('pi__score__c', 'Score', 18),
    datetime('IS_Heard_At__c', 'IS Heard At'),
    picklist('IS_Budget__c', 'IS Budget', HEARING_VALUES, { restrictedPicklist: true }),
    picklist('IS_Decision_Maker__c', 'IS Decision Maker', HEARING_VALUES, { restrictedPicklist: true }),
    picklist('IS_Decision_Involved__c', 'IS Decision Involved', HEARING_VALUES, { restrictedPicklist: true }),
    picklist('IS_Clear_Problem__c', 'IS Clear Problem', HEARING_VALUES, { restrictedPicklist: true }),
    num('IS_Timeline_Months__c', 'IS Timeline (Months)', 3),
    { name: 'IS_Hearing_Notes__c', label: 'IS Hearing Notes', type: 'textarea', length: 32768 },
    checkbox('Sales_TossUp_Request__c', 'Sales Toss-up Request'),
    ref(
      'Sales_TossUp_Requested_By__c',
      'Sales Toss-up Requested By',
      ['User'],
      'Sales_TossUp_Requested_By__r',
    ),
    datetime('Pricing_Page_Last_Viewed__c', 'Pricing Page Last Viewed'),
    num('Web_Page_Views_30d__c', 'Web Page Views (30 days)', 6),
    datetime('Email_Last_Opened__c', 'Email Last Opened'),
    datetime('Email_Last_Clicked__c', 'Email Last Clicked'),
  ];
}

const ownerDefaulted = { nillable: false, defaultedOnCreate: true } as const;

function lead(): ObjectDef {
  return {
    name: 'Lead',
    label: 'Lead',
    labelPlural: 'Leads',
    keyPrefix: KEY_PREFIXES.Lead,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      text('LastName', 'Last Name', 80, { required: true }),
      text('FirstName', 'First Name', 40),
      text('Name', 'Full Name', 121, { ...readOnly, calculated: true }),
      text('Title', 'Title', 128),
      text('Company', 'Company', 255, { required: true }),
      { name: 'Email', label: 'Email', type: 'email', length: 80 },
      { name: 'Phone', label: 'Phone', type: 'phone', length: 40 },
      { name: 'Website', label: 'Website', type: 'url', length: 255 },
      text('City', 'City', 40),
      text('State', 'State/Province', 80),
      text('Country', 'Country', 80),
      picklist('Status', 'Status', LEAD_STATUS_VALUES, {
        restrictedPicklist: true,
        nillable: false,
        defaultedOnCreate: true,
        picklistValues: pick(LEAD_STATUS_VALUES, 'Open - Not Contacted'),
      }),
      picklist('LeadSource', 'Lead Source', [
        'Web',
        'Phone Inquiry',
        'Partner Referral',
        'Purchased List',
        'Other',
      ]),
      picklist('Industry', 'Industry', INDUSTRY_VALUES),
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0 },
      { name: 'NumberOfEmployees', label: 'Employees', type: 'int', digits: 8 },
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
      ref('OwnerId', 'Owner ID', ['Group', 'User'], 'Owner', ownerDefaulted),
      checkbox('IsConverted', 'Converted', readOnly),
      date('ConvertedDate', 'Converted Date', readOnly),
      ref('ConvertedAccountId', 'Converted Account ID', ['Account'], 'ConvertedAccount', readOnly),
      ref('ConvertedContactId', 'Converted Contact ID', ['Contact'], 'ConvertedContact', readOnly),
      ref(
        'ConvertedOpportunityId',
        'Converted Opportunity ID',
        ['Opportunity'],
        'ConvertedOpportunity',
        readOnly,
      ),
      date('LastActivityDate', 'Last Activity', readOnly),
      text('Department__c', 'Department', 80),
      text('Employees_Text__c', 'Employees (free text)', 80),
      checkbox('Strategic_Target__c', 'Strategic Target'),
      ...prospectReadFields(),
      ...tossUpFields(),
    ],
  };
}

function contact(): ObjectDef {
  return {
    name: 'Contact',
    label: 'Contact',
    labelPlural: 'Contacts',
    keyPrefix: KEY_PREFIXES.Contact,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      text('LastName', 'Last Name', 80, { required: true }),
      text('FirstName', 'First Name', 40),
      text('Name', 'Full Name', 121, { ...readOnly, calculated: true }),
      text('Title', 'Title', 128),
      text('Department', 'Department', 80),
      { name: 'Email', label: 'Email', type: 'email', length: 80 },
      { name: 'Phone', label: 'Business Phone', type: 'phone', length: 40 },
      ref('AccountId', 'Account ID', ['Account'], 'Account', { childRelationshipName: 'Contacts' }),
      ref('OwnerId', 'Owner ID', ['User'], 'Owner', ownerDefaulted),
      picklist('LeadSource', 'Lead Source', [
        'Web',
        'Phone Inquiry',
        'Partner Referral',
        'Purchased List',
        'Other',
      ]),
      { name: 'Description', label: 'Contact Description', type: 'textarea', length: 32000 },
      date('LastActivityDate', 'Last Activity', readOnly),
      ...prospectReadFields(),
      ...tossUpFields(),
    ],
  };
}

function account(): ObjectDef {
  return {
    name: 'Account',
    label: 'Account',
    labelPlural: 'Accounts',
    keyPrefix: KEY_PREFIXES.Account,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      text('Name', 'Account Name', 255, { required: true }),
      picklist('Type', 'Account Type', [
        'Prospect',
        'Customer',
        'Customer - Direct',
        'Customer - Channel',
        'Channel Partner / Reseller',
        'Other',
      ]),
      picklist('Industry', 'Industry', INDUSTRY_VALUES),
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0 },
      { name: 'NumberOfEmployees', label: 'Employees', type: 'int', digits: 8 },
      text('BillingState', 'Billing State/Province', 80),
      text('BillingCountry', 'Billing Country', 80),
      { name: 'Website', label: 'Website', type: 'url', length: 255 },
      { name: 'Phone', label: 'Account Phone', type: 'phone', length: 40 },
      { name: 'Description', label: 'Account Description', type: 'textarea', length: 32000 },
      ref('OwnerId', 'Owner ID', ['User'], 'Owner', ownerDefaulted),
      checkbox('Strategic_Target__c', 'Strategic Target'),
      // Written by `tossup setup salesforce`: the "previously lost" roll-up the connector reads.
      num('TossUp_Lost_Opportunities__c', 'Closed Lost Opportunities', 18, 0, {
        ...readOnly,
        calculated: true,
        defaultValue: 0,
        summary: {
          childObject: 'Opportunity',
          foreignKey: 'AccountId',
          where: { IsClosed: true, IsWon: false },
        },
      }),
    ],
  };
}

function opportunity(): ObjectDef {
  return {
    name: 'Opportunity',
    label: 'Opportunity',
    labelPlural: 'Opportunities',
    keyPrefix: KEY_PREFIXES.Opportunity,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      text('Name', 'Name', 120, { required: true }),
      ref('AccountId', 'Account ID', ['Account'], 'Account', { childRelationshipName: 'Opportunities' }),
      picklist('StageName', 'Stage', OPPORTUNITY_STAGES, { required: true, restrictedPicklist: true }),
      date('CloseDate', 'Close Date', { required: true }),
      { name: 'Amount', label: 'Amount', type: 'currency', precision: 18, scale: 0 },
      { name: 'Probability', label: 'Probability (%)', type: 'percent', precision: 3, scale: 0 },
      checkbox('IsClosed', 'Closed', { ...readOnly, calculated: true }),
      checkbox('IsWon', 'Won', { ...readOnly, calculated: true }),
      // A custom loss reason: Salesforce has no standard field for it (mapping opportunity.lostReasonField).
      picklist('Loss_Reason__c', 'Loss Reason', OPPORTUNITY_LOSS_REASONS),
      picklist('LeadSource', 'Lead Source', [
        'Web',
        'Phone Inquiry',
        'Partner Referral',
        'Purchased List',
        'Other',
      ]),
      ref('OwnerId', 'Owner ID', ['User'], 'Owner', ownerDefaulted),
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
    ],
  };
}

function task(): ObjectDef {
  return {
    name: 'Task',
    label: 'Task',
    labelPlural: 'Tasks',
    keyPrefix: KEY_PREFIXES.Task,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      text('Subject', 'Subject', 255),
      ref('WhoId', 'Name ID', ['Contact', 'Lead'], 'Who', { childRelationshipName: 'Tasks' }),
      ref('WhatId', 'Related To ID', ['Account', 'Opportunity', 'Campaign'], 'What', {
        childRelationshipName: 'Tasks',
      }),
      ref('OwnerId', 'Assigned To ID', ['Group', 'User'], 'Owner', ownerDefaulted),
      date('ActivityDate', 'Due Date Only'),
      picklist('Status', 'Status', TASK_STATUS_VALUES, {
        restrictedPicklist: true,
        nillable: false,
        defaultedOnCreate: true,
        picklistValues: pick(TASK_STATUS_VALUES, 'Not Started'),
      }),
      picklist('Priority', 'Priority', ['High', 'Normal', 'Low'], {
        restrictedPicklist: true,
        nillable: false,
        defaultedOnCreate: true,
        picklistValues: pick(['High', 'Normal', 'Low'], 'Normal'),
      }),
      picklist('Type', 'Type', ['Call', 'Email', 'Meeting', 'Other']),
      { name: 'Description', label: 'Comments', type: 'textarea', length: 32000 },
      checkbox('IsClosed', 'Closed', { ...readOnly, calculated: true }),
      // Set by the server when the task is closed, cleared when it is reopened (API v49+).
      datetime('CompletedDateTime', 'Completed Date/Time', { ...readOnly, calculated: true }),
      picklist('TaskSubtype', 'Task Subtype', TASK_SUBTYPE_VALUES, {
        restrictedPicklist: true,
        updateable: false,
        defaultedOnCreate: true,
        picklistValues: pick(TASK_SUBTYPE_VALUES, 'Task'),
      }),
      checkbox('IsHighPriority', 'High Priority', { ...readOnly, calculated: true }),
      datetime('ReminderDateTime', 'Reminder Date/Time'),
      checkbox('IsReminderSet', 'Reminder Set'),
      ref('AccountId', 'Account ID', ['Account'], 'Account', { ...readOnly, calculated: true }),
      text('TossUp_Key__c', 'Toss-up Key', 80, { externalId: true, unique: true }),
    ],
  };
}

/** Calendar events (meetings): the fields of Event the connector and tests use. */
function event(): ObjectDef {
  return {
    name: 'Event',
    label: 'Event',
    labelPlural: 'Events',
    keyPrefix: KEY_PREFIXES.Event,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      text('Subject', 'Subject', 255),
      ref('WhoId', 'Name ID', ['Contact', 'Lead'], 'Who', { childRelationshipName: 'Events' }),
      ref('WhatId', 'Related To ID', ['Account', 'Opportunity', 'Campaign'], 'What', {
        childRelationshipName: 'Events',
      }),
      ref('OwnerId', 'Assigned To ID', ['User'], 'Owner', ownerDefaulted),
      datetime('StartDateTime', 'Start Date Time', { required: true, nillable: false }),
      // EndDateTime or DurationInMinutes; the server derives the other (and ActivityDateTime/Date).
      datetime('EndDateTime', 'End Date Time'),
      { name: 'DurationInMinutes', label: 'Duration', type: 'int', digits: 8 },
      datetime('ActivityDateTime', 'Due Date Time', { ...readOnly, calculated: true }),
      date('ActivityDate', 'Due Date Only', { ...readOnly, calculated: true }),
      checkbox('IsAllDayEvent', 'All-Day Event'),
      text('Location', 'Location', 255),
      picklist('Type', 'Type', ['Call', 'Email', 'Meeting', 'Other']),
      picklist('EventSubtype', 'Event Subtype', ['Event'], {
        restrictedPicklist: true,
        updateable: false,
        defaultedOnCreate: true,
        picklistValues: pick(['Event'], 'Event'),
      }),
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
      ref('AccountId', 'Account ID', ['Account'], 'Account', { ...readOnly, calculated: true }),
    ],
  };
}

function user(): ObjectDef {
  return {
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: KEY_PREFIXES.User,
    // Users and queues are set up by seeding or the store API, not through the emulated REST API.
    createable: false,
    updateable: true,
    deletable: false,
    fields: [
      ...systemFields(),
      text('Username', 'Username', 80, { nillable: false, updateable: false }),
      text('LastName', 'Last Name', 80, { nillable: false }),
      text('FirstName', 'First Name', 40),
      text('Name', 'Full Name', 121, { ...readOnly, calculated: true }),
      { name: 'Email', label: 'Email', type: 'email', length: 128, nillable: false },
      text('Alias', 'Alias', 8, { nillable: false }),
      checkbox('IsActive', 'Active'),
      text('Title', 'Title', 80),
      text('Department', 'Department', 80),
      picklist('Sales_Role__c', 'Sales Role', [
        'field_sales',
        'inside_sales',
        'sales_planning',
        'account_manager',
      ]),
      text('Territory__c', 'Territory', 40),
      ref('ManagerId', 'Manager ID', ['User'], 'Manager', { childRelationshipName: 'ManagedUsers' }),
    ],
  };
}

function group(): ObjectDef {
  return {
    name: 'Group',
    label: 'Group',
    labelPlural: 'Groups',
    keyPrefix: KEY_PREFIXES.Group,
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      ...systemFields(),
      text('Name', 'Name', 40, { nillable: false }),
      text('DeveloperName', 'Developer Name', 80),
      picklist('Type', 'Type', ['Queue', 'Regular', 'Role'], { restrictedPicklist: true }),
      { name: 'Email', label: 'Email', type: 'email', length: 255 },
      ref('OwnerId', 'Owner ID', ['User'], 'Owner', ownerDefaulted),
    ],
  };
}

function campaign(): ObjectDef {
  return {
    name: 'Campaign',
    label: 'Campaign',
    labelPlural: 'Campaigns',
    keyPrefix: KEY_PREFIXES.Campaign,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      text('Name', 'Name', 80, { required: true }),
      picklist('Type', 'Type', [
        'Webinar',
        'Seminar / Conference',
        'Content',
        'Email',
        'Website',
        'Advertisement',
        'Other',
      ]),
      picklist('Status', 'Status', ['Planned', 'In Progress', 'Completed', 'Aborted']),
      date('StartDate', 'Start Date'),
      date('EndDate', 'End Date'),
      checkbox('IsActive', 'Active'),
      ref('OwnerId', 'Owner ID', ['User'], 'Owner', ownerDefaulted),
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
    ],
  };
}

function campaignMember(): ObjectDef {
  return {
    name: 'CampaignMember',
    label: 'Campaign Member',
    labelPlural: 'Campaign Members',
    keyPrefix: KEY_PREFIXES.CampaignMember,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      ref('CampaignId', 'Campaign ID', ['Campaign'], 'Campaign', {
        required: true,
        updateable: false,
        childRelationshipName: 'CampaignMembers',
      }),
      ref('LeadId', 'Lead ID', ['Lead'], 'Lead', {
        updateable: false,
        childRelationshipName: 'CampaignMembers',
      }),
      ref('ContactId', 'Contact ID', ['Contact'], 'Contact', {
        updateable: false,
        childRelationshipName: 'CampaignMembers',
      }),
      // Values come from each campaign's CampaignMemberStatus rows in a real org, hence unrestricted.
      picklist('Status', 'Status', ['Sent', 'Responded'], {
        picklistValues: pick(['Sent', 'Responded'], 'Sent'),
        defaultedOnCreate: true,
      }),
      checkbox('HasResponded', 'Responded', { ...readOnly, calculated: true }),
      date('FirstRespondedDate', 'First Responded Date', readOnly),
    ],
  };
}

/** Who plays which part in an opportunity; lead conversion adds the converted contact as primary. */
function opportunityContactRole(): ObjectDef {
  return {
    name: 'OpportunityContactRole',
    label: 'Opportunity Contact Role',
    labelPlural: 'Opportunity Contact Roles',
    keyPrefix: KEY_PREFIXES.OpportunityContactRole,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      ...systemFields(),
      ref('OpportunityId', 'Opportunity ID', ['Opportunity'], 'Opportunity', {
        required: true,
        updateable: false,
        childRelationshipName: 'OpportunityContactRoles',
      }),
      ref('ContactId', 'Contact ID', ['Contact'], 'Contact', {
        required: true,
        childRelationshipName: 'OpportunityContactRoles',
      }),
      picklist('Role', 'Role', ['Decision Maker', 'Economic Buyer', 'Evaluator', 'Influencer', 'Other']),
      checkbox('IsPrimary', 'Primary'),
    ],
  };
}

export function defaultObjects(): ObjectDef[] {
  return [
    lead(),
    contact(),
    account(),
    opportunity(),
    opportunityContactRole(),
    task(),
    event(),
    user(),
    group(),
    campaign(),
    campaignMember(),
  ];
}
