/**
 * The rep's feedback options as both CRMs must offer them, [value, Japanese label] in order: spelled
 * out here (not read from src/reasons/feedback-label.ts) so that the setup tests catch a change there.
 */
export const RESULT_OPTIONS: readonly (readonly [string, string])[] = [
  ['accepted', '受入'],
  ['sent_back', '差し戻し'],
  ['opportunity', '商談化'],
  ['lost', '失注'],
];

export const SENT_BACK_REASON_OPTIONS: readonly (readonly [string, string])[] = [
  ['too_early', '時期尚早'],
  ['no_decision_maker', '決裁者不在'],
  ['no_budget', '予算なし'],
  ['not_our_target', '対象外'],
  ['duplicate', '重複'],
  ['unreachable', '連絡不可'],
  ['other', 'その他'],
];
