import { createPrivateKey, sign } from 'node:crypto';

/**
 * The assertion of the OAuth 2.0 JWT bearer flow (crm-apis.md A1): RS256 over
 * `{iss: consumer key, sub: username, aud: login URL, exp: ≤ 3 minutes ahead}`. Salesforce checks the
 * signature against the certificate uploaded to the connected app; no client secret is involved.
 */
export interface JwtClaims {
  clientId: string;
  username: string;
  /** `https://login.salesforce.com`, `https://test.salesforce.com` or a community URL. */
  audience: string;
  /** Epoch ms; the assertion expires 3 minutes later (Salesforce refuses anything longer). */
  now: number;
}

const LIFETIME_SECONDS = 180;

export function jwtBearerAssertion(claims: JwtClaims, privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem);
  const header = { alg: 'RS256', typ: 'JWT' };
  const payload = {
    iss: claims.clientId,
    sub: claims.username,
    aud: claims.audience,
    // A few seconds short of the limit, so a server clock slightly behind ours still accepts it.
    exp: Math.floor(claims.now / 1000) + LIFETIME_SECONDS - 5,
  };
  const signingInput = `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(payload))}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function base64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The `aud` Salesforce expects for a login URL: sandboxes use test.salesforce.com. */
export function defaultAudience(loginUrl: string): string {
  const host = new URL(loginUrl).hostname;
  return host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com')
    ? 'https://test.salesforce.com'
    : 'https://login.salesforce.com';
}
