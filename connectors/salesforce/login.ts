import { STATUS_CODES } from 'node:http';
import { CrmError, FailureKind } from '../../src/domain/errors.ts';
import { hasTimeFor } from '../../src/ports/deadline.ts';
import { backoffDelay, type RetryPolicy } from './call-runner.ts';
import { type CallFailure, type Classification, classifyCallFailure, isRetryable } from './classify-error.ts';
import { SalesforceCallError, type SalesforceClient } from './client.ts';

/**
 * The first login, retried like any call (call-runner.ts: same policy, same full jitter): a 5xx,
 * a 429, a reset or a timeout on the token endpoint is a hiccup of the login server, not a wrong
 * setting. Whatever remains becomes a `CrmError` that names the real cause, once:
 * - still failing after every attempt → transient / rate_limited ("answered HTTP 503 Service
 *   Unavailable 4 times; try again later"), the run stops with "run again" (exit 4);
 * - any other refusal → auth (exit 2): at login the credentials, the connected app or the login URL
 *   are wrong; the mapping file plays no part yet.
 * Repeating a grant is safe: each one only issues a new session.
 */
export async function loginWithRetry(
  connect: () => Promise<SalesforceClient>,
  options: {
    flow: string;
    retry: RetryPolicy;
    sleep: (ms: number) => Promise<void>;
    random: () => number;
  },
): Promise<SalesforceClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (e) {
      if (!(e instanceof SalesforceCallError)) throw e;
      const failure: CallFailure = { status: e.status, code: e.code, message: e.message };
      const c = classifyCallFailure(failure);
      if (isRetryable(c.kind)) {
        const delay = Math.max(backoffDelay(options.retry, attempt, options.random), e.retryAfterMs ?? 0);
        // Under a Lambda deadline (src/ports/deadline.ts) a wait that would outlast it is not made.
        if (attempt < options.retry.maxAttempts && hasTimeFor(delay)) {
          await options.sleep(delay);
          continue;
        }
        throw unavailable(c, failure, attempt, options.flow, e);
      }
      throw refused(failure, options.flow, e);
    }
  }
}

function unavailable(
  c: Classification,
  f: CallFailure,
  attempts: number,
  flow: string,
  cause: unknown,
): CrmError {
  const what =
    f.status === null
      ? `did not answer (${f.code === 'timeout' ? 'timed out' : f.code})`
      : `answered HTTP ${f.status}${STATUS_CODES[f.status] ? ` ${STATUS_CODES[f.status]}` : ''}`;
  const times = attempts === 1 ? 'once' : `${attempts} times`;
  return new CrmError(
    `Salesforce login (${flow}) failed: the login endpoint ${what} ${times}; try again later`,
    { kind: c.kind, crm: 'salesforce', code: c.code },
    { cause },
  );
}

function refused(f: CallFailure, flow: string, cause: unknown): CrmError {
  const status = f.status === null ? 'no response' : `HTTP ${f.status}`;
  const code = f.code.startsWith('ERROR_HTTP_') ? `http_${f.status}` : f.code;
  const detail = firstLine(f.message);
  return new CrmError(
    `Salesforce login (${flow}) failed: ${status} ${code}${detail && detail !== f.code ? `: ${detail}` : ''} — check the login URL, the credentials, the connected app and the integration user (docs/salesforce-admin-guide.md)`,
    { kind: FailureKind.Auth, crm: 'salesforce', code },
    { cause },
  );
}

function firstLine(message: string): string {
  const line = (message.split('\n')[0] ?? '').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
