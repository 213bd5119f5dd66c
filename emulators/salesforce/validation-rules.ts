import type { SfRecord } from './sf-record.ts';

/**
 * Org validation rules, configurable by tests: "this record fails", "this value is refused". A
 * firing rule fails the write with FIELD_CUSTOM_VALIDATION_EXCEPTION, like a real rule would.
 */
export interface ValidationRule {
  name: string;
  object: string;
  /** Error shown to the API client. */
  message: string;
  /** Field the error is attached to (fields: [..]); omit for a record-level error. */
  field?: string;
  /** Which writes it applies to; default both. */
  on?: 'create' | 'update' | 'both';
  /** True when the record (as it would be saved) is invalid. */
  when: (record: Readonly<SfRecord>, previous: Readonly<SfRecord> | undefined) => boolean;
}

/** A JSON-friendly rule for the admin API (standalone emulator). */
export interface DeclarativeRule {
  name: string;
  object: string;
  message: string;
  field?: string;
  on?: 'create' | 'update' | 'both';
  /** Fires for these record ids (15 or 18 chars). */
  ids?: string[];
  /** Fires when `field` (or `whenField`) equals this value after the write. */
  equals?: string | number | boolean | null;
  whenField?: string;
}

export function ruleFromDeclaration(d: DeclarativeRule): ValidationRule {
  const ids = d.ids ? new Set(d.ids.map((x) => x.slice(0, 15))) : undefined;
  const probe = d.whenField ?? d.field;
  return {
    name: d.name,
    object: d.object,
    message: d.message,
    ...(d.field ? { field: d.field } : {}),
    ...(d.on ? { on: d.on } : {}),
    when: (rec) => {
      if (ids && !ids.has(rec.Id.slice(0, 15))) return false;
      if (d.equals !== undefined) return probe !== undefined && rec[probe] === d.equals;
      return ids !== undefined;
    },
  };
}
