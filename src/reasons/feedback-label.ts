import type { SentBackReason, TossUpResult } from '../domain/rep-feedback.ts';
import type { Locale } from './messages.ts';

/**
 * How the rep's feedback reads in the CRM: the picklist/option labels `tossup setup` creates on both
 * CRMs (the values stay the English codes, so reports filter on stable values).
 */
export const TOSSUP_RESULT_LABELS: Readonly<Record<Locale, Readonly<Record<TossUpResult, string>>>> = {
  ja: { accepted: '受入', sent_back: '差し戻し', opportunity: '商談化', lost: '失注' },
  en: { accepted: 'Accepted', sent_back: 'Sent back', opportunity: 'Opportunity', lost: 'Lost' },
};

export const SENT_BACK_REASON_LABELS: Readonly<Record<Locale, Readonly<Record<SentBackReason, string>>>> = {
  ja: {
    too_early: '時期尚早',
    no_decision_maker: '決裁者不在',
    no_budget: '予算なし',
    not_our_target: '対象外',
    duplicate: '重複',
    unreachable: '連絡不可',
    other: 'その他',
  },
  en: {
    too_early: 'Too early',
    no_decision_maker: 'No decision maker',
    no_budget: 'No budget',
    not_our_target: 'Not our target',
    duplicate: 'Duplicate',
    unreachable: 'Unreachable',
    other: 'Other',
  },
};
