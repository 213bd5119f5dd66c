/**
 * The manager's answer as the CRMs store it (Salesforce picklist TossUp_Approval__c, HubSpot
 * enumeration tossup_approval): English codes as values, labels per language for setup.
 */
export const APPROVAL_DECISIONS = ['approved', 'rejected'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export const APPROVAL_DECISION_LABELS: Readonly<Record<'ja' | 'en', Record<ApprovalDecision, string>>> = {
  ja: { approved: '承認', rejected: '却下' },
  en: { approved: 'Approved', rejected: 'Rejected' },
};

/** The rejection reason kept in the episode, at most this long (the CRM field may be longer). */
export const REJECTION_REASON_MAX = 255;

/** A field value read back as our code (case and spacing forgiven), or null for empty or unknown. */
export function approvalDecisionOf(raw: unknown): ApprovalDecision | null {
  if (typeof raw !== 'string') return null;
  const v = raw.trim().toLowerCase();
  return (APPROVAL_DECISIONS as readonly string[]).includes(v) ? (v as ApprovalDecision) : null;
}

/** The rejection reason as recorded: trimmed, cut to REJECTION_REASON_MAX, null when empty. */
export function rejectionReasonOf(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const v = raw.trim();
  return v === '' ? null : [...v].slice(0, REJECTION_REASON_MAX).join('');
}
