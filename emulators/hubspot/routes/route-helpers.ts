import type { EmuRequest } from '../../shared/http-app.ts';
import type { CrmStore } from '../crm-store.ts';
import { HubspotApiError, validationError } from '../hubspot-errors.ts';
import { type ObjectType, objectTypePathAlternation, resolveObjectType } from '../object-types.ts';

/** What every HubSpot route module needs. */
export interface HubspotRouteContext {
  store: CrmStore;
  portalId: number;
  /** Source recorded on API writes (webhook `changeSource`). */
  apiChangeSource: string;
}

/** Parsed JSON body; 400 for a malformed one, `undefined` for an empty one. */
export function readJson(req: EmuRequest): unknown {
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch (error) {
    throw validationError(`Invalid input JSON: ${(error as Error).message}`);
  }
}

export function readJsonObject(req: EmuRequest): Record<string, unknown> {
  const body = readJson(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError('Invalid input JSON: the request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** A repeated or comma-separated query parameter (`properties=a&properties=b` or `properties=a,b`). */
export function queryList(query: URLSearchParams, name: string): string[] | undefined {
  const raw = query.getAll(name);
  if (raw.length === 0) return undefined;
  return raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function queryBool(query: URLSearchParams, name: string): boolean {
  return query.get(name)?.toLowerCase() === 'true';
}

export function queryInt(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw validationError(`${name} must be a positive integer, got "${raw}".`);
  if (n > max)
    throw validationError(`${name} must be at most ${max}, got ${n}.`, { context: { [name]: [raw] } });
  return n;
}

export function objectTypeParam(raw: string | undefined): ObjectType {
  const type = raw === undefined ? undefined : resolveObjectType(decodeURIComponent(raw));
  if (!type) {
    throw new HubspotApiError(
      400,
      'VALIDATION_ERROR',
      `Unable to infer object type from: ${raw ?? '(missing)'}`,
    );
  }
  return type;
}

/** Regex for `/crm/v3/objects/<any spelling of type><rest>`. */
export function objectPath(type: ObjectType, rest: string): RegExp {
  return new RegExp(`^/crm/v3/objects/(?:${objectTypePathAlternation(type)})${rest}/?$`);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Association types asked for with `?associations=companies,deals`; unknown names are ignored. */
export function associationTypesParam(query: URLSearchParams): ObjectType[] | undefined {
  const names = queryList(query, 'associations');
  if (!names) return undefined;
  return names.map((n) => resolveObjectType(n)).filter((t): t is ObjectType => t !== undefined);
}

export function batchInputs(body: Record<string, unknown>, max: number): unknown[] {
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw validationError('"inputs" must be an array.');
  if (inputs.length > max) {
    throw validationError(`Too many inputs: ${inputs.length}. A batch accepts at most ${max} inputs.`, {
      context: { inputs: [String(inputs.length)], maxInputs: [String(max)] },
    });
  }
  return inputs;
}
