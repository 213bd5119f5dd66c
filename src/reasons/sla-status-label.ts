import type { SlaStatus } from '../ports/episode-crm.ts';
import type { Locale } from './messages.ts';

/**
 * How the SLA status written on a lead reads to sales: the picklist labels `tossup setup` creates
 * (the values themselves stay the English codes of SLA_STATUSES, so reports filter on stable values).
 */
export const SLA_STATUS_LABELS: Readonly<Record<Locale, Readonly<Record<SlaStatus, string>>>> = {
  ja: {
    on_track: '期限内',
    due_soon: '期限間近',
    overdue: '期限超過',
    escalated: 'エスカレーション済',
    reassigned: '再割当済',
    met: '期限内に対応',
    late: '期限後に対応',
    paused: '一時停止中',
  },
  en: {
    on_track: 'On track',
    due_soon: 'Due soon',
    overdue: 'Overdue',
    escalated: 'Escalated',
    reassigned: 'Reassigned',
    met: 'Met',
    late: 'Late',
    paused: 'Paused',
  },
};
