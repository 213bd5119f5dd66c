import type { FieldMeta, ObjectSchema } from '../schema/schema-registry.ts';
import { SfApiError } from '../sf-error.ts';
import type { SfRecord } from '../sf-record.ts';
import { attributes, wireValue } from '../soql/execute.ts';

/** A stored record as the sObject REST resources print it: attributes, then fields in schema order. */
export function recordJson(
  schema: ObjectSchema,
  rec: SfRecord,
  version: string,
  fields?: FieldMeta[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(schema, rec.Id, version) };
  for (const f of fields ?? schema.fields) out[f.name] = wireValue(f.type, rec[f.name]);
  return out;
}

/** `?fields=A,B` (or a JSON array) resolved against the schema; unknown names are INVALID_FIELD. */
export function resolveFieldList(
  schema: ObjectSchema,
  list: string | string[] | null | undefined,
): FieldMeta[] | undefined {
  if (list === null || list === undefined) return undefined;
  const names = (Array.isArray(list) ? list : list.split(',')).map((s) => s.trim()).filter(Boolean);
  return names.map((n) => {
    const f = schema.fieldByLower.get(n.toLowerCase());
    if (!f) {
      throw new SfApiError(
        400,
        'INVALID_FIELD',
        `No such column '${n}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return f;
  });
}
