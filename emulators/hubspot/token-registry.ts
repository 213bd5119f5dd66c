import { randomBytes, randomUUID } from 'node:crypto';
import type { EmuResponse } from '../shared/http-app.ts';
import { correlationId, errorResponse } from './hubspot-errors.ts';

/**
 * Who may call the portal: private-app tokens (never expire) and, optionally, an OAuth app whose
 * refresh tokens buy access tokens that expire after `expires_in` on the emulator clock. HubSpot
 * says a 401 is not a refresh signal, so a connector must refresh by TTL; an expired token here
 * answers 401 EXPIRED_AUTHENTICATION to prove it did not.
 */

export interface OAuthAppConfig {
  clientId: string;
  clientSecret: string;
  /** Refresh tokens the app already holds (from an install flow that is not emulated). */
  refreshTokens: string[];
  /** One-time codes accepted by the authorization_code grant. */
  authorizationCodes?: string[];
  /** Access-token lifetime; HubSpot issues 1800 s. */
  accessTokenTtlSeconds?: number;
}

export type AuthResult = { ok: true; oauth: boolean } | { ok: false; response: EmuResponse };

const MISSING_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export function newPrivateAppToken(): string {
  return `pat-na1-${randomUUID()}`;
}

export class TokenRegistry {
  private readonly privateTokens: Set<string>;
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Set<string>();
  private readonly codes = new Set<string>();
  private readonly oauth: OAuthAppConfig | undefined;
  private readonly now: () => number;
  /** Access tokens issued so far; tests use it to count refreshes. */
  issued = 0;

  constructor(privateTokens: readonly string[], oauth: OAuthAppConfig | undefined, now: () => number) {
    this.privateTokens = new Set(privateTokens);
    this.oauth = oauth;
    this.now = now;
    for (const t of oauth?.refreshTokens ?? []) this.refreshTokens.add(t);
    for (const c of oauth?.authorizationCodes ?? []) this.codes.add(c);
  }

  addPrivateToken(token: string): void {
    this.privateTokens.add(token);
  }

  revoke(token: string): void {
    this.privateTokens.delete(token);
    this.accessTokens.delete(token);
    this.refreshTokens.delete(token);
  }

  authenticate(authorization: string | string[] | undefined): AuthResult {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return { ok: false, response: errorResponse(401, 'INVALID_AUTHENTICATION', MISSING_MESSAGE) };
    const token = match[1]!;
    if (this.privateTokens.has(token)) return { ok: true, oauth: false };
    const expiresAt = this.accessTokens.get(token);
    if (expiresAt !== undefined) {
      const now = this.now();
      if (now < expiresAt) return { ok: true, oauth: true };
      const minutes = Math.max(1, Math.floor((now - expiresAt) / 60_000));
      return {
        ok: false,
        response: errorResponse(
          401,
          'EXPIRED_AUTHENTICATION',
          `The OAuth token used to make this call expired ${minutes} minute(s) ago.`,
        ),
      };
    }
    return {
      ok: false,
      response: errorResponse(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found: the bearer token is not a known private app or OAuth access token.',
      ),
    };
  }

  /** `POST /oauth/v1/token` (form-encoded). */
  token(form: URLSearchParams): EmuResponse {
    const oauth = this.oauth;
    if (!oauth) return oauthError('BAD_CLIENT_ID', 'This portal has no OAuth app configured.');
    if (form.get('client_id') !== oauth.clientId)
      return oauthError('BAD_CLIENT_ID', 'missing or unknown client id');
    if (form.get('client_secret') !== oauth.clientSecret) {
      return oauthError('BAD_CLIENT_SECRET', 'missing or invalid client secret');
    }
    const grant = form.get('grant_type');
    let refreshToken: string;
    if (grant === 'refresh_token') {
      refreshToken = form.get('refresh_token') ?? '';
      if (!this.refreshTokens.has(refreshToken))
        return oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
    } else if (grant === 'authorization_code') {
      const code = form.get('code') ?? '';
      if (!this.codes.delete(code)) return oauthError('BAD_AUTH_CODE', 'missing or unknown auth code');
      refreshToken = randomUUID();
      this.refreshTokens.add(refreshToken);
    } else {
      return oauthError('BAD_GRANT_TYPE', `unsupported grant_type ${grant ?? '(missing)'}`);
    }
    const ttl = oauth.accessTokenTtlSeconds ?? 1800;
    const accessToken = randomBytes(24).toString('base64url');
    this.accessTokens.set(accessToken, this.now() + ttl * 1000);
    this.issued += 1;
    // HubSpot refresh tokens do not rotate: the same one comes back.
    return {
      status: 200,
      body: { token_type: 'bearer', refresh_token: refreshToken, access_token: accessToken, expires_in: ttl },
    };
  }
}

function oauthError(status: string, message: string): EmuResponse {
  return {
    status: 400,
    body: { status, message, correlationId: correlationId(), category: 'INVALID_AUTHENTICATION' },
  };
}
