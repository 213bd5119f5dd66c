/**
 * The CRM object types the emulator serves and the fixed facts HubSpot attaches to each: the
 * `0-N` type id used in some paths and error messages, the properties every response carries, and
 * the defaults returned when a caller names no properties.
 */

export const OBJECT_TYPES = [
  'contacts',
  'companies',
  'deals',
  'tasks',
  'calls',
  'emails',
  'meetings',
] as const;
/** Engagements a rep logs on a contact (the sweep's first-response evidence); `hs_timestamp` is required. */
export const ENGAGEMENT_TYPES = ['calls', 'emails', 'meetings'] as const satisfies readonly ObjectType[];
export type ObjectType = (typeof OBJECT_TYPES)[number];

interface ObjectTypeInfo {
  /** HubSpot's object type id, as used in `/crm/v3/objects/0-1/...` and error messages. */
  typeId: string;
  /** Upper-case singular name used in some error messages (`CONTACT`). */
  upperName: string;
  singular: string;
  createdProperty: string;
  /** Property names answered from the record's own modification time. */
  modifiedProperties: readonly string[];
  /** Returned on every read, whatever `properties` asked for. */
  basicProperties: readonly string[];
  /** Returned when the caller names no properties. */
  defaultProperties: readonly string[];
  /** Searched by the free-text `query` of the search endpoint. */
  queryProperties: readonly string[];
  /** First id handed out; types get distinct ranges so an id names one record only. */
  firstId: number;
}

export const OBJECT_TYPE_INFO: Readonly<Record<ObjectType, ObjectTypeInfo>> = {
  contacts: {
    typeId: '0-1',
    upperName: 'CONTACT',
    singular: 'contact',
    createdProperty: 'createdate',
    modifiedProperties: ['lastmodifieddate', 'hs_lastmodifieddate'],
    basicProperties: ['createdate', 'hs_object_id', 'lastmodifieddate'],
    defaultProperties: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
    queryProperties: ['email', 'firstname', 'lastname', 'phone', 'company'],
    firstId: 1001,
  },
  companies: {
    typeId: '0-2',
    upperName: 'COMPANY',
    singular: 'company',
    createdProperty: 'createdate',
    modifiedProperties: ['hs_lastmodifieddate'],
    basicProperties: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    defaultProperties: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    queryProperties: ['name', 'domain', 'website', 'phone'],
    firstId: 20_000_001,
  },
  deals: {
    typeId: '0-3',
    upperName: 'DEAL',
    singular: 'deal',
    createdProperty: 'createdate',
    modifiedProperties: ['hs_lastmodifieddate'],
    basicProperties: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    defaultProperties: [
      'amount',
      'closedate',
      'createdate',
      'dealname',
      'dealstage',
      'hs_lastmodifieddate',
      'hs_object_id',
      'pipeline',
    ],
    queryProperties: ['dealname'],
    firstId: 30_000_001,
  },
  tasks: {
    typeId: '0-27',
    upperName: 'TASK',
    singular: 'task',
    createdProperty: 'hs_createdate',
    modifiedProperties: ['hs_lastmodifieddate'],
    basicProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    defaultProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    queryProperties: ['hs_task_subject', 'hs_task_body'],
    firstId: 40_000_001,
  },
  calls: engagement('0-48', 'CALL', 'call', ['hs_call_title', 'hs_call_body'], 50_000_001),
  emails: engagement('0-49', 'EMAIL', 'email', ['hs_email_subject', 'hs_email_text'], 60_000_001),
  meetings: engagement('0-47', 'MEETING', 'meeting', ['hs_meeting_title', 'hs_meeting_body'], 70_000_001),
};

/** Calls, e-mails and meetings share HubSpot's engagement bookkeeping (`hs_createdate`, `hs_lastmodifieddate`). */
function engagement(
  typeId: string,
  upperName: string,
  singular: string,
  queryProperties: readonly string[],
  firstId: number,
): ObjectTypeInfo {
  return {
    typeId,
    upperName,
    singular,
    createdProperty: 'hs_createdate',
    modifiedProperties: ['hs_lastmodifieddate'],
    basicProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    defaultProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    queryProperties,
    firstId,
  };
}

const ALIASES: Readonly<Record<string, ObjectType>> = {
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
  tasks: 'tasks',
  task: 'tasks',
  '0-27': 'tasks',
  calls: 'calls',
  call: 'calls',
  '0-48': 'calls',
  emails: 'emails',
  email: 'emails',
  '0-49': 'emails',
  meetings: 'meetings',
  meeting: 'meetings',
  '0-47': 'meetings',
};

/** Accepts the plural name, singular name or `0-N` id, as HubSpot's paths do. */
export function resolveObjectType(name: string): ObjectType | undefined {
  return ALIASES[name.toLowerCase()];
}

/** Regex alternation matching every spelling of a type in a path segment. */
export function objectTypePathAlternation(type: ObjectType): string {
  return Object.entries(ALIASES)
    .filter(([, t]) => t === type)
    .map(([alias]) => alias.replace('-', '\\-'))
    .join('|');
}

/** Properties whose value is the record's own bookkeeping, never stored in its property bag. */
export function isSystemTimestampProperty(type: ObjectType, name: string): boolean {
  const info = OBJECT_TYPE_INFO[type];
  return name === info.createdProperty || info.modifiedProperties.includes(name);
}
