import type { FieldMeta, ObjectSchema, SchemaRegistry } from './schema-registry.ts';

/** DescribeSObjectResult / DescribeGlobalResult JSON built from the live schema. */

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
};

const TEXTUAL = new Set(['string', 'textarea', 'picklist', 'email', 'phone', 'url', 'id', 'reference']);

function objectUrls(version: string, name: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${name}`;
  return {
    compactLayouts: `${base}/describe/compactLayouts`,
    rowTemplate: `${base}/{ID}`,
    defaultValues: `${base}/defaultValues?recordTypeId&fields`,
    describe: `${base}/describe`,
    sobject: base,
  };
}

export function describeField(f: FieldMeta): Record<string, unknown> {
  const textual = TEXTUAL.has(f.type);
  const isNumber = f.type === 'double' || f.type === 'currency' || f.type === 'percent';
  const length = textual ? (f.length ?? 0) : 0;
  const filterable = f.type !== 'textarea';
  return {
    aggregatable: filterable,
    aiPredictionField: false,
    autoNumber: false,
    byteLength: textual ? length * 3 : 0,
    calculated: f.calculated,
    calculatedFormula: null,
    cascadeDelete: false,
    caseSensitive: false,
    compoundFieldName: null,
    controllerName: null,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.defaultValue ?? (f.type === 'boolean' ? false : null),
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultedOnCreate || f.type === 'boolean' || !!f.system,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? (f.digits ?? 9) : 0,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: f.externalId,
    extraTypeInfo: f.type === 'textarea' ? 'plaintextarea' : null,
    filterable,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: filterable && !isNumber && f.type !== 'datetime',
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.type === 'id' || f.externalId,
    inlineHelpText: null,
    label: f.label,
    length,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.name === 'Name',
    namePointing: f.referenceTo.length > 1,
    nillable: f.nillable,
    permissionable: f.nillable && !f.system && !f.calculated,
    picklistValues: (f.picklistValues ?? []).map((p) => ({
      active: p.active ?? true,
      defaultValue: p.defaultValue ?? false,
      label: p.label ?? p.value,
      validFor: null,
      value: p.value,
    })),
    polymorphicForeignKey: f.referenceTo.length > 1,
    precision: isNumber ? (f.precision ?? 18) : 0,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName ?? null,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: f.restrictedPicklist,
    scale: isNumber ? (f.scale ?? 0) : 0,
    searchPrefilterable: false,
    soapType: SOAP_TYPES[f.type] ?? 'xsd:string',
    sortable: filterable,
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
    writeRequiresMasterRead: false,
  };
}

function globalEntry(s: ObjectSchema, version: string): Record<string, unknown> {
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: s.createable,
    custom: false,
    customSetting: false,
    deepCloneable: false,
    deletable: s.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: s.keyPrefix,
    label: s.label,
    labelPlural: s.labelPlural,
    layoutable: true,
    mergeable: s.name === 'Lead' || s.name === 'Contact' || s.name === 'Account',
    mruEnabled: true,
    name: s.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: s.deletable,
    updateable: s.updateable,
    urls: objectUrls(version, s.name),
  };
}

export function describeGlobal(schema: SchemaRegistry, version: string): Record<string, unknown> {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: schema
      .objects()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => globalEntry(s, version)),
  };
}

export function describeSObject(s: ObjectSchema, version: string): Record<string, unknown> {
  return {
    ...globalEntry(s, version),
    actionOverrides: [],
    childRelationships: s.children.map((c) => ({
      cascadeDelete: c.childSObject === 'CampaignMember',
      childSObject: c.childSObject,
      deprecatedAndHidden: false,
      field: c.field,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: c.relationshipName,
      restrictedDelete: false,
    })),
    compactLayoutable: true,
    fields: s.fields.map(describeField),
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [
      {
        active: true,
        available: true,
        defaultRecordTypeMapping: true,
        developerName: 'Master',
        master: true,
        name: 'Master',
        recordTypeId: '012000000000000AAA',
        urls: { layout: `/services/data/v${version}/sobjects/${s.name}/describe/layouts/012000000000000AAA` },
      },
    ],
    searchLayoutable: true,
    supportedScopes: [
      { label: 'All', name: 'everything' },
      { label: 'My', name: 'mine' },
    ],
    urls: {
      ...objectUrls(version, s.name),
      layouts: `/services/data/v${version}/sobjects/${s.name}/describe/layouts`,
    },
  };
}

/** `GET /sobjects/{Type}`: basic info and recent items. */
export function sobjectInfo(s: ObjectSchema, version: string): Record<string, unknown> {
  return { objectDescribe: globalEntry(s, version), recentItems: [] };
}
