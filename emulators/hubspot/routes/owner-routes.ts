import type { HttpApp } from '../../shared/http-app.ts';
import { HubspotApiError, validationError } from '../hubspot-errors.ts';
import { type HubspotRouteContext, queryBool, queryInt } from './route-helpers.ts';

/**
 * `/crm/v3/owners` and `/crm/v3/owners/` (the v14 SDK's `ownersApi.getPage` uses the trailing
 * slash; the router accepts both). `after` is an offset cursor.
 */
export function mountOwnerRoutes(app: HttpApp, ctx: HubspotRouteContext): void {
  const owners = ctx.store.owners;
  app
    .route('GET', '/crm/v3/owners', 'hs.owners', (req) => {
      const limit = queryInt(req.query, 'limit', 100, 500);
      const afterRaw = req.query.get('after');
      const offset = afterRaw ? Number(afterRaw) : 0;
      if (!Number.isInteger(offset) || offset < 0)
        throw validationError(`after must be a paging cursor, got "${afterRaw}".`);
      const email = req.query.get('email')?.toLowerCase();
      const all = owners.list(queryBool(req.query, 'archived')).filter((o) => !email || o.email === email);
      const page = all.slice(offset, offset + limit);
      const body: Record<string, unknown> = { results: page.map((o) => owners.toJson(o)) };
      if (offset + limit < all.length) {
        const after = String(offset + limit);
        const host = req.headers.host ?? 'localhost';
        body.paging = {
          next: { after, link: `http://${host}/crm/v3/owners/?after=${after}&limit=${limit}` },
        };
      }
      return { status: 200, body };
    })
    .route('GET', '/crm/v3/owners/:ownerId', 'hs.owners.get', (req) => {
      const key = req.params.ownerId ?? '';
      const byUser = req.query.get('idProperty') === 'userId';
      const archived = queryBool(req.query, 'archived');
      const owner = byUser
        ? [...owners.list(false), ...owners.list(true)].find((o) => String(o.userIdIncludingInactive) === key)
        : owners.get(key);
      if (!owner || owner.archived !== archived) {
        throw new HubspotApiError(404, 'OBJECT_NOT_FOUND', `Owner ${key} not found`, {
          context: { id: [key] },
        });
      }
      return { status: 200, body: owners.toJson(owner) };
    });
}
