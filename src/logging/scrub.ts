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
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-hubspot-signature(?:-v\d)?|x-amz-security-token|x-api-key|signature|.*token|.*secret|.*webhooks|.*webhook_?urls?|.*password|passwd|private_?key|privatekey|api_?key|e-?mail|email_?address|hs_additional_emails|.*phone|fax|name|first_?name|last_?name|full_?name|middle_?name|.*_kana|name_?kana|salutation|street|address|birth_?date|date_of_birth)$/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/*
 * Value patterns, applied in this order (a later one must not see what an earlier one masked).
 * Masks are written in angle brackets so nothing masks them again.
 */
/** PEM private keys (a JWT-flow key quoted in an error), whole blocks, before whitespace is folded. */
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const HUBSPOT_PRIVATE_APP_TOKEN = /\bpat-[a-z]{2,3}\d?-[0-9a-f-]{20,}/gi;
/** Slack tokens: bot `xoxb-`, user `xoxp-`, app-level `xapp-`, refresh `xoxe-`, … */
const SLACK_TOKEN = /\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{6,}/g;
/**
 * Chat webhook URLs whose secret is in the path (legacy Teams/Office 365 connectors, Slack incoming
 * webhooks); a Teams Workflows URL keeps its `sig` in the query string, which URL_QUERY masks.
 */
const WEBHOOK_URL = /(https?:\/\/(?:[\w-]+\.)*(?:webhook\.office\.com|hooks\.slack\.com))\/\S*/gi;
/** Salesforce session ids (access tokens) look like `00D…!AQ…`: org id, `!`, the secret part. */
const SALESFORCE_SESSION = /\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+/g;
/**
 * `access_token=…`, `"client_secret": "…"`, `password: …`, `Authorization: …` in query strings,
 * JSON or prose: after a `:` or `=` the value is a value, whatever it looks like. Error codes that
 * merely end in a key word (`INVALID_SESSION_ID: Session expired`, `invalid_token: …`) are not keys.
 */
const SECRET_ASSIGNMENT =
  /\b((?:(?:access|refresh|id|auth|bearer|session|private[-_]?app)[-_]?)?token|(?:client[-_]?)?secret|password|passwd|h?api[-_]?key|x-api-key|signature|assertion|authorization|cookie)(["']?\s*[:=]\s*["']?)(?:(Bearer|Basic|Digest)\s+)?[^\s&"',;}]+/gi;
/**
 * `Bearer abc.def`, `token 5Aep861…`, `secret shh-123` in prose: only when what follows looks like
 * a credential (has a digit or a symbol, or is long), so "the private-app token or the OAuth app"
 * keeps its words.
 */
const SECRET_AFTER_WORD =
  /\b(bearer|basic|digest|token|secret|password)(\s+)(?=[A-Za-z0-9._~+/=!-]*[\d._~+/=!-]|[A-Za-z]{24,})[A-Za-z0-9._~+/=!-]{6,}/gi;
/**
 * A long opaque value with letters and digits on its own (a refresh token or key quoted without a
 * name). UUIDs (HubSpot correlation ids) and 15/18-character record ids are shorter or excluded.
 */
const OPAQUE_SECRET =
  /(?<![\w/.-])(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-]))(?=[A-Za-z0-9._~+=-]*\d)(?=[A-Za-z0-9._~+=-]*[A-Za-z])[A-Za-z0-9._~+=-]{40,}(?![\w/])/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** Japanese and international phone numbers (0… or +…); dates and numeric record ids are left alone. */
const PHONE = /(?<![\w-])(?:\+\d{1,3}[\s-]?\(?0?\)?|0)\d{1,4}[\s-]?\d{1,4}[\s-]?\d{3,4}(?![\w-])/g;
const URL_QUERY = /(https?:\/\/[^\s?#]+)[?#]\S*/g;

/** Free text in logs is cut so one line never carries a whole request body. */
const MAX_TEXT = 4000;
/**
 * Messages kept in run reports, the skipped list and the state store: short, since CRM messages
 * sometimes quote the rejected value.
 */
export const MESSAGE_MAX = 300;

/**
 * THE scrubber for free text, used by logs (logger, serialized errors), run reports, the skipped
 * list and terminal output: masks credentials (private keys, JWTs, tokens, Salesforce session ids,
 * `key=value` secrets) and personal data (e-mail, phone numbers, URL query strings), folds
 * whitespace and cuts to `maxLength` code points with `…`. Ids, codes, dates and ordinary words
 * stay readable.
 */
export function scrubText(text: string, maxLength = MAX_TEXT): string {
  const masked = text
    .replace(PRIVATE_KEY, '<private key>')
    .replace(JWT, '<jwt>')
    .replace(HUBSPOT_PRIVATE_APP_TOKEN, '<token>')
    .replace(SLACK_TOKEN, '<token>')
    .replace(WEBHOOK_URL, '$1/<redacted>')
    .replace(SALESFORCE_SESSION, '<session>')
    .replace(SECRET_ASSIGNMENT, (_m, key: string, sep: string, scheme?: string) =>
      scheme ? `${key}${sep}${scheme} <redacted>` : `${key}${sep}<redacted>`,
    )
    .replace(SECRET_AFTER_WORD, '$1$2<redacted>')
    .replace(EMAIL, '<email>')
    .replace(URL_QUERY, '$1?…')
    .replace(OPAQUE_SECRET, '<redacted>')
    .replace(PHONE, '<number>')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...masked];
  return chars.length <= maxLength ? masked : `${chars.slice(0, maxLength - 1).join('')}…`;
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
