import { type PropertyValueIssue, propertyIssue } from './hubspot-errors.ts';
import type { PropertyDefinition } from './property-definition.ts';

/**
 * Turns a value sent by a client into the string HubSpot would store, or the validation issue
 * HubSpot would report. Stored forms are canonical so that search can compare them cheaply:
 * datetimes as `toISOString()` (lexical order = time order), dates as `YYYY-MM-DD`, numbers via
 * `String(Number(v))`, booleans as `true`/`false`. `null` means "clear the value".
 */

export type NormalizedValue = { ok: true; value: string | null } | { ok: false; issue: PropertyValueIssue };

const NUMBER_RE = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DIGITS_RE = /^-?\d+$/;
const DATE_ONLY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_START_RE = /^\d{4}-\d{2}-\d{2}(T|$)/;

export function normalizePropertyValue(
  def: PropertyDefinition,
  raw: unknown,
  ownerExists: (id: string) => boolean,
): NormalizedValue {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: null };
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number' || typeof raw === 'boolean') text = String(raw);
  else {
    return fail(def, 'INVALID_PROPERTY_VALUE', `${JSON.stringify(raw)} is not a string, number or boolean.`);
  }
  switch (def.type) {
    case 'string':
      return { ok: true, value: text };
    case 'number':
      // Since April 2025 HubSpot refuses padded non-string values instead of trimming them.
      if (!NUMBER_RE.test(text) || !Number.isFinite(Number(text))) {
        return fail(def, 'INVALID_NUMBER', `${text} was not a valid number.`);
      }
      return { ok: true, value: String(Number(text)) };
    case 'datetime': {
      const ms = parseDateTime(text);
      if (ms === undefined) return fail(def, 'INVALID_LONG', `${text} was not a valid long.`);
      return { ok: true, value: new Date(ms).toISOString() };
    }
    case 'date':
      return normalizeDate(def, text);
    case 'bool': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        return fail(def, 'INVALID_OPTION', `${text} was not one of the allowed options: [true, false]`);
      }
      return { ok: true, value: lower };
    }
    case 'enumeration':
      return normalizeEnumeration(def, text, ownerExists);
  }
}

/** Epoch milliseconds from an epoch-ms string or an ISO 8601 date/datetime; `undefined` when neither. */
export function parseDateTime(text: string): number | undefined {
  if (DIGITS_RE.test(text)) {
    const ms = Number(text);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  if (!ISO_START_RE.test(text)) return undefined;
  const ms = Date.parse(DATE_ONLY_RE.test(text) ? `${text}T00:00:00.000Z` : text);
  return Number.isNaN(ms) ? undefined : ms;
}

function normalizeDate(def: PropertyDefinition, text: string): NormalizedValue {
  const m = DATE_ONLY_RE.exec(text);
  if (m) {
    const ms = Date.parse(`${text}T00:00:00.000Z`);
    if (Number.isNaN(ms)) return fail(def, 'INVALID_DATE', `${text} was not a valid date.`);
    return { ok: true, value: text };
  }
  const ms = parseDateTime(text);
  if (ms === undefined) return fail(def, 'INVALID_DATE', `${text} was not a valid date.`);
  const iso = new Date(ms).toISOString();
  if (!iso.endsWith('T00:00:00.000Z')) {
    return fail(def, 'INVALID_DATE', `${text} is at ${iso.slice(11, 23)} UTC, not midnight!`);
  }
  return { ok: true, value: iso.slice(0, 10) };
}

function normalizeEnumeration(
  def: PropertyDefinition,
  text: string,
  ownerExists: (id: string) => boolean,
): NormalizedValue {
  if (def.referencedObjectType === 'OWNER') {
    if (!ownerExists(text)) {
      return fail(def, 'INVALID_OPTION', `${text} was not one of the allowed options: <owner ids>`);
    }
    return { ok: true, value: text };
  }
  const allowed = def.options.map((o) => o.value);
  const parts = def.fieldType === 'checkbox' ? text.split(';') : [text];
  for (const part of parts) {
    if (!allowed.includes(part)) {
      return fail(
        def,
        'INVALID_OPTION',
        `${part} was not one of the allowed options: [${allowed.join(', ')}]`,
      );
    }
  }
  return { ok: true, value: text };
}

function fail(def: PropertyDefinition, code: string, message: string): NormalizedValue {
  return { ok: false, issue: propertyIssue(def.name, code, message) };
}
