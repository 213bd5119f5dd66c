import { randomUUID } from 'node:crypto';
import type { EmuResponse } from '../shared/http-app.ts';

/**
 * HubSpot's error envelope. Every error the emulator sends has `status`, `message`,
 * `correlationId` and `category` and goes out as JSON: the SDK's ObjectSerializer cannot read an
 * error body without a JSON content type and throws a bare Error instead of an ApiException.
 */

export type HubspotErrorCategory =
  | 'VALIDATION_ERROR'
  | 'OBJECT_NOT_FOUND'
  | 'INVALID_AUTHENTICATION'
  | 'EXPIRED_AUTHENTICATION'
  | 'MISSING_SCOPES'
  | 'RATE_LIMITS'
  | 'CONFLICT'
  | 'OBJECT_ALREADY_EXISTS'
  | 'INTERNAL_ERROR';

export interface HubspotErrorBody {
  status: string;
  message: string;
  correlationId: string;
  category: HubspotErrorCategory;
  [extra: string]: unknown;
}

export function correlationId(): string {
  return randomUUID();
}

export function errorBody(
  category: HubspotErrorCategory,
  message: string,
  extra: Record<string, unknown> = {},
): HubspotErrorBody {
  return { status: 'error', message, correlationId: correlationId(), category, ...extra };
}

export function errorResponse(
  status: number,
  category: HubspotErrorCategory,
  message: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): EmuResponse {
  return { status, body: errorBody(category, message, extra), ...(headers ? { headers } : {}) };
}

/**
 * Thrown from deep inside a handler to answer with a HubSpot error; the app's internal-error hook
 * turns it into the response, so validation code does not have to thread results back up.
 */
export class HubspotApiError extends Error {
  readonly response: EmuResponse;
  /** Set for "Property values were not valid", so a batch can merge issues across inputs. */
  readonly issues: readonly PropertyValueIssue[] | undefined;
  constructor(
    status: number,
    category: HubspotErrorCategory,
    message: string,
    extra: Record<string, unknown> = {},
    issues?: readonly PropertyValueIssue[],
  ) {
    super(message);
    this.name = 'HubspotApiError';
    this.response = errorResponse(status, category, message, extra);
    this.issues = issues;
  }
}

export function validationError(message: string, extra: Record<string, unknown> = {}): HubspotApiError {
  return new HubspotApiError(400, 'VALIDATION_ERROR', message, extra);
}

/** One entry of HubSpot's "Property values were not valid" list. */
export interface PropertyValueIssue {
  isValid: false;
  message: string;
  /** HubSpot code: PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_OPTION, INVALID_LONG, INVALID_DATE, ... */
  error: string;
  name: string;
  localizedErrorMessage: string;
}

export function propertyIssue(name: string, error: string, message: string): PropertyValueIssue {
  return { isValid: false, message, error, name, localizedErrorMessage: message };
}

/**
 * HubSpot embeds the issue list as JSON inside `message`; the structured `errors[]` (the newer
 * error format) carries the same facts so clients need not parse the message.
 */
export function propertyValuesError(issues: readonly PropertyValueIssue[]): HubspotApiError {
  return new HubspotApiError(
    400,
    'VALIDATION_ERROR',
    `Property values were not valid: ${JSON.stringify(issues)}`,
    {
      errors: issues.map((i) => ({
        message: i.message,
        code: i.error,
        context: { propertyName: [i.name] },
      })),
    },
    issues,
  );
}
