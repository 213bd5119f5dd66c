import { formBody, type HttpApp } from '../../shared/http-app.ts';
import type { TokenRegistry } from '../token-registry.ts';

/** `POST /oauth/v1/token` (form-encoded, unauthenticated, outside the API rate limits). */
export function mountOAuthRoutes(app: HttpApp, tokens: TokenRegistry): void {
  app.route('POST', '/oauth/v1/token', 'hs.oauth.token', (req) => tokens.token(formBody(req)));
}
