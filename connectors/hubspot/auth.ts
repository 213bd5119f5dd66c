import type { TokenGrant } from './client.ts';

/**
 * Where the bearer token of each request comes from. A private-app token never expires. An OAuth
 * access token lives `expires_in` seconds (HubSpot: 1800); HubSpot says a 401 is NOT the signal to
 * refresh, so the token is refreshed ahead of its expiry by our own clock, and concurrent requests
 * share one refresh. Tokens are held in memory only and never logged or put in error messages.
 */
export interface TokenSource {
  /** The token to send now (refreshing first when it is about to expire). */
  get(): Promise<string>;
  /** Forget the current access token (after a 401 EXPIRED_AUTHENTICATION despite the TTL: clock skew). */
  invalidate(): void;
  readonly kind: 'private_app' | 'oauth';
}

export function privateAppToken(token: string): TokenSource {
  return { kind: 'private_app', get: async () => token, invalidate: () => {} };
}

export interface OAuthTokenOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Refresh this long before `expires_in` runs out (default 5 minutes, at most half the lifetime). */
  refreshAheadMs: number;
  now: () => number;
  /** Performs the refresh_token grant (the client's token endpoint call, through the request runner). */
  refresh: (app: { clientId: string; clientSecret: string; refreshToken: string }) => Promise<TokenGrant>;
}

export function oauthToken(options: OAuthTokenOptions): TokenSource {
  let accessToken: string | undefined;
  let refreshAt = 0;
  let refreshToken = options.refreshToken;
  let inFlight: Promise<string> | undefined;

  const refresh = async (): Promise<string> => {
    const grant = await options.refresh({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      refreshToken,
    });
    const lifetimeMs = Math.max(0, grant.expiresInSeconds * 1000);
    const ahead = Math.min(options.refreshAheadMs, lifetimeMs / 2);
    accessToken = grant.accessToken;
    // HubSpot's refresh tokens do not rotate today; keep a new one if it ever does.
    if (grant.refreshToken) refreshToken = grant.refreshToken;
    refreshAt = options.now() + lifetimeMs - ahead;
    return grant.accessToken;
  };

  return {
    kind: 'oauth',
    async get() {
      if (accessToken !== undefined && options.now() < refreshAt) return accessToken;
      inFlight ??= refresh().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      accessToken = undefined;
      refreshAt = 0;
    },
  };
}
