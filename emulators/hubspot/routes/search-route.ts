import type { EmuRequest, EmuResponse } from '../../shared/http-app.ts';
import type { ObjectType } from '../object-types.ts';
import { executeSearch, parseSearchRequest } from '../search-engine.ts';
import { type HubspotRouteContext, readJson } from './route-helpers.ts';

/** `POST /crm/v3/objects/{type}/search` → `{total, results, paging?}` (no `link` on search paging). */
export function searchHandler(ctx: HubspotRouteContext, type: ObjectType, req: EmuRequest): EmuResponse {
  const { store } = ctx;
  const search = parseSearchRequest(store, type, readJson(req));
  const outcome = executeSearch(store, type, search);
  const body: Record<string, unknown> = {
    total: outcome.total,
    results: outcome.results.map((rec) => store.toJson(rec, search.properties)),
  };
  if (outcome.nextAfter !== undefined) body.paging = { next: { after: String(outcome.nextAfter) } };
  return { status: 200, body };
}
