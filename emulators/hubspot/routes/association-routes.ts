import type { HttpApp } from '../../shared/http-app.ts';
import { associationPair, v4AssociationTypes } from '../association-types.ts';
import { objectNotFound } from '../crm-store.ts';
import { validationError } from '../hubspot-errors.ts';
import { OBJECT_TYPE_INFO } from '../object-types.ts';
import {
  batchInputs,
  type HubspotRouteContext,
  iso,
  objectTypeParam,
  queryInt,
  readJsonObject,
} from './route-helpers.ts';

/**
 * Associations v4: list one record's associations, batch-read them (how the connector fetches
 * primary companies for a page of contacts), and create the default association.
 * `toObjectId` is a JSON number, as HubSpot sends it, even though the SDK types it as a string.
 */

export const ASSOCIATION_BATCH_MAX_INPUTS = 1000;
/** Associations returned per input record in one batch read; the rest through `paging.next.after`. */
export const ASSOCIATION_BATCH_PAGE = 500;

export function mountAssociationRoutes(app: HttpApp, ctx: HubspotRouteContext): void {
  const { store } = ctx;

  app.route(
    'GET',
    '/crm/v4/objects/:objectType/:objectId/associations/:toObjectType',
    'hs.associations.v4.list',
    (req) => {
      const from = objectTypeParam(req.params.objectType);
      const to = objectTypeParam(req.params.toObjectType);
      const id = req.params.objectId ?? '';
      const pair = associationPair(from, to);
      if (!pair) throw validationError(`${from} records have no associations to ${to}.`);
      if (!store.get(from, id)) throw objectNotFound(from, id);
      const limit = queryInt(req.query, 'limit', 500, 500);
      const offset = Number(req.query.get('after') ?? 0) || 0;
      const edges = store.associationsOf(from, id, to);
      const results = edges.slice(offset, offset + limit).map((e) => ({
        toObjectId: Number(e.to),
        associationTypes: v4AssociationTypes(pair, e.primary),
      }));
      const body: Record<string, unknown> = { results };
      if (offset + limit < edges.length) body.paging = { next: { after: String(offset + limit) } };
      return { status: 200, body };
    },
  );

  app.route(
    'POST',
    '/crm/v4/associations/:fromObjectType/:toObjectType/batch/read',
    'hs.associations.v4.batch.read',
    (req) => {
      const started = store.clock.now();
      const from = objectTypeParam(req.params.fromObjectType);
      const to = objectTypeParam(req.params.toObjectType);
      const pair = associationPair(from, to);
      if (!pair) throw validationError(`${from} records have no associations to ${to}.`);
      const inputs = batchInputs(readJsonObject(req), ASSOCIATION_BATCH_MAX_INPUTS);
      const results: unknown[] = [];
      const errors: unknown[] = [];
      for (const [i, input] of inputs.entries()) {
        const id = (input as { id?: unknown } | null)?.id;
        if (typeof id !== 'string' && typeof id !== 'number')
          throw validationError(`inputs[${i}].id is required.`);
        const fromId = String(id);
        const after = (input as { after?: unknown }).after;
        const offset = after === undefined || after === null ? 0 : Number(after);
        if (!Number.isInteger(offset) || offset < 0)
          throw validationError(`inputs[${i}].after is not a paging token from an earlier answer.`);
        const all = store.get(from, fromId) ? store.associationsOf(from, fromId, to) : [];
        const edges = all.slice(offset, offset + ASSOCIATION_BATCH_PAGE);
        if (edges.length === 0) {
          // HubSpot reports records without associations (or unknown ids) as per-input errors.
          errors.push({
            status: 'error',
            category: 'OBJECT_NOT_FOUND',
            subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
            message: `No ${OBJECT_TYPE_INFO[to].singular} is associated with ${OBJECT_TYPE_INFO[from].singular} ${fromId}.`,
            context: {
              fromObjectId: [fromId],
              fromObjectType: [OBJECT_TYPE_INFO[from].upperName],
              toObjectType: [OBJECT_TYPE_INFO[to].upperName],
            },
            errors: [],
            links: {},
          });
          continue;
        }
        const result: Record<string, unknown> = {
          from: { id: fromId },
          to: edges.map((e) => ({
            toObjectId: Number(e.to),
            associationTypes: v4AssociationTypes(pair, e.primary),
          })),
        };
        // More than a page for one record: ask again with `{id, after}` for the rest.
        if (offset + ASSOCIATION_BATCH_PAGE < all.length)
          result.paging = { next: { after: String(offset + ASSOCIATION_BATCH_PAGE) } };
        results.push(result);
      }
      const body: Record<string, unknown> = {
        status: 'COMPLETE',
        results,
        startedAt: iso(started),
        completedAt: iso(store.clock.now()),
      };
      if (errors.length === 0) return { status: 200, body };
      return { status: 207, body: { ...body, numErrors: errors.length, errors } };
    },
  );

  app.route(
    'PUT',
    '/crm/v4/objects/:fromObjectType/:fromObjectId/associations/default/:toObjectType/:toObjectId',
    'hs.associations.v4.default.create',
    (req) => {
      const started = store.clock.now();
      const from = objectTypeParam(req.params.fromObjectType);
      const to = objectTypeParam(req.params.toObjectType);
      const fromId = req.params.fromObjectId ?? '';
      const toId = req.params.toObjectId ?? '';
      const pair = associationPair(from, to);
      if (!pair) throw validationError(`${from} records cannot be associated with ${to}.`);
      if (!store.get(from, fromId)) throw objectNotFound(from, fromId);
      if (!store.get(to, toId)) throw objectNotFound(to, toId);
      // The default association is the unlabeled one; it becomes primary only if there is none yet.
      const hasPrimary = store.associationsOf(from, fromId, to).some((e) => e.primary);
      store.associate(from, fromId, to, toId, pair.primaryTypeId !== undefined && !hasPrimary);
      // HubSpot recounts the deal's associated contacts (num_associated_contacts), so the deal's
      // modification time moves and a change read on hs_lastmodifieddate sees the new link.
      if (from === 'deals' && to === 'contacts') store.touch('deals', fromId);
      if (from === 'contacts' && to === 'deals') store.touch('deals', toId);
      return {
        status: 200,
        body: {
          status: 'COMPLETE',
          results: [
            {
              from: { id: fromId },
              to: { id: toId },
              associationSpec: {
                associationCategory: 'HUBSPOT_DEFINED',
                associationTypeId: pair.unlabeledTypeId,
              },
            },
          ],
          startedAt: iso(started),
          completedAt: iso(store.clock.now()),
        },
      };
    },
  );
}
