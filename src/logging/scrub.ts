import { sanitizeMessage } from '../pipeline/sanitize-message.ts';

/**
 * What never reaches a log line: credentials (tokens, secrets, passwords, signatures, session ids)
 * and personal data (e-mail, phone, names). Two nets, because either alone leaks:
 * - by key, anywhere in a logged object (`headers.Authorization`, `body.properties.email`,
 *   `err.cause.config.headers.authorization`);
 * - by value, in free text (an SDK error message quoting a request, a stack trace, a CRM message
 *   echoing a rejected e-mail address).
 */
export const REDACTED = '[Redacted]';

/**
 * Keys whose value is dropped whole, whatever it holds; matched case-insensitively on the full key.
 * `name` is on the list because Salesforce's Lead/Contact `Name` is the person's full name; our own
 * log fields therefore never use `name` (errors are logged with `type`).
 */
const SENSITIVE_KEY =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-hubspot-signature(?:-v\d)?|x-amz-security-token|x-api-key|signature|.*token|.*secret|.*password|passwd|private_?key|privatekey|api_?key|e-?mail|email_?address|hs_additional_emails|.*phone|fax|name|first_?name|last_?name|full_?name|middle_?name|.*_kana|name_?kana|salutation|street|address|birth_?date|date_of_birth)$/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** Value patterns that sanitizeMessage does not already cover. */
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Digest)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const HUBSPOT_PRIVATE_APP_TOKEN = /\bpat-[a-z]{2,3}\d?-[0-9a-f-]{20,}/gi;
/** Salesforce session ids look like `00D…!AQ…`. */
const SALESFORCE_SESSION = /\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+/g;
/** `access_token=…`, `"client_secret": "…"`, `signature: …` in query strings, JSON or prose. */
const SECRET_ASSIGNMENT =
  /\b(access_token|refresh_token|id_token|client_secret|api_?key|signature|password|assertion)(["']?\s*[:=]\s*["']?)[^\s&"',}]+/gi;
/** Stack traces and free text are cut so one line never carries a whole request body. */
const MAX_TEXT = 4000;

/** Masks credentials and personal data in free text (messages, stacks, error strings). */
export function scrubText(text: string): string {
  const masked = text
    .replace(JWT, '<jwt>')
    .replace(AUTH_SCHEME, '$1 <redacted>')
    .replace(HUBSPOT_PRIVATE_APP_TOKEN, '<token>')
    .replace(SALESFORCE_SESSION, '<session>')
    .replace(SECRET_ASSIGNMENT, '$1$2<redacted>');
  // E-mail addresses, phone numbers, URL query strings and `token: …` pairs: the pipeline's own rules.
  return sanitizeMessage(masked, MAX_TEXT);
}

const MAX_DEPTH = 8;
const MAX_ARRAY = 50;

/**
 * A copy of `value` that is safe to log: sensitive keys dropped, every string scrubbed, errors
 * reduced to their safe summary, cycles and very deep or long structures cut.
 */
export function scrubValue(value: unknown, serializeErr: (e: Error) => unknown): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrubText(v);
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Error) return serializeErr(v);
    if (v instanceof Date) return v.toISOString();
    if (seen.has(v)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Truncated]';
    seen.add(v);
    if (Array.isArray(v)) {
      const out = v.slice(0, MAX_ARRAY).map((x) => walk(x, depth + 1));
      if (v.length > MAX_ARRAY) out.push(`[${v.length - MAX_ARRAY} more]`);
      return out;
    }
    // Headers objects (fetch) iterate as pairs; anything else is walked by its own keys.
    const entries =
      typeof (v as { entries?: unknown }).entries === 'function' && !(v instanceof Map)
        ? safeEntries(v)
        : v instanceof Map
          ? [...v.entries()].map(([k, x]) => [String(k), x] as const)
          : Object.entries(v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries) {
      // `_aws` is CloudWatch's metric declaration (src/logging/metrics.ts): our own names, and its
      // `Name` keys must survive.
      out[k] = k === '_aws' && depth === 0 ? x : isSensitiveKey(k) ? REDACTED : walk(x, depth + 1);
    }
    return out;
  };
  return walk(value, 0);
}

function safeEntries(v: object): (readonly [string, unknown])[] {
  try {
    return [...(v as { entries(): Iterable<[unknown, unknown]> }).entries()].map(
      ([k, x]) => [String(k), x] as const,
    );
  } catch {
    return Object.entries(v);
  }
}
