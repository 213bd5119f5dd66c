import type { EpisodeOwner } from '../episodes/episode.ts';
import type {
  ChatLanguage,
  CrmRecordRef,
  NotificationEvent,
  NotificationTarget,
  Notifier,
} from '../ports/notifier.ts';

/**
 * Who a sweep notification is about: the episode's owner (after a reassignment, the new owner), the
 * owner's manager when one is known (routing.yaml or the CRM), and the owner's pool. Which chat
 * targets that means (a Slack channel per team, the rep by e-mail, a Teams webhook) is configuration
 * (mappings/notifications.yaml), so the core only says who; `SweepNotify.targetsFor` says where.
 */
export interface NotifyWho {
  owner: EpisodeOwner;
  manager: EpisodeOwner | null;
  poolId?: string;
}

/** The sweep's chat notifications (`SweepOptions.notify`); absent = the sweep sends none. */
export interface SweepNotify {
  notifier: Notifier;
  /** Where `event` about `who` goes; an empty list = not sent (e.g. the event is switched off). */
  targetsFor(event: NotificationEvent, who: NotifyWho): NotificationTarget[];
  language: ChatLanguage;
  /**
   * The deep link to the lead/contact (Salesforce instance URL, HubSpot portal id), built without an
   * API call. Absent = the sweep cannot link the record and sends no notification (it reports them as
   * `notify/no_record_link`), because a chat message without a link is of little use to the rep.
   */
  recordRef?(lead: { leadId: string; objectType: string }): CrmRecordRef | null;
}

/**
 * The notification event a ladder step sends, or null for a step that sends none (the manager task is
 * a CRM task; the manager hears of the breach through `notify_manager`).
 */
export function notificationEventFor(
  action: 'remind_owner' | 'notify_manager' | 'manager_task' | 'reassign',
): NotificationEvent | null {
  switch (action) {
    case 'remind_owner':
      return 'reminder';
    case 'notify_manager':
      return 'escalation';
    case 'reassign':
      return 'reassignment';
    case 'manager_task':
      return null;
  }
}
