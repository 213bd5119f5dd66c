import { APPROVAL_DECISION_LABELS, APPROVAL_DECISIONS } from '../../src/approval/approval-values.ts';
import type { ObjectType } from './object-types.ts';
import {
  defineProperty,
  type PropertyDefinition,
  type PropertyGroupDefinition,
  prop,
} from './property-definition.ts';

/**
 * The custom properties of docs/crm-fields.md, split by who creates them in a real portal:
 * - `input`: properties the customer already keeps (hearing results, MA score, strategic tag, ...);
 *   the connector only reads them.
 * - `connector`: the toss-up fields the connector writes, and the rep's feedback it reads;
 *   `tossup setup hubspot` creates them.
 * `withCustomProperties: 'inputs-only'` gives a portal that has the first set but not the second.
 */

export const TOSSUP_GROUP: PropertyGroupDefinition = {
  name: 'tossup',
  label: 'Toss-up',
  displayOrder: 10,
  archived: false,
};

export const HEARING_ANSWERS: ReadonlyArray<readonly [string, string]> = [
  ['yes', 'あり'],
  ['no', 'なし'],
  ['unknown', '不明'],
];

export const TOSSUP_FLAG_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['yes', 'はい'],
  ['no', 'いいえ'],
  ['hold', '一時保留'],
];

export const NEXT_ACTION_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['field_sales_tossup', 'フィールドセールスへトスアップ'],
  ['inside_sales_follow_up', 'インサイドセールスがフォロー'],
  ['inside_sales_hearing', 'インサイドセールスがヒアリング'],
  ['nurture', 'ナーチャリング'],
  ['notify_is_sales_planning', 'IS/営業企画で確認'],
];

/** The sweep's SLA status (connectors/hubspot setup creates the same options). */
const SLA_STATUS_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['on_track', '期限内'],
  ['due_soon', '期限間近'],
  ['overdue', '期限超過'],
  ['escalated', 'エスカレーション済'],
  ['reassigned', '再割当済'],
  ['met', '期限内に対応'],
  ['late', '期限後に対応'],
  ['paused', '一時停止中'],
];

/** The manager's approval (issue 14; connectors/hubspot setup creates the same options). */
export const APPROVAL_OPTIONS: ReadonlyArray<readonly [string, string]> = APPROVAL_DECISIONS.map(
  (d) => [d, APPROVAL_DECISION_LABELS.ja[d]] as const,
);

/** The rep's feedback (issue 14; connectors/hubspot setup creates the same options). */
export const TOSSUP_RESULT_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['accepted', '受入'],
  ['sent_back', '差し戻し'],
  ['opportunity', '商談化'],
  ['lost', '失注'],
];

export const SENT_BACK_REASON_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['too_early', '時期尚早'],
  ['no_decision_maker', '決裁者不在'],
  ['no_budget', '予算なし'],
  ['not_our_target', '対象外'],
  ['duplicate', '重複'],
  ['unreachable', '連絡不可'],
  ['other', 'その他'],
];

const custom = { hubspotDefined: false, createdAt: Date.parse('2024-04-01T00:00:00.000Z') };
const withCustom = (p: PropertyDefinition): PropertyDefinition => ({
  ...p,
  ...custom,
  updatedAt: custom.createdAt,
});

function inputProperties(type: ObjectType): PropertyDefinition[] {
  const hearing = 'sales_properties';
  switch (type) {
    case 'contacts':
      return [
        prop.text('department', '部署', 'contactinformation'),
        prop.text('company_size', '従業員規模（自由記述）', 'contactinformation'),
        prop.number('ma_behaviour_score', 'MA 行動スコア', 'sales_properties'),
        prop.datetime('is_heard_at', 'IS ヒアリング日時', hearing),
        prop.select('is_budget', 'IS 予算', hearing, HEARING_ANSWERS),
        prop.select('is_decision_maker', 'IS 決裁者', hearing, HEARING_ANSWERS),
        prop.select('is_decision_involved', 'IS 決裁関与者', hearing, HEARING_ANSWERS),
        prop.select('is_clear_problem', 'IS 課題の明確さ', hearing, HEARING_ANSWERS),
        prop.number('is_timeline_months', 'IS 導入時期（月）', hearing),
        prop.textarea('is_hearing_notes', 'IS ヒアリングメモ', hearing),
        prop.bool('sales_tossup_request', '営業からのトスアップ依頼', hearing),
        prop.owner('sales_tossup_requested_by', 'トスアップ依頼者', hearing),
        prop.datetime('tossup_pricing_page_last_view', '料金ページ最終閲覧', 'analyticsinformation'),
      ].map(withCustom);
    case 'companies':
      return [prop.bool('strategic_target', '戦略ターゲット', 'companyinformation')].map(withCustom);
    default:
      return [];
  }
}

function connectorProperties(type: ObjectType): PropertyDefinition[] {
  const g = TOSSUP_GROUP.name;
  switch (type) {
    case 'contacts':
      return [
        prop.select('tossup_flag', 'トスアップ対象フラグ', g, TOSSUP_FLAG_OPTIONS),
        prop.textarea('tossup_reason', 'トスアップ理由', g),
        prop.select('tossup_next_action', '次のアクション', g, NEXT_ACTION_OPTIONS),
        prop.number('tossup_attribute_score', '属性スコア', g),
        prop.number('tossup_behaviour_score', '行動スコア', g),
        prop.datetime('tossup_due_at', '対応期限', g),
        prop.text('tossup_decision_key', 'トスアップ判定キー', g),
        prop.select('tossup_sla_status', 'SLA ステータス', g, SLA_STATUS_OPTIONS),
        prop.datetime('tossup_first_response_at', '初回対応日時', g),
        // Set by reps, read by the connector.
        prop.select('tossup_result', 'トスアップ結果', g, TOSSUP_RESULT_OPTIONS),
        prop.select('tossup_sent_back_reason', '差し戻し理由', g, SENT_BACK_REASON_OPTIONS),
        prop.textarea('tossup_feedback_note', 'トスアップフィードバック', g),
        // A person's override of the flag (issue 14): set by people, read by the connector.
        prop.select('tossup_override', 'トスアップ上書き', g, TOSSUP_FLAG_OPTIONS),
        // The opportunity flag (商談化フラグ, issue 14): set once by the sweep's opportunity phase.
        prop.bool('tossup_opportunity', '商談化フラグ', g),
        prop.date('tossup_opportunity_date', '商談化日', g),
        // Set by the manager, read by the sweep (issue 14, manager approval).
        prop.select('tossup_approval', 'トスアップ承認', g, APPROVAL_OPTIONS),
        prop.textarea('tossup_rejection_reason', '却下理由', g),
      ].map(withCustom);
    case 'tasks':
      return [
        defineProperty('tossup_task_key', 'トスアップタスクキー', 'string', 'text', 'task', {
          hasUniqueValue: true,
        }),
      ].map(withCustom);
    default:
      return [];
  }
}

export type CustomPropertyMode = 'all' | 'inputs-only' | 'none';

export function customPropertiesFor(type: ObjectType, mode: CustomPropertyMode): PropertyDefinition[] {
  if (mode === 'none') return [];
  const inputs = inputProperties(type);
  return mode === 'all' ? [...inputs, ...connectorProperties(type)] : inputs;
}

export function customGroupsFor(type: ObjectType, mode: CustomPropertyMode): PropertyGroupDefinition[] {
  return mode === 'all' && type === 'contacts' ? [TOSSUP_GROUP] : [];
}
