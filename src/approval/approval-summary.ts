import { numbers } from '../pipeline/summary-columns.ts';
import type { Locale } from '../reasons/messages.ts';
import type { SweepApprovals } from '../sweep/sweep-report.ts';

/** The sweep summary's block on manager approvals (report.approvals), in the summary's layout. */

const L = {
  ja: {
    title: 'マネージャー承認',
    pending: '承認待ち',
    overdue: 'うち承認期限超過',
    requested: '承認依頼 (タスク・通知)',
    reminders: '承認リマインド',
    escalations: '承認者の上長へ通知',
    approved: '承認 → 担当者タスク作成',
    rejected: '却下',
    noManager: '承認者が不明 (routing.yaml の manager)',
  },
  en: {
    title: 'Manager approval',
    pending: 'Pending',
    overdue: 'of which past the approval SLA',
    requested: 'Requested (task and notice)',
    reminders: 'Approval reminders',
    escalations: "Approver's manager told",
    approved: "Approved → rep's task created",
    rejected: 'Rejected',
    noManager: 'No approver known (routing.yaml manager)',
  },
} as const;

export function approvalSummary(a: SweepApprovals, locale: Locale, n: (v: number) => string): string[] {
  const t = L[locale];
  const keys = [
    'pending',
    'overdue',
    'requested',
    'reminders',
    'escalations',
    'approved',
    'rejected',
    'noManager',
  ] as const;
  return [
    t.title,
    ...numbers(
      keys.map((k) => [t[k], a[k]]),
      n,
    ),
    '',
  ];
}
