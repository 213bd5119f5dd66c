import { createHmac, timingSafeEqual } from 'node:crypto';

/** Requests signed longer ago than this (or this far in the future) are refused: replays expire. */
export const SIGNATURE_MAX_AGE_MS = 5 * 60_000;

/**
 * The characters HubSpot decodes in the request URI before signing (v3): %3A : %2F / %3F ? %40 @
 * %21 ! %24 $ %27 ' %28 ( %29 ) %2A * %2C , %3B ; — and only those.
 * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation
 */
const DECODED: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function decodeSignedUri(uri: string): string {
  return uri.replace(/%(?:3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()]!);
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'unsigned' | 'bad_timestamp' | 'stale' | 'bad_signature' };

export interface SignedRequest {
  method: string;
  /** Full URL the sender used: scheme, host, path and query string. */
  uri: string;
  /** The raw body, exactly as received. */
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
}

/**
 * HubSpot webhook signature v3: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)),
 * the timestamp (epoch ms) no more than 5 minutes from now either way, compared in constant time.
 */
export function checkHubspotSignature(
  req: SignedRequest,
  clientSecret: string,
  nowMs: number,
): SignatureCheck {
  if (!req.signature || !req.timestamp) return { ok: false, reason: 'unsigned' };
  if (!/^\d{10,16}$/.test(req.timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(nowMs - Number(req.timestamp)) > SIGNATURE_MAX_AGE_MS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(v3Signature(req, req.timestamp, clientSecret), 'utf8');
  // Compared as the base64 text (no lenient decoding). timingSafeEqual needs equal lengths; a wrong
  // length is a wrong signature and reveals nothing about the right one.
  const given = Buffer.from(req.signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  return { ok: true };
}

/** Signs like HubSpot does (for tests and for checking a deployment with a hand-made request). */
export function signHubspotRequest(
  req: Omit<SignedRequest, 'signature' | 'timestamp'>,
  clientSecret: string,
  timestampMs: number,
): { signature: string; timestamp: string } {
  const timestamp = String(timestampMs);
  return { signature: v3Signature(req, timestamp, clientSecret), timestamp };
}

function v3Signature(
  req: Pick<SignedRequest, 'method' | 'uri' | 'body'>,
  timestamp: string,
  secret: string,
): string {
  return createHmac('sha256', secret)
    .update(`${req.method.toUpperCase()}${decodeSignedUri(req.uri)}${req.body}${timestamp}`, 'utf8')
    .digest('base64');
}
