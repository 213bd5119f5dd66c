import type { HttpApp } from '../../shared/http-app.ts';
import { HubspotApiError } from '../hubspot-errors.ts';
import {
  batchInputs,
  type HubspotRouteContext,
  objectTypeParam,
  queryBool,
  readJsonObject,
} from './route-helpers.ts';

/** `/crm/v3/properties/{objectType}`: list, read, create (409 on duplicates), groups, batch read. */
export function mountPropertyRoutes(app: HttpApp, ctx: HubspotRouteContext): void {
  const registry = ctx.store.properties;
  const base = '/crm/v3/properties/:objectType';

  app
    .route('GET', `${base}/groups`, 'hs.properties.groups.list', (req) => {
      const type = objectTypeParam(req.params.objectType);
      return { status: 200, body: { results: registry.listGroups(type) } };
    })
    .route('POST', `${base}/groups`, 'hs.properties.groups.create', (req) => {
      const type = objectTypeParam(req.params.objectType);
      return { status: 201, body: registry.createGroup(type, readJsonObject(req)) };
    })
    .route('GET', `${base}/groups/:groupName`, 'hs.properties.groups.get', (req) => {
      const type = objectTypeParam(req.params.objectType);
      const group = registry.getGroup(type, req.params.groupName ?? '');
      if (!group) {
        throw new HubspotApiError(
          404,
          'OBJECT_NOT_FOUND',
          `Property group ${req.params.groupName} does not exist`,
        );
      }
      return { status: 200, body: group };
    })
    .route('POST', `${base}/batch/read`, 'hs.properties.batch.read', (req) => {
      const type = objectTypeParam(req.params.objectType);
      const inputs = batchInputs(readJsonObject(req), 100);
      const at = new Date(ctx.store.clock.now()).toISOString();
      const results = inputs
        .map((i) => registry.get(type, String((i as { name?: unknown })?.name ?? '')))
        .filter((d) => d !== undefined)
        .map((d) => registry.toJson(d));
      return { status: 200, body: { status: 'COMPLETE', results, startedAt: at, completedAt: at } };
    })
    .route('GET', base, 'hs.properties.list', (req) => {
      const type = objectTypeParam(req.params.objectType);
      // Nothing is ever archived here, so `archived=true` lists nothing.
      const results = queryBool(req.query, 'archived')
        ? []
        : registry.list(type).map((d) => registry.toJson(d));
      return { status: 200, body: { results } };
    })
    .route('POST', base, 'hs.properties.create', (req) => {
      const type = objectTypeParam(req.params.objectType);
      return { status: 201, body: registry.toJson(registry.create(type, readJsonObject(req))) };
    })
    .route('GET', `${base}/:propertyName`, 'hs.properties.get', (req) => {
      const type = objectTypeParam(req.params.objectType);
      const def = registry.get(type, req.params.propertyName ?? '');
      if (!def) {
        throw new HubspotApiError(
          404,
          'OBJECT_NOT_FOUND',
          `Property ${req.params.propertyName} does not exist`,
          {
            context: { propertyName: [req.params.propertyName ?? ''] },
          },
        );
      }
      return { status: 200, body: registry.toJson(def) };
    });
}
