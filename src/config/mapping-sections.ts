import { z } from 'zod';
import { type HearingAnswer, HearingAnswerSchema, TOSSUP_FIELDS, type TossUpField } from '../domain/lead.ts';

/**
 * The sections `mappings/salesforce.yaml` and `mappings/hubspot.yaml` share: the same keys in both,
 * only what names a field differs (a Salesforce API name, a HubSpot internal property name) and what
 * a picklist/option value is. Each CRM's mapping passes its own `field` and `value` schemas, so its
 * error messages and hints stay its own.
 */
export function sharedMappingSections<Field extends z.ZodType<string>, Value extends z.ZodType<string>>(
  field: Field,
  value: Value,
) {
  const optionalField = field.nullable();
  const hearing = z
    .strictObject({
      heardAt: optionalField,
      budget: optionalField,
      decisionMaker: optionalField,
      decisionInvolved: optionalField,
      clearProblem: optionalField,
      timelineMonths: optionalField,
      notes: optionalField,
      answerValues: z.strictObject({ yes: value, no: value, unknown: value }),
    })
    .nullable();
  const manualRequest = z.strictObject({ requested: field, requestedBy: optionalField }).nullable();
  return {
    hearing,
    manualRequest,
    /** A "last time they did X" date field; `null` switches it off. */
    lastAt: z.strictObject({ lastAt: field }).nullable(),
    namedPages: z.array(z.strictObject({ lastAt: field, page: z.string().min(1) })).default([]),
    /** `writeBack.flag` … `writeBack.decisionKey`: one field per toss-up value, all required. */
    tossUpFields: Object.fromEntries(TOSSUP_FIELDS.map((f) => [f, field])) as Record<TossUpField, Field>,
    /** Keys of the nullable sections, for "did you mean" hints on typos. */
    keys: {
      hearing: Object.keys(hearing.unwrap().shape),
      manualRequest: Object.keys(manualRequest.unwrap().shape),
    },
  };
}

/** The CRM's answer values → ours (`はい` → `yes`); empty when the mapping reads no hearing. */
export function answersFromCrm(
  hearing: { answerValues: Readonly<Record<HearingAnswer, string>> } | null,
): ReadonlyMap<string, HearingAnswer> {
  return new Map(
    hearing ? HearingAnswerSchema.options.map((a) => [hearing.answerValues[a], a] as const) : [],
  );
}

/** The object at a place in a possibly half-valid mapping (as a refinement sees it), or an empty one. */
export function recordAt(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
