/**
 * The emulator's metadata model: just enough of Salesforce's DescribeSObjectResult to validate
 * writes, resolve SOQL paths and answer describe calls. Field `type` values are the describe names.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'email'
  | 'phone'
  | 'url'
  | 'double'
  | 'currency'
  | 'int'
  | 'percent';

export interface PicklistValueDef {
  value: string;
  label?: string;
  active?: boolean;
  defaultValue?: boolean;
}

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  /** Max characters for text-like fields. */
  length?: number;
  /** Total digits and decimals for double/currency/percent (number(precision, scale)). */
  precision?: number;
  scale?: number;
  /** Max digits for int fields. */
  digits?: number;
  /** Defaults: true, except `required` fields, booleans and system fields. */
  nillable?: boolean;
  createable?: boolean;
  updateable?: boolean;
  /** A value must be supplied on create (nillable false, createable, no default). */
  required?: boolean;
  externalId?: boolean;
  unique?: boolean;
  picklistValues?: PicklistValueDef[];
  restrictedPicklist?: boolean;
  referenceTo?: string[];
  /** Parent relationship name used in SOQL paths, e.g. `Account`, `Owner`, `Foo__r`. */
  relationshipName?: string;
  /** Name of the child relationship this reference creates on its parent, e.g. `Contacts`. */
  childRelationshipName?: string;
  /** Set by the server on create when not given (defaultValue or server logic). */
  defaultedOnCreate?: boolean;
  defaultValue?: string | number | boolean | null;
  /** Computed by the server (Name, IsClosed, HasResponded...): never writable. */
  calculated?: boolean;
  /** Id, audit fields. */
  system?: boolean;
  /**
   * A roll-up summary field: the COUNT of `childObject` records whose `foreignKey` points here and
   * whose fields equal `where`; recalculated on every child write (the parent's SystemModstamp moves).
   */
  summary?: {
    childObject: string;
    foreignKey: string;
    where?: Record<string, string | number | boolean | null>;
  };
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  fields: FieldDef[];
}

/** A test's or deployment's change to the default schema, applied in order at start-up. */
export interface SchemaExtension {
  object: string;
  addFields?: FieldDef[];
  removeFields?: string[];
  patchFields?: Record<string, Partial<Omit<FieldDef, 'name'>>>;
  removePicklistValues?: Record<string, string[]>;
}
