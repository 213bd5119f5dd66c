import type { NextAction } from '../domain/lead.ts';
import type { SentBackReason } from '../domain/rep-feedback.ts';
import { SENT_BACK_REASON_LABELS } from '../reasons/feedback-label.ts';
import type { Locale } from '../reasons/messages.ts';
import { FLAG_LABELS, NEXT_ACTION_LABELS } from '../reasons/next-action-label.ts';
import { reasonCodeLabel } from '../reasons/reason-code-label.ts';

/** Every word `tossup review` prints, in Japanese and English (the renderers share them). */
export const REVIEW_LABELS = {
  ja: {
    title: 'トスアップ レビュー',
    period: { week: '週次', month: '月次', range: '期間' },
    asOf: '時点',
    summary: '期間の判定',
    decisions: '判定',
    leads: 'リード',
    tossups: 'トスアップ',
    followUp: '週次フォロー状況',
    followUpLead:
      '期間中にトスアップされたものの初回対応。期限 (SLA) を過ぎても未対応のものは遅延として数える。時間は SLA の時計 (営業時間)。',
    open: '対応中のトスアップ (担当者別)',
    openCol: '対応中',
    unanswered: '未対応',
    overdue: '期限超過',
    overdueAge: { lt1d: '超過 1日未満', d1to3: '1〜3日', d3to7: '3〜7日', ge7d: '7日以上' },
    responseByRep: '初回対応 (担当者別)',
    responseByNextAction: '初回対応 (次アクション別)',
    rep: '担当者',
    nextAction: '次アクション',
    handedOff: 'トスアップ',
    answered: '対応済み',
    onTime: '期限内',
    late: '遅延',
    unansweredLate: '未対応・期限超過',
    notDue: '期限前',
    onTimeRate: '期限内率',
    p50: '初回対応 p50 (時間)',
    p90: '初回対応 p90 (時間)',
    escalations: 'エスカレーション (ラダーの段)',
    action: '段',
    steps: '回数',
    ladder: {
      remind_owner: '担当者へリマインド',
      notify_manager: 'マネージャーへ通知',
      manager_task: 'マネージャーのタスク',
      reassign: '再割り当て',
    } as Record<string, string>,
    accuracy: '月次 精度レビュー',
    accuracyLead:
      '期間中に判定されたトスアップのその後。受入率 = 受入 (商談化・失注を含む) ÷ 判定済み、商談化率 = 商談化 ÷ トスアップ。',
    byReason: '理由別',
    byRule: 'ルール別',
    byCampaign: 'キャンペーン別',
    bySource: 'ソース別 (CRM・オブジェクト)',
    byRepRates: '担当者別',
    reason: '理由',
    rule: 'ルール',
    campaign: 'キャンペーン',
    source: 'ソース',
    judged: '判定済み',
    accepted: '受入',
    sentBack: '差し戻し',
    opportunities: '商談化',
    acceptanceRate: '受入率',
    opportunityRate: '商談化率',
    heatMap: '属性スコア × 行動スコア',
    heatMapLead:
      '期間中に判定されたリード (リードごとに最後の判定) の件数と商談化率。線はルールセットの基準値。',
    attribute: '属性スコア',
    behaviour: '行動スコア',
    threshold: '基準',
    cell: 'セル',
    sentBackReasons: '差し戻し理由',
    lostReasons: '失注理由',
    count: '件数',
    noReason: '(理由なし)',
    missed: '取りこぼし (いいえ・保留 → 商談化)',
    missedLead: 'ルールが「いいえ」または「一時保留」と判定したのに商談になったリード。',
    missedKind: {
      override: '人が上書き',
      checked: '保留で確認へ',
      late: '後からトスアップ',
      no_toss_up: 'トスアップなし',
    },
    kind: '種類',
    lead: 'リード',
    crm: 'CRM',
    flag: '判定',
    decidedAt: '判定日時',
    opportunityAt: '商談化日時',
    noise: 'ノイズ (差し戻し・商談化なし)',
    noiseLead: (days: number) =>
      `差し戻されたトスアップ、または ${days} 日たっても商談にならないトスアップ。`,
    why: '理由',
    whyLabel: { sent_back: '差し戻し', no_opportunity: '商談化なし' },
    load: '担当者の負荷 (キャパシティ比)',
    loadLead: '期間中のトスアップ数を営業日で割り、routing.yaml の日次キャパシティと比べる。',
    businessDays: '営業日',
    perDay: '1日あたり',
    busiestDay: '最多の日',
    capacity: '日次キャパシティ',
    utilisation: '使用率',
    shown: (n: number, total: number) => `${total} 件中 ${n} 件を表示`,
    none: 'なし',
    noLimit: '上限なし',
  },
  en: {
    title: 'Toss-up review',
    period: { week: 'Week', month: 'Month', range: 'Period' },
    asOf: 'as of',
    summary: 'Decisions in the period',
    decisions: 'Decisions',
    leads: 'Leads',
    tossups: 'Toss-ups',
    followUp: 'Weekly follow-up status',
    followUpLead:
      "First responses to the toss-ups handed off in the period. One never answered whose SLA has run out counts as late. Hours are on the SLA's clock (business hours).",
    open: 'Open toss-ups per rep',
    openCol: 'Open',
    unanswered: 'Unanswered',
    overdue: 'Overdue',
    overdueAge: { lt1d: 'Overdue < 1 day', d1to3: '1–3 days', d3to7: '3–7 days', ge7d: '7+ days' },
    responseByRep: 'First response per rep',
    responseByNextAction: 'First response per next action',
    rep: 'Rep',
    nextAction: 'Next action',
    handedOff: 'Toss-ups',
    answered: 'Answered',
    onTime: 'On time',
    late: 'Late',
    unansweredLate: 'Unanswered, past due',
    notDue: 'Not due yet',
    onTimeRate: 'On-time rate',
    p50: 'First response p50 (h)',
    p90: 'First response p90 (h)',
    escalations: 'Escalations (ladder steps)',
    action: 'Step',
    steps: 'Steps',
    ladder: {
      remind_owner: 'Reminder to the owner',
      notify_manager: 'Manager notified',
      manager_task: 'Manager task',
      reassign: 'Reassigned',
    } as Record<string, string>,
    accuracy: 'Monthly accuracy review',
    accuracyLead:
      'What became of the toss-ups decided in the period. Acceptance = accepted (including opportunities and losses) ÷ judged; opportunity rate = opportunities ÷ toss-ups.',
    byReason: 'By reason',
    byRule: 'By rule',
    byCampaign: 'By campaign',
    bySource: 'By source (CRM and object)',
    byRepRates: 'By rep',
    reason: 'Reason',
    rule: 'Rule',
    campaign: 'Campaign',
    source: 'Source',
    judged: 'Judged',
    accepted: 'Accepted',
    sentBack: 'Sent back',
    opportunities: 'Opportunities',
    acceptanceRate: 'Acceptance',
    opportunityRate: 'Opportunity rate',
    heatMap: 'Attribute score × behaviour score',
    heatMapLead:
      "Leads decided in the period (each lead's last decision): how many, and the opportunity rate. Lines: the rule set's thresholds.",
    attribute: 'Attribute score',
    behaviour: 'Behaviour score',
    threshold: 'threshold',
    cell: 'Cell',
    sentBackReasons: 'Sent-back reasons',
    lostReasons: 'Lost reasons',
    count: 'Count',
    noReason: '(no reason)',
    missed: 'Missed (no or hold → opportunity)',
    missedLead: 'Leads the rules decided no or hold to that became an opportunity.',
    missedKind: {
      override: 'overridden by a person',
      checked: 'on hold for a check',
      late: 'tossed up later',
      no_toss_up: 'no toss-up',
    },
    kind: 'Kind',
    lead: 'Lead',
    crm: 'CRM',
    flag: 'Flag',
    decidedAt: 'Decided',
    opportunityAt: 'Opportunity',
    noise: 'Noise (sent back, or no opportunity)',
    noiseLead: (days: number) => `Toss-ups sent back, or without an opportunity ${days} days after.`,
    why: 'Why',
    whyLabel: { sent_back: 'sent back', no_opportunity: 'no opportunity' },
    load: 'Load per rep against capacity',
    loadLead: "Toss-ups in the period per business day, against routing.yaml's daily capacity.",
    businessDays: 'Business days',
    perDay: 'Per day',
    busiestDay: 'Busiest day',
    capacity: 'Daily capacity',
    utilisation: 'Utilisation',
    shown: (n: number, total: number) => `${n} of ${total} shown`,
    none: 'none',
    noLimit: 'no limit',
  },
} as const;

export type ReviewLabels = (typeof REVIEW_LABELS)[Locale];

export function nextActionLabel(code: string, locale: Locale): string {
  return NEXT_ACTION_LABELS[locale][code as NextAction] ?? code;
}

export function flagLabel(code: string | null, locale: Locale): string {
  if (code === null) return '–';
  return FLAG_LABELS[locale][code as 'yes' | 'no' | 'hold'] ?? code;
}

export function reasonLabel(code: string | null, locale: Locale): string {
  return code === null ? '–' : reasonCodeLabel(code, locale);
}

export function sentBackReasonLabel(code: string | null, locale: Locale): string {
  if (code === null) return REVIEW_LABELS[locale].noReason;
  return SENT_BACK_REASON_LABELS[locale][code as SentBackReason] ?? code;
}

export function percent(r: number | null): string {
  return r === null ? '–' : `${Math.round(r * 1000) / 10}%`;
}

export function hours(h: number | null): string {
  return h === null ? '–' : String(Math.round(h * 10) / 10);
}
