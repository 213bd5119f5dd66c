import {
  createHmac,
  createPublicKey,
  type KeyObject,
  randomBytes,
  verify,
  X509Certificate,
} from 'node:crypto';
import type { EmuRequest, EmuResponse } from '../shared/http-app.ts';
import { formBody } from '../shared/http-app.ts';
import type { SfRecord } from './sf-record.ts';
import type { SalesforceStore } from './store.ts';

/**
 * OAuth 2.0 token endpoint (password, refresh_token, client_credentials, JWT bearer,
 * authorization_code), SOAP login for jsforce's fallback, and bearer-token sessions with a
 * configurable lifetime so clients' refresh paths can be exercised.
 */

export interface Session {
  token: string;
  userId: string;
  issuedAt: number;
  expiresAt: number;
}

export interface AuthOptions {
  clientId: string;
  clientSecret: string;
  /** Password every active user logs in with (the emulated org has no per-user passwords). */
  password: string;
  sessionLifetimeMs: number;
  refreshTokenRotation: boolean;
  /** PEM certificate or public key of the connected app, for the JWT bearer flow. */
  jwtCertificate: string | undefined;
  /** Accepted `aud` values besides the emulator's own login URL. */
  jwtAudiences: string[];
  /** Username the client credentials flow runs as. */
  clientCredentialsUsername: string | undefined;
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Salesforce requires `exp` no further than 3 minutes ahead. */
const JWT_MAX_AHEAD_MS = 3 * 60_000;

const oauthError = (error: string, description: string, status = 400): EmuResponse => ({
  status,
  body: { error, error_description: description },
});

export class AuthService {
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, { userId: string }>();
  private readonly codes = new Map<string, { userId: string; redirectUri: string }>();
  private readonly store: SalesforceStore;
  private readonly opts: AuthOptions;
  private readonly jwtKey: KeyObject | undefined;
  /** Origin of the running emulator (login URL and instance URL). */
  origin = '';

  constructor(store: SalesforceStore, opts: AuthOptions) {
    this.store = store;
    this.opts = opts;
    this.jwtKey = opts.jwtCertificate ? publicKeyFromPem(opts.jwtCertificate) : undefined;
  }

  /** Resolves `Authorization: Bearer|OAuth <token>` to a live session. */
  authenticate(req: EmuRequest): Session | undefined {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return undefined;
    const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header.trim());
    if (!m) return undefined;
    const s = this.sessions.get(m[1]!);
    if (!s) return undefined;
    if (this.store.clock.now() >= s.expiresAt) {
      this.sessions.delete(s.token);
      return undefined;
    }
    return s;
  }

  /** Ends every session (refresh tokens stay valid), as an admin "expire sessions" would. */
  expireAllSessions(): void {
    this.sessions.clear();
  }

  /** A refresh token for `username`, as if the user had approved the app in a web flow. */
  issueRefreshToken(username: string): string {
    const user = this.findUser(username);
    if (!user) throw new Error(`AuthService: no user '${username}'`);
    const token = `5Aep861${randomBytes(30).toString('base64url')}`;
    this.refreshTokens.set(token, { userId: user.Id });
    return token;
  }

  newSession(userId: string): Session {
    const now = this.store.clock.now();
    const token = `${this.store.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    const s = { token, userId, issuedAt: now, expiresAt: now + this.opts.sessionLifetimeMs };
    this.sessions.set(token, s);
    return s;
  }

  identityUrl(userId: string): string {
    return `${this.origin}/id/${this.store.orgId}/${userId}`;
  }

  tokenEndpoint(req: EmuRequest): EmuResponse {
    const params = formBody(req);
    const basic = parseBasic(req.headers.authorization);
    const clientId = params.get('client_id') ?? basic?.id ?? undefined;
    const clientSecret = params.get('client_secret') ?? basic?.secret ?? undefined;
    const grant = params.get('grant_type');
    switch (grant) {
      case 'password': {
        const bad = this.checkClient(clientId, clientSecret, true);
        if (bad) return bad;
        const user = this.findUser(params.get('username') ?? '');
        if (!user || user.IsActive === false || params.get('password') !== this.opts.password) {
          return oauthError('invalid_grant', 'authentication failure');
        }
        return this.tokenResponse(user.Id, undefined);
      }
      case 'refresh_token': {
        const bad = this.checkClient(clientId, clientSecret, false);
        if (bad) return bad;
        const presented = params.get('refresh_token') ?? '';
        const entry = this.refreshTokens.get(presented);
        if (!entry) return oauthError('invalid_grant', 'expired access/refresh token');
        let rotated: string | undefined;
        if (this.opts.refreshTokenRotation) {
          this.refreshTokens.delete(presented);
          rotated = `5Aep861${randomBytes(30).toString('base64url')}`;
          this.refreshTokens.set(rotated, entry);
        }
        return this.tokenResponse(entry.userId, rotated);
      }
      case 'client_credentials': {
        const bad = this.checkClient(clientId, clientSecret, true);
        if (bad) return bad;
        const runAs = this.opts.clientCredentialsUsername;
        const user = runAs ? this.findUser(runAs) : undefined;
        if (!user) return oauthError('invalid_grant', 'no client credentials user enabled');
        return this.tokenResponse(user.Id, undefined);
      }
      case 'authorization_code': {
        const bad = this.checkClient(clientId, clientSecret, true);
        if (bad) return bad;
        const code = this.codes.get(params.get('code') ?? '');
        if (!code) return oauthError('invalid_grant', 'invalid authorization code');
        this.codes.delete(params.get('code') ?? '');
        if ((params.get('redirect_uri') ?? '') !== code.redirectUri) {
          return oauthError('invalid_grant', 'redirect_uri must match configuration');
        }
        const refresh = `5Aep861${randomBytes(30).toString('base64url')}`;
        this.refreshTokens.set(refresh, { userId: code.userId });
        return this.tokenResponse(code.userId, refresh);
      }
      case JWT_GRANT:
        return this.jwtGrant(params.get('assertion') ?? '');
      default:
        return oauthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  /** Auto-approving authorize endpoint: redirects back with a code for the integration user. */
  authorizeEndpoint(req: EmuRequest): EmuResponse {
    const clientId = req.query.get('client_id');
    const redirectUri = req.query.get('redirect_uri') ?? '';
    if (clientId !== this.opts.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
    if (req.query.get('response_type') !== 'code' || !redirectUri) {
      return oauthError('unsupported_response_type', 'response type not supported');
    }
    const code = `aPrx${randomBytes(24).toString('base64url')}`;
    this.codes.set(code, { userId: this.store.integrationUserId, redirectUri });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = req.query.get('state');
    if (state) target.searchParams.set('state', state);
    return { status: 302, headers: { location: target.toString() } };
  }

  revokeEndpoint(req: EmuRequest): EmuResponse {
    const token = formBody(req).get('token') ?? req.query.get('token') ?? '';
    if (this.sessions.delete(token) || this.refreshTokens.delete(token)) return { status: 200 };
    return oauthError('unsupported_token_type', 'this token type is not supported');
  }

  /** SOAP `login()` (jsforce falls back to it without OAuth client credentials). */
  soapLogin(req: EmuRequest, version: string): EmuResponse {
    const xml = req.body.toString('utf8');
    const username = xmlText(xml, 'username');
    const password = xmlText(xml, 'password');
    const user = username ? this.findUser(username) : undefined;
    if (!user || user.IsActive === false || password !== this.opts.password) {
      return {
        status: 500,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: soapEnvelope(
          '<soapenv:Fault><faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>',
        ),
      };
    }
    const s = this.newSession(user.Id);
    const org = this.store.orgId;
    const result = [
      '<loginResponse><result>',
      `<metadataServerUrl>${this.origin}/services/Soap/m/${version}/${org}</metadataServerUrl>`,
      '<passwordExpired>false</passwordExpired><sandbox>false</sandbox>',
      `<serverUrl>${this.origin}/services/Soap/u/${version}/${org}</serverUrl>`,
      `<sessionId>${s.token}</sessionId><userId>${user.Id}</userId>`,
      `<userInfo><organizationId>${org}</organizationId><userId>${user.Id}</userId>`,
      `<userName>${xmlEscape(String(user.Username))}</userName><userEmail>${xmlEscape(String(user.Email ?? ''))}</userEmail>`,
      `<userFullName>${xmlEscape(String(user.Name ?? ''))}</userFullName><sessionSecondsValid>${Math.floor(
        this.opts.sessionLifetimeMs / 1000,
      )}</sessionSecondsValid></userInfo>`,
      '</result></loginResponse>',
    ].join('');
    return { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: soapEnvelope(result) };
  }

  private jwtGrant(assertion: string): EmuResponse {
    const parts = assertion.split('.');
    if (parts.length !== 3 || !this.jwtKey) return oauthError('invalid_grant', 'invalid assertion');
    const [h, p, sig] = parts as [string, string, string];
    let header: { alg?: unknown };
    let claims: { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return oauthError('invalid_grant', 'invalid assertion');
    }
    if (header.alg !== 'RS256') return oauthError('invalid_grant', 'invalid assertion');
    const signed = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.jwtKey, Buffer.from(sig, 'base64url'));
    if (!signed) return oauthError('invalid_grant', 'invalid assertion');
    if (claims.iss !== this.opts.clientId)
      return oauthError('invalid_client_id', 'client identifier invalid');
    const audiences = [this.origin, ...this.opts.jwtAudiences];
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => typeof a === 'string' && audiences.includes(a.replace(/\/$/, '')))) {
      return oauthError('invalid_grant', 'audience is invalid');
    }
    const now = this.store.clock.now();
    if (
      typeof claims.exp !== 'number' ||
      claims.exp * 1000 <= now ||
      claims.exp * 1000 > now + JWT_MAX_AHEAD_MS
    ) {
      return oauthError('invalid_grant', 'expired authorization code');
    }
    const user = typeof claims.sub === 'string' ? this.findUser(claims.sub) : undefined;
    if (!user || user.IsActive === false)
      return oauthError('invalid_grant', "user hasn't approved this consumer");
    return this.tokenResponse(user.Id, undefined);
  }

  private checkClient(
    clientId: string | undefined,
    clientSecret: string | undefined,
    secretRequired: boolean,
  ): EmuResponse | undefined {
    if (clientId !== this.opts.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
    if ((secretRequired || clientSecret !== undefined) && clientSecret !== this.opts.clientSecret) {
      return oauthError('invalid_client', 'invalid client credentials');
    }
    return undefined;
  }

  private tokenResponse(userId: string, refreshToken: string | undefined): EmuResponse {
    const s = this.newSession(userId);
    const id = this.identityUrl(userId);
    const issuedAt = String(s.issuedAt);
    const signature = createHmac('sha256', this.opts.clientSecret)
      .update(id + issuedAt)
      .digest('base64');
    return {
      status: 200,
      body: {
        access_token: s.token,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        signature,
        scope: refreshToken ? 'refresh_token api' : 'api',
        instance_url: this.origin,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
      },
    };
  }

  findUser(username: string): SfRecord | undefined {
    if (!username) return undefined;
    return this.store.findByValue('User', 'Username', username)[0] as SfRecord | undefined;
  }
}

function publicKeyFromPem(pem: string): KeyObject {
  try {
    return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch (e) {
    throw new Error(
      `Salesforce emulator: jwtCertificate is not a PEM certificate or public key (${(e as Error).message}). Pass the connected app's certificate, e.g. the contents of server.crt.`,
    );
  }
}

function parseBasic(header: string | string[] | undefined): { id: string; secret: string } | undefined {
  if (typeof header !== 'string' || !/^Basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${tag}>([^<]*)</(?:\\w+:)?${tag}>`).exec(xml);
  return m ? xmlUnescape(m[1]!) : undefined;
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function soapEnvelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}
