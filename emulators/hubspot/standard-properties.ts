import type { ObjectType } from './object-types.ts';
import {
  defineProperty,
  type PropertyDefinition,
  type PropertyGroupDefinition,
  prop,
  RO,
} from './property-definition.ts';

/**
 * The HubSpot-defined properties a fresh portal has for the objects the connector touches: the
 * ones it reads or writes plus enough neighbours that "list properties" looks like a real portal.
 * Not HubSpot's full catalogue (contacts alone have hundreds).
 */

export const LIFECYCLE_STAGES: ReadonlyArray<readonly [string, string]> = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
];

/** A subset of HubSpot's `industry` options (the real list has ~150 values). */
export const INDUSTRY_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['ACCOUNTING', 'Accounting'],
  ['AUTOMOTIVE', 'Automotive'],
  ['BANKING', 'Banking'],
  ['BIOTECHNOLOGY', 'Biotechnology'],
  ['CHEMICALS', 'Chemicals'],
  ['COMPUTER_HARDWARE', 'Computer Hardware'],
  ['COMPUTER_SOFTWARE', 'Computer Software'],
  ['CONSTRUCTION', 'Construction'],
  ['CONSUMER_GOODS', 'Consumer Goods'],
  ['EDUCATION_MANAGEMENT', 'Education Management'],
  ['ELECTRICAL_ELECTRONIC_MANUFACTURING', 'Electrical/Electronic Manufacturing'],
  ['FINANCIAL_SERVICES', 'Financial Services'],
  ['FOOD_BEVERAGES', 'Food & Beverages'],
  ['GOVERNMENT_ADMINISTRATION', 'Government Administration'],
  ['HOSPITAL_HEALTH_CARE', 'Hospital & Health Care'],
  ['INFORMATION_TECHNOLOGY_AND_SERVICES', 'Information Technology and Services'],
  ['INSURANCE', 'Insurance'],
  ['INTERNET', 'Internet'],
  ['LOGISTICS_AND_SUPPLY_CHAIN', 'Logistics and Supply Chain'],
  ['MACHINERY', 'Machinery'],
  ['MARKETING_AND_ADVERTISING', 'Marketing and Advertising'],
  ['MEDICAL_DEVICES', 'Medical Devices'],
  ['PHARMACEUTICALS', 'Pharmaceuticals'],
  ['REAL_ESTATE', 'Real Estate'],
  ['RETAIL', 'Retail'],
  ['TELECOMMUNICATIONS', 'Telecommunications'],
  ['TRANSPORTATION_TRUCKING_RAILROAD', 'Transportation/Trucking/Railroad'],
  ['UTILITIES', 'Utilities'],
  ['WHOLESALE', 'Wholesale'],
];

export const DEAL_STAGES: ReadonlyArray<readonly [string, string]> = [
  ['appointmentscheduled', 'Appointment Scheduled'],
  ['qualifiedtobuy', 'Qualified To Buy'],
  ['presentationscheduled', 'Presentation Scheduled'],
  ['decisionmakerboughtin', 'Decision Maker Bought-In'],
  ['contractsent', 'Contract Sent'],
  ['closedwon', 'Closed Won'],
  ['closedlost', 'Closed Lost'],
];

const CALC = { ...RO, calculated: true };

function contactProperties(): PropertyDefinition[] {
  const g = 'contactinformation';
  return [
    prop.text('email', 'Email', g),
    prop.text('firstname', 'First Name', g),
    prop.text('lastname', 'Last Name', g),
    defineProperty('phone', 'Phone Number', 'string', 'phonenumber', g),
    defineProperty('mobilephone', 'Mobile Phone Number', 'string', 'phonenumber', g),
    prop.text('company', 'Company Name', g),
    prop.text('jobtitle', 'Job Title', g),
    prop.text('website', 'Website URL', g),
    prop.text('address', 'Street Address', g),
    prop.text('city', 'City', g),
    prop.text('state', 'State/Region', g),
    prop.text('zip', 'Postal Code', g),
    prop.text('country', 'Country/Region', g),
    prop.select('lifecyclestage', 'Lifecycle Stage', g, LIFECYCLE_STAGES),
    prop.select('hs_lead_status', 'Lead Status', 'sales_properties', [
      ['NEW', 'New'],
      ['OPEN', 'Open'],
      ['IN_PROGRESS', 'In Progress'],
      ['OPEN_DEAL', 'Open Deal'],
      ['UNQUALIFIED', 'Unqualified'],
      ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
      ['CONNECTED', 'Connected'],
      ['BAD_TIMING', 'Bad Timing'],
    ]),
    prop.owner('hubspot_owner_id', 'Contact owner', 'sales_properties'),
    prop.datetime('createdate', 'Create Date', g, RO),
    prop.datetime('lastmodifieddate', 'Last Modified Date', g, RO),
    prop.datetime('hs_lastmodifieddate', 'Object last modified date/time', g, RO),
    // The user who last changed the record in the CRM (set by a user's edit, `WriteOptions.userId`).
    prop.number('hs_updated_by_user_id', 'Updated by user ID', g, RO),
    prop.number('hs_object_id', 'Record ID', g, RO),
    // Maintained from the primary company association (read-only, as in HubSpot).
    prop.number('associatedcompanyid', 'Primary Associated Company ID', g, CALC),
    prop.number('num_conversion_events', 'Number of Form Submissions', 'conversioninformation', CALC),
    prop.datetime('first_conversion_date', 'First Conversion Date', 'conversioninformation', CALC),
    prop.text('first_conversion_event_name', 'First Conversion', 'conversioninformation', CALC),
    prop.datetime('recent_conversion_date', 'Recent Conversion Date', 'conversioninformation', CALC),
    prop.text('recent_conversion_event_name', 'Recent Conversion', 'conversioninformation', CALC),
    prop.number('hs_analytics_num_page_views', 'Number of Pageviews', 'analyticsinformation', CALC),
    prop.number('hs_analytics_num_visits', 'Number of Sessions', 'analyticsinformation', CALC),
    prop.datetime('hs_analytics_last_visit_timestamp', 'Time of Last Session', 'analyticsinformation', CALC),
    prop.select(
      'hs_analytics_source',
      'Original Source',
      'analyticsinformation',
      [
        ['ORGANIC_SEARCH', 'Organic Search'],
        ['PAID_SEARCH', 'Paid Search'],
        ['EMAIL_MARKETING', 'Email Marketing'],
        ['SOCIAL_MEDIA', 'Organic Social'],
        ['REFERRALS', 'Referrals'],
        ['OTHER_CAMPAIGNS', 'Other Campaigns'],
        ['DIRECT_TRAFFIC', 'Direct Traffic'],
        ['OFFLINE', 'Offline Sources'],
      ],
      CALC,
    ),
    prop.number('hs_email_open', 'Marketing emails opened', 'emailinformation', CALC),
    prop.number('hs_email_click', 'Marketing emails clicked', 'emailinformation', CALC),
    prop.number('hs_email_delivered', 'Marketing emails delivered', 'emailinformation', CALC),
    prop.datetime('hs_email_last_open_date', 'Last marketing email open date', 'emailinformation', CALC),
    prop.datetime('hs_email_last_click_date', 'Last marketing email click date', 'emailinformation', CALC),
    prop.datetime('notes_last_updated', 'Last Activity Date', 'sales_properties', CALC),
  ];
}

function companyProperties(): PropertyDefinition[] {
  const g = 'companyinformation';
  return [
    prop.text('name', 'Company name', g),
    prop.text('domain', 'Company Domain Name', g),
    prop.text('website', 'Website URL', g),
    defineProperty('phone', 'Phone Number', 'string', 'phonenumber', g),
    prop.text('city', 'City', g),
    prop.text('state', 'State/Region', g),
    prop.text('country', 'Country/Region', g),
    prop.select('industry', 'Industry', g, INDUSTRY_OPTIONS),
    prop.number('numberofemployees', 'Number of Employees', g),
    prop.number('annualrevenue', 'Annual Revenue', g),
    prop.select('lifecyclestage', 'Lifecycle Stage', g, LIFECYCLE_STAGES),
    prop.select('type', 'Type', g, [
      ['PROSPECT', 'Prospect'],
      ['PARTNER', 'Partner'],
      ['RESELLER', 'Reseller'],
      ['VENDOR', 'Vendor'],
      ['OTHER', 'Other'],
    ]),
    prop.textarea('description', 'Description', g),
    prop.owner('hubspot_owner_id', 'Company owner', g),
    prop.datetime('createdate', 'Create Date', g, RO),
    prop.datetime('hs_lastmodifieddate', 'Last Modified Date', g, RO),
    prop.number('hs_object_id', 'Record ID', g, RO),
  ];
}

function dealProperties(): PropertyDefinition[] {
  const g = 'dealinformation';
  return [
    prop.text('dealname', 'Deal Name', g),
    defineProperty('dealstage', 'Deal Stage', 'enumeration', 'radio', g, {
      options: DEAL_STAGES.map(([value, label], i) => ({ value, label, displayOrder: i, hidden: false })),
    }),
    prop.select('pipeline', 'Pipeline', g, [['default', 'Sales Pipeline']]),
    prop.number('amount', 'Amount', g),
    prop.datetime('closedate', 'Close Date', g),
    prop.textarea('closed_lost_reason', 'Closed Lost Reason', g),
    prop.owner('hubspot_owner_id', 'Deal owner', g),
    prop.datetime('createdate', 'Create Date', g, RO),
    prop.datetime('hs_lastmodifieddate', 'Last Modified Date', g, RO),
    prop.number('hs_object_id', 'Record ID', g, RO),
  ];
}

function taskProperties(): PropertyDefinition[] {
  const g = 'task';
  return [
    prop.datetime('hs_timestamp', 'Due date', g),
    prop.text('hs_task_subject', 'Task Title', g),
    defineProperty('hs_task_body', 'Notes', 'string', 'html', g),
    prop.select('hs_task_status', 'Task Status', g, [
      ['NOT_STARTED', 'Not started'],
      ['IN_PROGRESS', 'In progress'],
      ['WAITING', 'Waiting'],
      ['COMPLETED', 'Completed'],
      ['DEFERRED', 'Deferred'],
    ]),
    prop.select('hs_task_priority', 'Priority', g, [
      ['NONE', 'None'],
      ['LOW', 'Low'],
      ['MEDIUM', 'Medium'],
      ['HIGH', 'High'],
    ]),
    prop.select('hs_task_type', 'Task Type', g, [
      ['TODO', 'To-do'],
      ['CALL', 'Call'],
      ['EMAIL', 'Email'],
      ['LINKED_IN', 'LinkedIn'],
    ]),
    prop.text('hs_task_reminders', 'Reminder', g),
    prop.owner('hubspot_owner_id', 'Assigned to', g),
    prop.datetime('hs_task_completion_date', 'Completed at', g, CALC),
    prop.datetime('hs_createdate', 'Create date', g, RO),
    prop.datetime('hs_lastmodifieddate', 'Last Modified Date', g, RO),
    prop.number('hs_object_id', 'Record ID', g, RO),
  ];
}

/** What every engagement carries: the activity time (required on create), owner and bookkeeping. */
function engagementBasics(g: string): PropertyDefinition[] {
  return [
    prop.datetime('hs_timestamp', 'Activity date', g),
    prop.owner('hubspot_owner_id', 'Activity assigned to', g),
    prop.datetime('hs_createdate', 'Create date', g, RO),
    prop.datetime('hs_lastmodifieddate', 'Last Modified Date', g, RO),
    prop.number('hs_object_id', 'Record ID', g, RO),
  ];
}

function callProperties(): PropertyDefinition[] {
  const g = 'callinformation';
  return [
    ...engagementBasics(g),
    prop.text('hs_call_title', 'Call title', g),
    defineProperty('hs_call_body', 'Call notes', 'string', 'html', g),
    prop.select('hs_call_direction', 'Call direction', g, [
      ['INBOUND', 'Inbound'],
      ['OUTBOUND', 'Outbound'],
    ]),
    prop.text('hs_call_disposition', 'Call outcome', g),
    prop.number('hs_call_duration', 'Call duration (ms)', g),
    prop.select('hs_call_status', 'Call status', g, [
      ['BUSY', 'Busy'],
      ['CALLING_CRM_USER', 'Calling CRM user'],
      ['CANCELED', 'Canceled'],
      ['COMPLETED', 'Completed'],
      ['CONNECTING', 'Connecting'],
      ['FAILED', 'Failed'],
      ['IN_PROGRESS', 'In progress'],
      ['NO_ANSWER', 'No answer'],
      ['QUEUED', 'Queued'],
      ['RINGING', 'Ringing'],
    ]),
  ];
}

function emailProperties(): PropertyDefinition[] {
  const g = 'emailinformation';
  return [
    ...engagementBasics(g),
    prop.text('hs_email_subject', 'Email subject', g),
    prop.textarea('hs_email_text', 'Email body', g),
    prop.select('hs_email_direction', 'Email direction', g, [
      ['EMAIL', 'Sent by the owner'],
      ['INCOMING_EMAIL', 'Reply from the contact'],
      ['FORWARDED_EMAIL', 'Forwarded'],
    ]),
    prop.select('hs_email_status', 'Email send status', g, [
      ['BOUNCED', 'Bounced'],
      ['FAILED', 'Failed'],
      ['SCHEDULED', 'Scheduled'],
      ['SENDING', 'Sending'],
      ['SENT', 'Sent'],
    ]),
  ];
}

function meetingProperties(): PropertyDefinition[] {
  const g = 'meetinginformation';
  return [
    ...engagementBasics(g),
    prop.text('hs_meeting_title', 'Meeting name', g),
    defineProperty('hs_meeting_body', 'Meeting description', 'string', 'html', g),
    prop.datetime('hs_meeting_start_time', 'Start time', g),
    prop.datetime('hs_meeting_end_time', 'End time', g),
    prop.select('hs_meeting_outcome', 'Meeting outcome', g, [
      ['SCHEDULED', 'Scheduled'],
      ['COMPLETED', 'Completed'],
      ['RESCHEDULED', 'Rescheduled'],
      ['NO_SHOW', 'No show'],
      ['CANCELED', 'Canceled'],
    ]),
  ];
}

export function standardProperties(type: ObjectType): PropertyDefinition[] {
  switch (type) {
    case 'contacts':
      return contactProperties();
    case 'companies':
      return companyProperties();
    case 'deals':
      return dealProperties();
    case 'tasks':
      return taskProperties();
    case 'calls':
      return callProperties();
    case 'emails':
      return emailProperties();
    case 'meetings':
      return meetingProperties();
  }
}

const group = (name: string, label: string, displayOrder: number): PropertyGroupDefinition => ({
  name,
  label,
  displayOrder,
  archived: false,
});

export function standardGroups(type: ObjectType): PropertyGroupDefinition[] {
  switch (type) {
    case 'contacts':
      return [
        group('contactinformation', 'Contact information', 0),
        group('sales_properties', 'Sales properties', 1),
        group('conversioninformation', 'Conversion information', 2),
        group('analyticsinformation', 'Web analytics history', 3),
        group('emailinformation', 'Email information', 4),
      ];
    case 'companies':
      return [group('companyinformation', 'Company information', 0)];
    case 'deals':
      return [group('dealinformation', 'Deal information', 0)];
    case 'tasks':
      return [group('task', 'Task information', 0)];
    case 'calls':
      return [group('callinformation', 'Call information', 0)];
    case 'emails':
      return [group('emailinformation', 'Email information', 0)];
    case 'meetings':
      return [group('meetinginformation', 'Meeting information', 0)];
  }
}
