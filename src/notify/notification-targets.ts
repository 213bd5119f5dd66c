import type { EpisodeOwner } from '../episodes/episode.ts';
import {
  type ChatLanguage,
  type NotificationEvent,
  type NotificationTarget,
  targetKey,
} from '../ports/notifier.ts';
import type { RoutingConfig, RoutingRep } from '../routing/routing-config.ts';
import type { NotifyWho } from '../sweep/notify-policy.ts';
import type { NotificationsConfig } from './notifications-config.ts';

export type { NotifyWho } from '../sweep/notify-policy.ts';

/** notifications.yaml applied: where each event goes, in which language. Pure, no I/O. */
export interface NotificationTargeting {
  language: ChatLanguage;
  /** Whether notifications.yaml sends anything for this event at all. */
  sends(event: NotificationEvent): boolean;
  /** The chat targets of one event; empty when nothing is to be sent. Never contains one target twice. */
  targetsFor(event: NotificationEvent, who: NotifyWho): NotificationTarget[];
}

/**
 * Builds the targeting from notifications.yaml and routing.yaml (reps' `email` for Slack direct
 * messages; an owner is matched by routing key, else by Salesforce user id or HubSpot owner id).
 */
export function notificationTargets(
  config: NotificationsConfig,
  routing?: Pick<RoutingConfig, 'reps'>,
): NotificationTargeting {
  const reps = routing?.reps ?? [];
  const byKey = new Map(reps.map((r) => [r.key, r]));
  const emailOf = (who: EpisodeOwner | null): string | undefined => {
    if (!who) return undefined;
    const rep = (who.key !== undefined ? byKey.get(who.key) : undefined) ?? repById(reps, who.id);
    return rep?.email;
  };
  const teamTargets = (poolId: string | undefined): NotificationTarget[] => {
    const out: NotificationTarget[] = [];
    const channel =
      (poolId !== undefined ? config.slack?.channels[poolId] : undefined) ?? config.slack?.defaultChannel;
    if (channel !== undefined) out.push({ kind: 'slack-channel', channel });
    const webhook =
      (poolId !== undefined ? config.teams?.webhooks[poolId] : undefined) ?? config.teams?.defaultWebhook;
    if (webhook !== undefined) out.push({ kind: 'teams-webhook', webhook });
    return out;
  };

  return {
    language: config.language,
    sends(event) {
      const rule = config.events[event];
      return rule !== undefined && (rule.team || rule.dm.length > 0);
    },
    targetsFor(event, who) {
      const rule = config.events[event];
      if (!rule) return [];
      const out: NotificationTarget[] = [];
      if (rule.team) out.push(...teamTargets(who.poolId ?? who.owner.poolId));
      if (config.slack) {
        for (const recipient of rule.dm) {
          const email = emailOf(recipient === 'owner' ? who.owner : who.manager);
          if (email) out.push({ kind: 'slack-user', email });
        }
      }
      const seen = new Set<string>();
      return out.filter((t) => {
        const k = targetKey(t);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    },
  };
}

/** A rep by CRM id: Salesforce ids compare on their first 15 characters (case-sensitive form). */
function repById(reps: readonly RoutingRep[], id: string): RoutingRep | undefined {
  const sf = id.slice(0, 15);
  return reps.find(
    (r) => (r.salesforceId !== undefined && r.salesforceId.slice(0, 15) === sf) || r.hubspotOwnerId === id,
  );
}
