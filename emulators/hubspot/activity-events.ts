import type { WorldActivity, WorldActivityType } from '../world/world.ts';

/**
 * Per-contact behaviour events, served by a simplified `GET /events/v3/events`. The emulator keeps
 * the neutral activity records (shared with the World, so a million contacts cost no copies) and
 * renders them as HubSpot event objects on read. The `eventType` names are the emulator's own:
 * HubSpot's built-in web-analytics event names could not be confirmed, so a connector mapping
 * should keep them configurable.
 */

export type ContactActivity = WorldActivity;

export const EVENT_TYPE_BY_ACTIVITY: Readonly<Record<WorldActivityType, string>> = {
  page_view: 'e_visited_page',
  email_open: 'e_opened_email',
  email_click: 'e_clicked_email',
  form_submission: 'e_submitted_form',
  document_request: 'e_document_request',
  webinar_attendance: 'e_attended_webinar',
  event_attendance: 'e_attended_event',
  inquiry: 'e_submitted_inquiry',
};

export const ACTIVITY_BY_EVENT_TYPE: Readonly<Record<string, WorldActivityType>> = Object.fromEntries(
  Object.entries(EVENT_TYPE_BY_ACTIVITY).map(([activity, event]) => [event, activity as WorldActivityType]),
);

/** Activities HubSpot would count as conversions (form-driven), for the `*_conversion_*` properties. */
export const CONVERSION_ACTIVITIES: ReadonlySet<WorldActivityType> = new Set([
  'document_request',
  'webinar_attendance',
  'event_attendance',
  'form_submission',
  'inquiry',
]);

export interface HubspotEventJson {
  objectType: 'contact';
  objectId: string;
  eventType: string;
  occurredAt: string;
  id: string;
  properties: Record<string, string>;
}

export function activityToEvent(
  contactId: string,
  index: number,
  activity: ContactActivity,
  campaignName: (key: string) => string | undefined,
): HubspotEventJson {
  const properties: Record<string, string> = { hs_activity_type: activity.type };
  if (activity.page !== undefined) {
    properties.hs_page_key = activity.page;
    properties.hs_url = `https://www.example.jp/${activity.page}`;
  }
  if (activity.campaignKey !== undefined) {
    properties.hs_campaign_key = activity.campaignKey;
    const name = campaignName(activity.campaignKey);
    if (name !== undefined) properties.hs_campaign_name = name;
  }
  return {
    objectType: 'contact',
    objectId: contactId,
    eventType: EVENT_TYPE_BY_ACTIVITY[activity.type],
    occurredAt: new Date(Date.parse(activity.at)).toISOString(),
    id: `${contactId}-${index}`,
    properties,
  };
}
