import type { EmuResponse } from '../shared/http-app.ts';

/**
 * A failure in Salesforce's REST shape. Handlers throw it; the route wrapper turns it into
 * `[{"message","errorCode","fields"?}]` with the status, so every error body has one format.
 */
export class SfApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: string[] | undefined;

  constructor(status: number, errorCode: string, message: string, fields?: string[]) {
    super(message);
    this.name = 'SfApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }

  toResponse(): EmuResponse {
    return errorResponse(this.status, this.errorCode, this.message, this.fields);
  }
}

export function errorResponse(
  status: number,
  errorCode: string,
  message: string,
  fields?: string[],
): EmuResponse {
  return { status, body: [{ message, errorCode, ...(fields ? { fields } : {}) }] };
}

/** Per-record error inside collections and single-record DML results (key is `statusCode`). */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

export const recordError = (statusCode: string, message: string, fields: string[] = []): RecordError => ({
  statusCode,
  message,
  fields,
});
