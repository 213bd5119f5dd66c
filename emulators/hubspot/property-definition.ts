/** The shape of one HubSpot property as the emulator keeps it, plus small builders for schemas. */

export const PROPERTY_TYPES = ['string', 'number', 'date', 'datetime', 'enumeration', 'bool'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

/** Which `fieldType`s HubSpot accepts for each `type` (PropertyCreate enums of the SDK). */
export const FIELD_TYPES_BY_TYPE: Readonly<Record<PropertyType, readonly string[]>> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
  bool: ['booleancheckbox'],
};

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  /** HubSpot's own properties; custom ones leave the flag out of responses. */
  hubspotDefined: boolean;
  /** Calculated or system-maintained: API writes are refused with READ_ONLY_VALUE. */
  readOnlyValue: boolean;
  calculated: boolean;
  /** Options come from elsewhere (owners), so `options` is empty and values are checked live. */
  externalOptions: boolean;
  referencedObjectType?: 'OWNER';
  createdAt: number;
  updatedAt: number;
  archived: boolean;
}

export interface PropertyGroupDefinition {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

type Spec = Partial<Omit<PropertyDefinition, 'name' | 'label' | 'type' | 'fieldType' | 'groupName'>>;

/** Fixed creation time for built-in definitions so snapshots and responses are reproducible. */
const BUILT_IN_AT = Date.parse('2019-01-01T00:00:00.000Z');

export function defineProperty(
  name: string,
  label: string,
  type: PropertyType,
  fieldType: string,
  groupName: string,
  spec: Spec = {},
): PropertyDefinition {
  return {
    name,
    label,
    type,
    fieldType,
    groupName,
    description: '',
    options: [],
    displayOrder: -1,
    hasUniqueValue: false,
    hidden: false,
    formField: false,
    hubspotDefined: true,
    readOnlyValue: false,
    calculated: false,
    externalOptions: false,
    createdAt: BUILT_IN_AT,
    updatedAt: BUILT_IN_AT,
    archived: false,
    ...spec,
  };
}

export function options(pairs: ReadonlyArray<readonly [value: string, label: string]>): PropertyOption[] {
  return pairs.map(([value, label], i) => ({ label, value, displayOrder: i, hidden: false }));
}

export const BOOL_OPTIONS: PropertyOption[] = options([
  ['true', 'Yes'],
  ['false', 'No'],
]);

/** Builders for the common shapes; `ro` marks HubSpot-calculated values. */
export const prop = {
  text: (name: string, label: string, group: string, spec: Spec = {}) =>
    defineProperty(name, label, 'string', 'text', group, spec),
  textarea: (name: string, label: string, group: string, spec: Spec = {}) =>
    defineProperty(name, label, 'string', 'textarea', group, spec),
  number: (name: string, label: string, group: string, spec: Spec = {}) =>
    defineProperty(name, label, 'number', 'number', group, spec),
  datetime: (name: string, label: string, group: string, spec: Spec = {}) =>
    defineProperty(name, label, 'datetime', 'date', group, spec),
  date: (name: string, label: string, group: string, spec: Spec = {}) =>
    defineProperty(name, label, 'date', 'date', group, spec),
  select: (
    name: string,
    label: string,
    group: string,
    values: ReadonlyArray<readonly [string, string]>,
    spec: Spec = {},
  ) => defineProperty(name, label, 'enumeration', 'select', group, { options: options(values), ...spec }),
  bool: (name: string, label: string, group: string, spec: Spec = {}) =>
    defineProperty(name, label, 'bool', 'booleancheckbox', group, { options: BOOL_OPTIONS, ...spec }),
  owner: (name: string, label: string, group: string, spec: Spec = {}) =>
    defineProperty(name, label, 'enumeration', 'select', group, {
      externalOptions: true,
      referencedObjectType: 'OWNER',
      ...spec,
    }),
};

export const RO: Spec = { readOnlyValue: true, calculated: false };
