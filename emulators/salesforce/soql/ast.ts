/** The SOQL subset the emulator understands; anything else is rejected by the parser. */

export interface FieldRef {
  /** Dotted path as written, split: `Account.Owner.Name` → ['Account', 'Owner', 'Name']. */
  path: string[];
  pos: number;
}

export type SelectItem =
  | { kind: 'field'; ref: FieldRef }
  | { kind: 'subquery'; query: SelectQuery; pos: number }
  | { kind: 'count'; pos: number };

export type Literal =
  | { kind: 'string'; value: string; raw: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'datetime'; value: number; text: string; pos: number }
  | { kind: 'dateLiteral'; name: string; n: number | undefined; pos: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and'; items: Condition[] }
  | { kind: 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: FieldRef; op: CompareOp; value: Literal }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[] }
  | { kind: 'like'; field: FieldRef; pattern: Literal };

export interface OrderKey {
  field: FieldRef;
  descending: boolean;
  /** Explicit NULLS FIRST/LAST; default is nulls first ascending, last descending. */
  nullsFirst: boolean | undefined;
}

export interface SelectQuery {
  select: SelectItem[];
  from: { name: string; pos: number };
  where: Condition | undefined;
  orderBy: OrderKey[];
  limit: number | undefined;
  offset: number | undefined;
}
