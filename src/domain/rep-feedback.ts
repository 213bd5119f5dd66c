import { z } from 'zod';

/**
 * The rep's verdict on a toss-up (issue 14): set by a person in the CRM, read by the connectors,
 * never written by the engine. Values are stable English codes; the CRMs show the labels of
 * src/reasons/feedback-label.ts.
 */

export const TOSSUP_RESULTS = ['accepted', 'sent_back', 'opportunity', 'lost'] as const;
export const TossUpResultSchema = z.enum(TOSSUP_RESULTS);
export type TossUpResult = z.infer<typeof TossUpResultSchema>;

export const SENT_BACK_REASONS = [
  'too_early',
  'no_decision_maker',
  'no_budget',
  'not_our_target',
  'duplicate',
  'unreachable',
  'other',
] as const;
export const SentBackReasonSchema = z.enum(SENT_BACK_REASONS);
export type SentBackReason = z.infer<typeof SentBackReasonSchema>;

export const RepFeedbackSchema = z.object({
  result: TossUpResultSchema.nullable(),
  sentBackReason: SentBackReasonSchema.nullable(),
  /** Free text the rep typed; shown to inside sales and marketing, never parsed. */
  note: z.string().nullable(),
  /** When the verdict was last changed, when the CRM tells it without an extra call (not yet). */
  changedAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
export type RepFeedback = z.infer<typeof RepFeedbackSchema>;
