/**
 * Which HubSpot webhook events can change a decision. Two kinds cannot, and are dropped before any
 * CRM read (issue 16, "no echo"):
 * - `own_write`: the change was made by our own app — HubSpot names the app's id as `sourceId`
 *   (with `changeSource` `INTEGRATION`, or `API`; only the id is compared, so no other source can
 *   pass for ours). Acting on it would re-decide what we just wrote; on the event path, a loop.
 * - `unread_property`: a `propertyChange` of a property the connector never reads; no rule input can
 *   have changed. (Creations, deletions and company/deal changes are kept: the latter are subscribed
 *   per property already, and re-decide the company's contacts.)
 */
export type IgnoredBecause = 'own_write' | 'unread_property';

export interface RelevanceEvent {
  subscriptionType: string;
  sourceId?: string | undefined;
  propertyName?: string | undefined;
}

export interface RelevanceOptions {
  /** Our app's id as HubSpot puts it in `sourceId`; null: no event is recognised as our own. */
  ownAppId?: string | null;
  /** Contact properties the connector reads; null: every property counts. */
  readProperties?: ReadonlySet<string> | null;
}

export function ignoredBecause(e: RelevanceEvent, o: RelevanceOptions): IgnoredBecause | null {
  if (o.ownAppId && e.sourceId === o.ownAppId) return 'own_write';
  const contactChange = e.subscriptionType === 'contact.propertyChange';
  if (contactChange && o.readProperties && e.propertyName && !o.readProperties.has(e.propertyName))
    return 'unread_property';
  return null;
}
