import type { HttpApp } from '../../shared/http-app.ts';
import { ACTIVITY_BY_EVENT_TYPE, activityToEvent, EVENT_TYPE_BY_ACTIVITY } from '../activity-events.ts';
import { objectNotFound } from '../crm-store.ts';
import { validationError } from '../hubspot-errors.ts';
import { parseDateTime } from '../property-values.ts';
import { type HubspotRouteContext, queryInt } from './route-helpers.ts';

/**
 * A simplified Events API (`GET /events/v3/events`) serving each contact's behaviour events.
 * Unlike HubSpot it requires `objectId` (listing the whole portal's events is not useful here)
 * and only knows contacts. Newest first unless `sort=occurredAt`.
 */
export function mountEventRoutes(app: HttpApp, ctx: HubspotRouteContext): void {
  const { store } = ctx;

  app.route('GET', '/events/v3/events/event-types', 'hs.events.types', () => ({
    status: 200,
    body: { eventTypes: [...new Set(Object.values(EVENT_TYPE_BY_ACTIVITY))].sort() },
  }));

  app.route('GET', '/events/v3/events', 'hs.events.list', (req) => {
    const q = req.query;
    const objectType = q.get('objectType') ?? 'contact';
    if (objectType !== 'contact' && objectType !== 'contacts' && objectType !== '0-1') {
      throw validationError(
        `objectType ${objectType} has no events in this emulator; use objectType=contact.`,
      );
    }
    const objectId = q.get('objectId');
    if (!objectId) throw validationError('objectId is required: this emulator serves events per contact.');
    if (!store.get('contacts', objectId)) throw objectNotFound('contacts', objectId);
    const limit = queryInt(q, 'limit', 100, 1000);
    const offset = Number(q.get('after') ?? 0) || 0;
    const eventType = q.get('eventType');
    if (eventType && !ACTIVITY_BY_EVENT_TYPE[eventType]) {
      throw validationError(`Unknown eventType ${eventType}; see /events/v3/events/event-types.`);
    }
    const afterMs = bound(q.get('occurredAfter'), 'occurredAfter');
    const beforeMs = bound(q.get('occurredBefore'), 'occurredBefore');
    const ascending = q.getAll('sort').some((s) => s === 'occurredAt' || s === 'occurredAt,ASC');
    const events = store
      .activitiesOf(objectId)
      .map((a, i) => activityToEvent(objectId, i, a, (k) => store.campaignName(k)))
      .filter((e) => !eventType || e.eventType === eventType)
      .filter((e) => {
        const ms = Date.parse(e.occurredAt);
        return (afterMs === undefined || ms > afterMs) && (beforeMs === undefined || ms < beforeMs);
      })
      .sort((a, b) => (ascending ? 1 : -1) * (Date.parse(a.occurredAt) - Date.parse(b.occurredAt)));
    const body: Record<string, unknown> = { results: events.slice(offset, offset + limit) };
    if (offset + limit < events.length) body.paging = { next: { after: String(offset + limit) } };
    return { status: 200, body };
  });
}

function bound(raw: string | null, name: string): number | undefined {
  if (!raw) return undefined;
  const ms = parseDateTime(raw);
  if (ms === undefined) throw validationError(`${name} must be an ISO 8601 date-time, got "${raw}".`);
  return ms;
}
