import { type CustomPropertyMode, customGroupsFor, customPropertiesFor } from './custom-properties.ts';
import {
  HubspotApiError,
  type PropertyValueIssue,
  propertyIssue,
  validationError,
} from './hubspot-errors.ts';
import { OBJECT_TYPES, type ObjectType } from './object-types.ts';
import {
  BOOL_OPTIONS,
  FIELD_TYPES_BY_TYPE,
  PROPERTY_TYPES,
  type PropertyDefinition,
  type PropertyGroupDefinition,
  type PropertyOption,
  type PropertyType,
} from './property-definition.ts';
import { normalizePropertyValue } from './property-values.ts';
import { standardGroups, standardProperties } from './standard-properties.ts';

/** A portal's property schema per object type: what exists, what may be written, what is unique. */
export class PropertyRegistry {
  private readonly props = new Map<ObjectType, Map<string, PropertyDefinition>>();
  private readonly groups = new Map<ObjectType, Map<string, PropertyGroupDefinition>>();
  private readonly now: () => number;
  /** Set by the store: owner-referencing properties accept only current owner ids. */
  ownerExists: (id: string) => boolean = () => false;

  constructor(mode: CustomPropertyMode, now: () => number) {
    this.now = now;
    for (const type of OBJECT_TYPES) {
      const defs = [...standardProperties(type), ...customPropertiesFor(type, mode)];
      this.props.set(type, new Map(defs.map((d) => [d.name, d])));
      const groups = [...standardGroups(type), ...customGroupsFor(type, mode)];
      this.groups.set(type, new Map(groups.map((g) => [g.name, g])));
    }
  }

  list(type: ObjectType): PropertyDefinition[] {
    return [...this.typeProps(type).values()];
  }

  get(type: ObjectType, name: string): PropertyDefinition | undefined {
    return this.typeProps(type).get(name);
  }

  has(type: ObjectType, name: string): boolean {
    return this.typeProps(type).has(name);
  }

  /** Properties usable as `idProperty`: unique-value ones, plus `email` on contacts as HubSpot allows. */
  isUniqueIdProperty(type: ObjectType, name: string): boolean {
    if (type === 'contacts' && name === 'email') return true;
    return this.get(type, name)?.hasUniqueValue === true;
  }

  uniqueProperties(type: ObjectType): string[] {
    const out = this.list(type)
      .filter((d) => d.hasUniqueValue)
      .map((d) => d.name);
    return type === 'contacts' ? ['email', ...out] : out;
  }

  listGroups(type: ObjectType): PropertyGroupDefinition[] {
    return [...this.typeGroups(type).values()];
  }

  getGroup(type: ObjectType, name: string): PropertyGroupDefinition | undefined {
    return this.typeGroups(type).get(name);
  }

  /**
   * Validates and canonicalises a write. Every issue in the input is reported together, as
   * HubSpot does, so callers see all bad fields at once. `system` writes (seeding, the store API)
   * may set read-only values.
   */
  normalize(
    type: ObjectType,
    input: Record<string, unknown>,
    system = false,
  ): { values: Map<string, string | null>; issues: PropertyValueIssue[] } {
    const values = new Map<string, string | null>();
    const issues: PropertyValueIssue[] = [];
    for (const [name, raw] of Object.entries(input)) {
      const def = this.get(type, name);
      if (!def) {
        issues.push(propertyIssue(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
        continue;
      }
      if (def.readOnlyValue && !system) {
        issues.push(
          propertyIssue(
            name,
            'READ_ONLY_VALUE',
            `"${name}" is a read only property; its value cannot be set.`,
          ),
        );
        continue;
      }
      const result = normalizePropertyValue(def, raw, this.ownerExists);
      if (!result.ok) issues.push(result.issue);
      else values.set(name, result.value);
    }
    return { values, issues };
  }

  /** `POST /crm/v3/properties/{type}`: 201 body, or throws the 400/409 HubSpot answers. */
  create(type: ObjectType, body: unknown): PropertyDefinition {
    const input = asObject(body, 'property');
    const name = requiredString(input, 'name');
    const label = requiredString(input, 'label');
    const typeName = requiredString(input, 'type');
    const fieldType = requiredString(input, 'fieldType');
    const groupName = requiredString(input, 'groupName');
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
      throw validationError(
        `Property name "${name}" is invalid: use lower-case letters, digits and underscores, starting with a letter.`,
      );
    }
    if (name.startsWith('hs_')) {
      throw validationError(`Property name "${name}" is invalid: the "hs_" prefix is reserved for HubSpot.`);
    }
    if (!isPropertyType(typeName)) {
      throw validationError(`Invalid type "${typeName}". Allowed: ${PROPERTY_TYPES.join(', ')}.`);
    }
    if (!FIELD_TYPES_BY_TYPE[typeName].includes(fieldType)) {
      throw validationError(
        `fieldType "${fieldType}" is not valid for type "${typeName}". Allowed: ${FIELD_TYPES_BY_TYPE[typeName].join(', ')}.`,
      );
    }
    if (!this.typeGroups(type).has(groupName)) {
      throw validationError(
        `Property group "${groupName}" does not exist for ${type}. Create the group first.`,
        {
          context: { groupName: [groupName] },
        },
      );
    }
    if (this.typeProps(type).has(name)) {
      throw new HubspotApiError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${name}' already exists.`, {
        subCategory: 'PropertyCreateError.PROPERTY_EXISTS',
        context: { name: [name] },
      });
    }
    const optionsIn = input.options;
    let opts: PropertyOption[] = [];
    if (typeName === 'bool') opts = BOOL_OPTIONS;
    if (typeName === 'enumeration') {
      if (!Array.isArray(optionsIn) || optionsIn.length === 0) {
        throw validationError(`Enumeration property "${name}" needs a non-empty "options" list.`);
      }
      opts = optionsIn.map((o, i) => parseOption(o, i, name));
      const seen = new Set<string>();
      for (const o of opts) {
        if (seen.has(o.value)) throw validationError(`Option value "${o.value}" appears twice in "${name}".`);
        seen.add(o.value);
      }
    }
    const hasUniqueValue = input.hasUniqueValue === true;
    if (hasUniqueValue && typeName !== 'string' && typeName !== 'number') {
      throw validationError(`Only string and number properties can have unique values ("${name}").`);
    }
    const at = this.now();
    const def: PropertyDefinition = {
      name,
      label,
      type: typeName,
      fieldType,
      groupName,
      description: typeof input.description === 'string' ? input.description : '',
      options: opts,
      displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
      hasUniqueValue,
      hidden: input.hidden === true,
      formField: input.formField === true,
      hubspotDefined: false,
      readOnlyValue: false,
      calculated: false,
      externalOptions: input.externalOptions === true,
      ...(input.referencedObjectType === 'OWNER' ? { referencedObjectType: 'OWNER' as const } : {}),
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
    this.typeProps(type).set(name, def);
    return def;
  }

  createGroup(type: ObjectType, body: unknown): PropertyGroupDefinition {
    const input = asObject(body, 'property group');
    const name = requiredString(input, 'name');
    const label = requiredString(input, 'label');
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
      throw validationError(
        `Group name "${name}" is invalid: use lower-case letters, digits and underscores.`,
      );
    }
    if (this.typeGroups(type).has(name)) {
      throw new HubspotApiError(
        409,
        'OBJECT_ALREADY_EXISTS',
        `A property group named '${name}' already exists.`,
        {
          context: { name: [name] },
        },
      );
    }
    const group: PropertyGroupDefinition = {
      name,
      label,
      displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
      archived: false,
    };
    this.typeGroups(type).set(name, group);
    return group;
  }

  /** Wire form of a property (`GET /crm/v3/properties/...`). */
  toJson(def: PropertyDefinition): Record<string, unknown> {
    return {
      updatedAt: new Date(def.updatedAt).toISOString(),
      createdAt: new Date(def.createdAt).toISOString(),
      name: def.name,
      label: def.label,
      type: def.type,
      fieldType: def.fieldType,
      description: def.description,
      groupName: def.groupName,
      options: def.options,
      displayOrder: def.displayOrder,
      calculated: def.calculated,
      externalOptions: def.externalOptions,
      hasUniqueValue: def.hasUniqueValue,
      hidden: def.hidden,
      ...(def.hubspotDefined ? { hubspotDefined: true } : { createdUserId: '1', updatedUserId: '1' }),
      ...(def.referencedObjectType ? { referencedObjectType: def.referencedObjectType } : {}),
      modificationMetadata: {
        archivable: !def.hubspotDefined,
        readOnlyDefinition: def.hubspotDefined,
        readOnlyValue: def.readOnlyValue,
      },
      formField: def.formField,
      dataSensitivity: 'non_sensitive',
      archived: def.archived,
    };
  }

  snapshot(): Record<string, string[]> {
    return Object.fromEntries(OBJECT_TYPES.map((t) => [t, this.list(t).map((d) => d.name)]));
  }

  private typeProps(type: ObjectType): Map<string, PropertyDefinition> {
    return this.props.get(type)!;
  }

  private typeGroups(type: ObjectType): Map<string, PropertyGroupDefinition> {
    return this.groups.get(type)!;
  }
}

function isPropertyType(t: string): t is PropertyType {
  return (PROPERTY_TYPES as readonly string[]).includes(t);
}

function asObject(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError(`Invalid input JSON: expected a ${what} object.`);
  }
  return body as Record<string, unknown>;
}

function requiredString(input: Record<string, unknown>, key: string): string {
  const v = input[key];
  if (typeof v !== 'string' || v.length === 0) {
    throw validationError(`"${key}" is required and must be a non-empty string.`, { context: { [key]: [] } });
  }
  return v;
}

function parseOption(raw: unknown, index: number, propertyName: string): PropertyOption {
  const o = asObject(raw, `option of ${propertyName}`);
  if (typeof o.value !== 'string' || typeof o.label !== 'string') {
    throw validationError(`Option ${index} of "${propertyName}" needs string "label" and "value".`);
  }
  return {
    label: o.label,
    value: o.value,
    displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : index,
    hidden: o.hidden === true,
    ...(typeof o.description === 'string' ? { description: o.description } : {}),
  };
}
