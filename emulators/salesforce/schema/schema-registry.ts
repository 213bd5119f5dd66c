import { defaultObjects } from './default-schema.ts';
import type { FieldDef, ObjectDef, SchemaExtension } from './schema-types.ts';

/** A field with every describe flag resolved, so validators never deal with `undefined` defaults. */
export interface FieldMeta extends FieldDef {
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  custom: boolean;
  externalId: boolean;
  unique: boolean;
  restrictedPicklist: boolean;
  defaultedOnCreate: boolean;
  calculated: boolean;
  referenceTo: string[];
}

export interface ChildRelationship {
  relationshipName: string;
  childSObject: string;
  field: string;
}

export interface ObjectSchema {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  fields: FieldMeta[];
  /** Case-insensitive lookups, as SOQL and the REST API are case-insensitive for API names. */
  fieldByLower: Map<string, FieldMeta>;
  parentByLower: Map<string, FieldMeta>;
  children: ChildRelationship[];
  childByLower: Map<string, ChildRelationship>;
}

function resolveField(def: FieldDef): FieldMeta {
  const required = def.required === true;
  return {
    ...def,
    nillable: required ? false : (def.nillable ?? true),
    createable: def.createable ?? true,
    updateable: def.updateable ?? true,
    custom: def.name.endsWith('__c'),
    externalId: def.externalId ?? false,
    unique: def.unique ?? false,
    restrictedPicklist: def.restrictedPicklist ?? false,
    defaultedOnCreate: def.defaultedOnCreate ?? false,
    calculated: def.calculated ?? false,
    referenceTo: def.referenceTo ?? [],
  };
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The org's live metadata. Tests change it at run time (add/remove a field, shorten a length, drop
 * a picklist value, lock a field) and describe, SOQL and write validation see the change at once.
 */
export class SchemaRegistry {
  private defs = new Map<string, ObjectDef>();
  private compiled = new Map<string, ObjectSchema>();
  private byPrefix = new Map<string, ObjectSchema>();
  private rollups = new Map<string, RollupSummary[]>();
  /** Bumped on every change; lets callers cache derived data. */
  version = 0;

  constructor(objects: ObjectDef[] = defaultObjects(), extensions: readonly SchemaExtension[] = []) {
    for (const o of objects) this.defs.set(o.name.toLowerCase(), structuredClone(o));
    for (const e of extensions) this.applyExtension(e, false);
    this.rebuild();
  }

  object(name: string): ObjectSchema | undefined {
    return this.compiled.get(name.toLowerCase());
  }

  objectByPrefix(prefix: string): ObjectSchema | undefined {
    return this.byPrefix.get(prefix);
  }

  objects(): ObjectSchema[] {
    return [...this.compiled.values()];
  }

  /** Roll-up summary fields whose child object is `child` (recalculated when a child is written). */
  summariesOf(child: string): RollupSummary[] {
    return this.rollups.get(child.toLowerCase()) ?? [];
  }

  applyExtension(ext: SchemaExtension, rebuild = true): void {
    const def = this.requireDef(ext.object);
    for (const name of ext.removeFields ?? []) this.removeFieldDef(def, name);
    for (const f of ext.addFields ?? []) this.addFieldDef(def, f);
    for (const [name, patch] of Object.entries(ext.patchFields ?? {})) {
      const f = this.requireFieldDef(def, name);
      Object.assign(f, patch);
    }
    for (const [name, values] of Object.entries(ext.removePicklistValues ?? {})) {
      const f = this.requireFieldDef(def, name);
      if (!f.picklistValues) throw new Error(`Schema: ${def.name}.${f.name} is not a picklist`);
      f.picklistValues = f.picklistValues.filter((v) => !values.includes(v.value));
    }
    if (rebuild) this.rebuild();
  }

  addField(object: string, field: FieldDef): void {
    this.applyExtension({ object, addFields: [field] });
  }

  removeField(object: string, field: string): void {
    this.applyExtension({ object, removeFields: [field] });
  }

  patchField(object: string, field: string, patch: Partial<Omit<FieldDef, 'name'>>): void {
    this.applyExtension({ object, patchFields: { [field]: patch } });
  }

  removePicklistValue(object: string, field: string, value: string): void {
    this.applyExtension({ object, removePicklistValues: { [field]: [value] } });
  }

  private requireDef(name: string): ObjectDef {
    const def = this.defs.get(name.toLowerCase());
    if (!def) {
      throw new Error(
        `Schema: unknown object '${name}'. Known objects: ${[...this.defs.values()].map((d) => d.name).join(', ')}`,
      );
    }
    return def;
  }

  private requireFieldDef(def: ObjectDef, name: string): FieldDef {
    const f = def.fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!f) throw new Error(`Schema: ${def.name} has no field '${name}'`);
    return f;
  }

  private addFieldDef(def: ObjectDef, field: FieldDef): void {
    if (!API_NAME.test(field.name)) throw new Error(`Schema: '${field.name}' is not a valid API name`);
    if (def.fields.some((x) => x.name.toLowerCase() === field.name.toLowerCase())) {
      throw new Error(
        `Schema: ${def.name} already has a field '${field.name}'; use patchFields to change it`,
      );
    }
    def.fields.push(structuredClone(field));
  }

  private removeFieldDef(def: ObjectDef, name: string): void {
    const f = this.requireFieldDef(def, name);
    if (f.system) throw new Error(`Schema: ${def.name}.${f.name} is a system field and cannot be removed`);
    def.fields = def.fields.filter((x) => x !== f);
  }

  private rebuild(): void {
    this.compiled.clear();
    this.byPrefix.clear();
    for (const def of this.defs.values()) {
      const fields = def.fields.map(resolveField);
      const schema: ObjectSchema = {
        name: def.name,
        label: def.label,
        labelPlural: def.labelPlural,
        keyPrefix: def.keyPrefix,
        createable: def.createable,
        updateable: def.updateable,
        deletable: def.deletable,
        fields,
        fieldByLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
        parentByLower: new Map(
          fields.filter((f) => f.relationshipName).map((f) => [f.relationshipName!.toLowerCase(), f]),
        ),
        children: [],
        childByLower: new Map(),
      };
      this.compiled.set(def.name.toLowerCase(), schema);
      this.byPrefix.set(def.keyPrefix, schema);
    }
    for (const child of this.compiled.values()) {
      for (const f of child.fields) {
        if (!f.childRelationshipName) continue;
        for (const parentName of f.referenceTo) {
          const parent = this.compiled.get(parentName.toLowerCase());
          if (!parent) continue;
          const rel = { relationshipName: f.childRelationshipName, childSObject: child.name, field: f.name };
          parent.children.push(rel);
          parent.childByLower.set(rel.relationshipName.toLowerCase(), rel);
        }
      }
    }
    this.rollups.clear();
    for (const parent of this.compiled.values()) {
      for (const field of parent.fields) {
        if (!field.summary) continue;
        const key = field.summary.childObject.toLowerCase();
        const list = this.rollups.get(key) ?? [];
        list.push({ parent, field, foreignKey: field.summary.foreignKey, where: field.summary.where ?? {} });
        this.rollups.set(key, list);
      }
    }
    this.version += 1;
  }
}

export interface RollupSummary {
  parent: ObjectSchema;
  field: FieldMeta;
  foreignKey: string;
  where: Record<string, string | number | boolean | null>;
}
