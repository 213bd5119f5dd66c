import type { CrmConnector } from '../ports/crm-connector.ts';
import type { CrmRecordRef } from '../ports/notifier.ts';

/**
 * The record link of a chat message from the connector's own deep link (the one it writes in task
 * notes), so no API call and no second copy of the URL rules: Salesforce
 * `<instance>/lightning/r/<Lead|Contact>/<id>/view`, HubSpot `<app>/contacts/<portal>/record/0-1/<id>`.
 */
export function recordRefFrom(
  connector: Pick<CrmConnector, 'crm' | 'recordUrl'>,
): (lead: { leadId: string; objectType: string }) => CrmRecordRef | null {
  return (lead) => {
    const url = connector.recordUrl({ id: lead.leadId, objectType: lead.objectType } as Parameters<
      CrmConnector['recordUrl']
    >[0]);
    if (!url) return null;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (connector.crm === 'salesforce') {
      const m = /^\/lightning\/r\/(Lead|Contact)\/([^/]+)\/view$/.exec(parsed.pathname);
      if (!m) return null;
      return {
        crm: 'salesforce',
        instanceUrl: parsed.origin,
        objectType: m[1] as 'Lead' | 'Contact',
        id: decodeURIComponent(m[2]!),
      };
    }
    if (connector.crm === 'hubspot') {
      const m = /^(.*)\/contacts\/(\d+)\/record\/0-1\/([^/]+)$/.exec(parsed.pathname);
      if (!m) return null;
      return {
        crm: 'hubspot',
        portalId: m[2]!,
        contactId: decodeURIComponent(m[3]!),
        appBaseUrl: `${parsed.origin}${m[1]}`,
      };
    }
    return null;
  };
}
