import type { NextAction } from '../domain/lead.ts';
import type { Locale } from '../reasons/messages.ts';
import { FLAG_LABELS, NEXT_ACTION_LABELS } from '../reasons/next-action-label.ts';
import { reasonCodeLabel } from '../reasons/reason-code-label.ts';
import { ReasonRenderer } from '../reasons/render-reasons.ts';
import type { AfterHandoffReport } from './after-handoff-report.ts';
import { type OutcomeTally, onTimeRate } from './handoff-outcomes.ts';
import { type OwnerLoad, ownerLoads, recordOwnersSkipped } from './owner-load.ts';
import { localTime } from './render-plan.ts';
import { ratesSectionHtml } from './render-rates-html.ts';
import type { RunReport } from './run-report.ts';
import { width } from './summary-columns.ts';

/**
 * One self-contained HTML page for one or more sync runs: inline SVG charts, inline CSS, no
 * scripts and no network, so it opens from a file on any laptop and can be mailed around. Charts
 * scale to the page width, so it reads on a phone (390 px) as on a desktop.
 */

const T = {
  ja: {
    title: 'トスアップ連携 実行レポート',
    generated: '作成',
    started: '実行開始',
    leads: '読み込んだリード',
    written: '更新したリード',
    tasks: '作成したタスク',
    calls: 'API 呼び出し (最小値比)',
    duration: '所要時間',
    seconds: '秒',
    flags: 'トスアップ対象フラグ',
    actions: '次のアクション',
    reasons: '主な理由 (上位10件)',
    perRep: '担当者別タスク数',
    load: '担当者別の負荷 (取引先の担当営業としてのタスクとタスクなしの担当はプールの上限の対象外)',
    loadCols: ['担当者', 'タスク', 'うち取引先担当', 'タスクなしで担当', '最も多い期限日', '1日の上限'],
    noLimit: '上限なし',
    recordsSkipped:
      'タスクなしで担当を決めたリードのうち {n}件は担当を変えていません ({why}): routing.yaml の担当者を確認してください',
    others: 'その他 ({n}名)',
    due: 'タスク期限 (営業日)',
    attribute: '属性スコアの分布',
    behaviour: '行動スコアの分布',
    threshold: '基準 {v}',
    api: 'エンドポイント別 API 呼び出し',
    endpoint: 'エンドポイント',
    count: '回数',
    minimum: '最小値',
    failures: 'スキップ / 失敗',
    holds: '一時保留の理由',
    next: '次のステップ',
    nextAction: '{action}: {n}件',
    overload: '{name}: {date} 期限のタスク {count}件 (1日の上限 {cap}件を超過)',
    overloadHint:
      '担当営業・依頼者・キューへの割り当てはプールの上限の対象外です。routing.yaml の担当・上限を見直すか、期限を分散してください',
    skipped: 'スキップ {n}件 ({codes}): CRM 側の入力規則などを確認してください',
    failed: '失敗 {n}件 ({codes}): 次回の実行で再処理されます。続く場合は原因を確認してください',
    stoppedStep: '実行が途中で停止しました: {message}',
    none: 'なし',
    dry: 'ドライラン (書き込みなし)',
    stopped: '途中で停止',
    after: 'トスアップ後 (SLA の見張り)',
    afterLead:
      '{from} から {to} まで、{hours} 営業時間ごとに、エミュレートした営業担当がタスクに対応し (一部は遅れ、一部は対応しない)、そのたびに SLA スイープが走りました。',
    onTime: '期限内の初回対応',
    reminders: 'リマインド',
    escalations: 'マネージャーへのエスカレーション',
    managerTasks: 'マネージャータスク',
    reassignments: '再割り当て',
    messages: 'チャット投稿 (Slack)',
    repActions: '担当者の対応',
    perRepOnTime: '担当者別 期限内対応率',
    perActionOnTime: '次のアクション別 期限内対応率',
    rep: '担当者',
    turns: '受けた件数',
    onTimeCol: '期限内',
    lateCol: '遅れ',
    missedCol: '未対応 (超過/再割当)',
    pendingCol: '期限前',
    rate: '期限内率',
    styles: { prompt: '早い', steady: '普通', late: '遅れがち', never: '対応しない' },
    timeline: '経過',
    time: '時刻',
    acted: '対応',
    posted: '投稿',
    byChannel: 'チャンネル別の投稿',
    samples: '投稿されたメッセージ (例)',
    dm: 'DM',
    events: {
      'toss-up': 'トスアップ',
      reminder: 'リマインド',
      escalation: 'エスカレーション',
      reassignment: '再割り当て',
    },
    via: { task: 'タスク完了', call: '架電を記録', meeting: '商談を記録' },
  },
  en: {
    title: 'Toss-up sync report',
    generated: 'Generated',
    started: 'Started',
    leads: 'Leads read',
    written: 'Leads updated',
    tasks: 'Tasks created',
    calls: 'API calls (vs minimum)',
    duration: 'Duration',
    seconds: 's',
    flags: 'Toss-up flag',
    actions: 'Next action',
    reasons: 'Top reasons (10)',
    perRep: 'Tasks per rep',
    load: 'Load per owner (account-owner tasks and leads owned without a task are not capped by pools)',
    loadCols: ['Owner', 'Tasks', 'as account owner', 'owned, no task', 'busiest due date', 'daily capacity'],
    noLimit: 'no limit',
    recordsSkipped:
      '{n} leads given an owner without a task kept their owner ({why}): check the reps in routing.yaml',
    others: 'others ({n})',
    due: 'Task due dates (business days)',
    attribute: 'Fit score distribution',
    behaviour: 'Behaviour score distribution',
    threshold: 'threshold {v}',
    api: 'API calls per endpoint',
    endpoint: 'Endpoint',
    count: 'Calls',
    minimum: 'Minimum',
    failures: 'Skipped / failed',
    holds: 'Why leads are on hold',
    next: 'Next steps',
    nextAction: '{action}: {n}',
    overload: '{name}: {count} tasks due {date} (daily capacity {cap})',
    overloadHint:
      'account-owner, requester and queue assignments are not capped like pools: review owners and capacity in routing.yaml, or spread the due dates',
    skipped: '{n} skipped ({codes}): check the CRM validation rules',
    failed: '{n} failed ({codes}): the next run retries them; look into the cause if it persists',
    stoppedStep: 'The run stopped early: {message}',
    none: 'none',
    dry: 'dry run (nothing written)',
    stopped: 'stopped early',
    after: 'After the hand-off (SLA watch)',
    afterLead:
      'From {from} to {to}, every {hours} business hours, emulated reps acted on their tasks (some late, some never) and the SLA sweep ran.',
    onTime: 'First responses on time',
    reminders: 'Reminders',
    escalations: 'Escalations to managers',
    managerTasks: 'Manager tasks',
    reassignments: 'Reassignments',
    messages: 'Chat messages (Slack)',
    repActions: 'Rep actions',
    perRepOnTime: 'On-time rate per rep',
    perActionOnTime: 'On-time rate per next action',
    rep: 'Rep',
    turns: 'Received',
    onTimeCol: 'On time',
    lateCol: 'Late',
    missedCol: 'Missed (overdue/reassigned)',
    pendingCol: 'Not due yet',
    rate: 'On-time rate',
    styles: { prompt: 'prompt', steady: 'steady', late: 'often late', never: 'never answers' },
    timeline: 'Timeline',
    time: 'Time',
    acted: 'Acted',
    posted: 'Posted',
    byChannel: 'Messages per channel',
    samples: 'Messages as posted (examples)',
    dm: 'DM',
    events: {
      'toss-up': 'toss-up',
      reminder: 'reminder',
      escalation: 'escalation',
      reassignment: 'reassignment',
    },
    via: { task: 'task completed', call: 'call logged', meeting: 'meeting logged' },
  },
} as const;

const COLORS = {
  yes: '#2f9e44',
  no: '#868e96',
  hold: '#f08c00',
  bar: '#1c7ed6',
  alt: '#7048e8',
  over: '#e03131',
  mark: '#c92a2a',
};
/** Rows of the per-rep chart; the rest are summed in one "others" row. */
const REP_ROWS = 15;
/** Bucket widths and tops of run-report.ts `scoreBucket`, to place threshold markers. */
const BUCKETS = { attribute: { width: 10, top: 100 }, behaviour: { width: 20, top: 200 } } as const;

export interface ReportPageInput {
  reports: readonly RunReport[];
  /** CRM owner id → display name, for owners the run report does not name itself. */
  ownerNames?: Readonly<Record<string, string>>;
  locale: Locale;
  /** ISO instant the page was made; shown in `timeZone`. */
  generatedAt: string;
  /** Zone of the times on the page (default Asia/Tokyo, shown as JST). */
  timeZone?: string;
  /** The demo's business days after the sync: reps, sweeps, SLA outcomes, chat messages. */
  afterHandoff?: AfterHandoffReport;
}

type Labels = (typeof T)[Locale];

export function renderReportHtml(input: ReportPageInput): string {
  const t = T[input.locale];
  const zone = input.timeZone ?? 'Asia/Tokyo';
  const sections = [
    ...input.reports.map((r) => crmSection(r, input, t, zone)),
    ...(input.afterHandoff ? [afterHandoffSection(input.afterHandoff, input.locale, t, zone)] : []),
  ].join('\n');
  return `<!doctype html>
<html lang="${input.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.title)}</title>
<style>
*{box-sizing:border-box}
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP","Noto Sans CJK JP",sans-serif;margin:0;background:#f8f9fa;color:#212529;overflow-wrap:anywhere}
header{background:#1864ab;color:#fff;padding:1rem 2rem}header h1{margin:0;font-size:1.4rem}header p{margin:.3rem 0 0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:1rem 2rem 3rem}
section.crm{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:1rem 1.5rem;margin:1.5rem 0}
h2{margin:.2rem 0 1rem;font-size:1.25rem}h3{font-size:1rem;margin:1.2rem 0 .4rem;color:#495057}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{background:#f1f3f5;border-radius:6px;padding:.6rem 1rem;min-width:150px;flex:1 1 150px}
.card b{display:block;font-size:1.4rem}.card span{font-size:.85rem;color:#495057}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr));gap:0 2rem}.wide-cell{grid-column:1/-1}
.grid>div{min-width:0}
svg{display:block;width:100%;height:auto}
table{border-collapse:collapse;font-size:.9rem;max-width:100%}td,th{border-bottom:1px solid #e9ecef;padding:.25rem .8rem;text-align:left}td.n,th.n{text-align:right}
ul.list{margin:.2rem 0;padding-left:1.2rem}ul.list li{margin:.2rem 0}li.warn{color:#c92a2a}
table.after small{color:#495057}table.after td.n{white-space:nowrap;overflow-wrap:normal}.msg{background:#f1f3f5;border-left:4px solid #1c7ed6;border-radius:4px;padding:.4rem .7rem;margin:.4rem 0;font-size:.9rem}.msg small{display:block;color:#495057}
.tag{display:inline-block;background:#fff3bf;border-radius:4px;padding:0 .4rem;margin-left:.5rem;font-size:.8rem}
svg text{font-size:12px;fill:#343a40}
@media (max-width:600px){header{padding:.8rem 1rem}main{padding:.5rem .6rem 2rem}section.crm{padding:.8rem}td,th{padding:.25rem .4rem}table.after .wide{display:none}}
</style></head>
<body><header><h1>${esc(t.title)}</h1><p>${esc(t.generated)}: ${esc(when(input.generatedAt, zone))}</p></header>
<main>
${sections}
</main></body></html>
`;
}

/** `2026-12-02 16:33 JST`: the reader's local time, not UTC. */
function when(iso: string, zone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${localTime(iso, zone)} ${zone === 'Asia/Tokyo' ? 'JST' : zone}`;
}

function crmSection(r: RunReport, input: ReportPageInput, t: Labels, zone: string): string {
  const locale = input.locale;
  const n = (v: number) => v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
  // The minimum is a theoretical count (pages × calls per page): whole calls, and the ratio against that.
  const minimum = Math.ceil(r.api.minimum);
  const ratio = minimum > 0 ? ` (${(r.api.total / minimum).toFixed(2)}×)` : '';
  const cards: Array<[string, string]> = [
    [t.leads, n(r.counts.leadsRead)],
    [t.written, n(r.counts.written + r.counts.planned)],
    [t.tasks, n(r.counts.tasksCreated + r.counts.tasksPlanned)],
    [t.calls, `${n(r.api.total)}${ratio}`],
    [t.duration, `${(r.durationMs / 1000).toFixed(1)} ${t.seconds}`],
    [t.failures, `${n(r.skips.count)} / ${n(r.failures.count)}`],
  ];
  const cardHtml = cards
    .map(([k, v]) => `<div class="card"><b>${esc(v)}</b><span>${esc(k)}</span></div>`)
    .join('');
  const flags = (['yes', 'hold', 'no'] as const).map((f) => ({
    label: FLAG_LABELS[locale][f],
    value: r.byFlag[f] ?? 0,
    color: COLORS[f],
  }));
  const actionLabel = (a: string) => NEXT_ACTION_LABELS[locale][a as NextAction] ?? a;
  const reasons = top(r.byReasonCode, 10).map(([code, v]) => ({
    label: reasonCodeLabel(code, locale),
    value: v,
  }));
  const loads = ownerLoads(r).map((l) => ({
    ...l,
    name: r.owners?.[l.ownerId] ? l.name : (input.ownerNames?.[l.ownerId] ?? l.name),
  }));
  const reps: Bar[] = loads.slice(0, REP_ROWS).map((l) => ({
    label: l.name,
    value: l.tasks,
    color: l.over ? COLORS.over : COLORS.alt,
  }));
  const rest = loads.slice(REP_ROWS);
  if (rest.length > 0)
    reps.push({
      label: t.others.replace('{n}', n(rest.length)),
      value: rest.reduce((a, l) => a + l.tasks, 0),
      color: COLORS.no,
    });
  const due = Object.entries(r.dueDates)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([d, v]) => ({ label: d, value: v }));
  const api = Object.entries(r.api.calls)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${n(v)}</td></tr>`)
    .join('');
  const tags = `${r.dryRun ? `<span class="tag">${esc(t.dry)}</span>` : ''}${r.status === 'stopped' ? `<span class="tag">${esc(t.stopped)}: ${esc(r.stop?.message ?? '')}</span>` : ''}`;
  const crm = r.crm === 'salesforce' ? 'Salesforce' : r.crm === 'hubspot' ? 'HubSpot' : r.crm;
  const th = r.scoreThresholds ?? {};
  return `<section class="crm"><h2>${esc(crm)} · ${esc(r.rules.name)}@${esc(r.rules.version)}${tags}</h2>
<p>${esc(t.started)}: ${esc(when(r.startedAt, zone))}</p>
<div class="cards">${cardHtml}</div>
<div class="grid">
<div><h3>${esc(t.next)}</h3>${list(nextSteps(r, loads, t, locale, n))}</div>
<div><h3>${esc(t.holds)}</h3>${list(holdList(r, locale, n))}</div>
<div><h3>${esc(t.flags)}</h3>${hbar(flags, n)}</div>
<div><h3>${esc(t.actions)}</h3>${hbar(
    top(r.byNextAction, 6).map(([k, v]) => ({ label: actionLabel(k), value: v })),
    n,
  )}</div>
<div><h3>${esc(t.reasons)}</h3>${hbar(reasons, n)}</div>
<div><h3>${esc(t.perRep)}</h3>${hbar(reps, n, COLORS.alt)}</div>
<div><h3>${esc(t.attribute)}</h3>${vbar(buckets(r.scores.attribute), n, marker(th.attribute, 'attribute', t, n))}</div>
<div><h3>${esc(t.behaviour)}</h3>${vbar(buckets(r.scores.behaviour), n, marker(th.behaviour, 'behaviour', t, n))}</div>
<div><h3>${esc(t.due)}</h3>${hbar(due, n)}</div>
<div class="wide-cell"><h3>${esc(t.load)}</h3>${loadTable(loads, t, n)}</div>
<div><h3>${esc(t.api)}</h3><table><tr><th>${esc(t.endpoint)}</th><th class="n">${esc(t.count)}</th></tr>${api || `<tr><td>${esc(t.none)}</td><td></td></tr>`}<tr><th>${esc(t.minimum)}</th><th class="n">${n(minimum)}</th></tr></table></div>
</div></section>`;
}

/** The demo's days after the sync: what the reps did, what the ladder did, what chat received. */
function afterHandoffSection(a: AfterHandoffReport, locale: Locale, t: Labels, zone: string): string {
  const n = (v: number) => v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
  const pct = (tally: OutcomeTally) => {
    const r = onTimeRate(tally);
    return r === null ? '–' : `${Math.round(r * 100)}%`;
  };
  const judged = (x: OutcomeTally) => x.onTime + x.late + x.missed + x.overdue;
  const cards: Array<[string, string]> = [
    [`${t.onTime} (${n(a.total.onTime)}/${n(judged(a.total))})`, pct(a.total)],
    [t.reminders, n(a.ladder.reminders)],
    [t.escalations, n(a.ladder.escalations)],
    [t.managerTasks, n(a.ladder.managerTasks)],
    [t.reassignments, n(a.ladder.reassignments)],
    [t.messages, n(a.messages.total)],
  ];
  const cardHtml = cards
    .map(([k, v]) => `<div class="card"><b>${esc(v)}</b><span>${esc(k)}</span></div>`)
    .join('');
  const styleLabel = (s: string | undefined) =>
    s === undefined ? '' : ((t.styles as Record<string, string>)[s] ?? s);
  const rateBar = (label: string, tally: OutcomeTally): Bar => {
    const r = onTimeRate(tally);
    return {
      label,
      value: r === null ? 0 : Math.round(r * 100),
      color: r === null ? COLORS.no : r >= 0.8 ? COLORS.yes : r >= 0.5 ? COLORS.hold : COLORS.over,
    };
  };
  const pctFmt = (v: number) => `${v}%`;
  // Columns marked "wide" are left out on a phone, so the table fits 390 px without scrolling.
  const repRows = a.reps
    .map((r) => {
      const style = styleLabel(r.style);
      return `<tr><td>${esc(r.name)}${style ? `<br><small>${esc(style)}</small>` : ''}</td><td class="n">${n(r.tally.turns)}</td><td class="n">${n(r.tally.onTime)}</td><td class="n">${n(r.tally.late)}</td><td class="n">${n(r.tally.missed + r.tally.overdue)}</td><td class="n wide">${n(r.tally.pending)}</td><td class="n"><b>${pct(r.tally)}</b></td><td class="n wide">${n(r.ladder.reminders)}</td><td class="n wide">${n(r.ladder.escalations)}</td><td class="n wide">${n(r.ladder.reassignments)}</td></tr>`;
    })
    .join('');
  const actionLabel = (x: string) => NEXT_ACTION_LABELS[locale][x as NextAction] ?? x;
  const eventLabel = (e: string) => (t.events as Record<string, string>)[e] ?? e;
  const timeline = a.steps
    .map(
      (s) =>
        `<tr><td>${esc(localTime(s.at, zone).slice(5))}</td><td class="n">${n(s.acted)}</td><td class="n wide">${n(s.reminders)}</td><td class="n">${n(s.escalations)}</td><td class="n wide">${n(s.reassignments)}</td><td class="n">${n(s.messages)}</td></tr>`,
    )
    .join('');
  const channels = top(a.messages.byChannel, 10).map(([c, v]) => ({
    label: c === 'DM' ? t.dm : c,
    value: v,
  }));
  const via = Object.entries(a.repActions.byVia)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => ({ label: (t.via as Record<string, string>)[k] ?? k, value: v }));
  const samples = a.messages.samples
    .map(
      (m) =>
        `<div class="msg"><small>${esc(m.channel === 'DM' ? t.dm : m.channel)} · ${esc(eventLabel(m.event))} · ${esc(localTime(m.at, zone))}</small>${esc(m.text)}</div>`,
    )
    .join('');
  const lead = t.afterLead
    .replace('{from}', when(a.from, zone))
    .replace('{to}', when(a.to, zone))
    .replace('{hours}', n(a.stepHours));
  return `<section class="crm" id="after-the-hand-off"><h2>${esc(t.after)}</h2>
<p>${esc(lead)}</p>
<div class="cards">${cardHtml}</div>
<h3>${esc(t.perRepOnTime)}</h3>
<table class="after"><tr><th>${esc(t.rep)}</th><th class="n">${esc(t.turns)}</th><th class="n">${esc(t.onTimeCol)}</th><th class="n">${esc(t.lateCol)}</th><th class="n">${esc(t.missedCol)}</th><th class="n wide">${esc(t.pendingCol)}</th><th class="n">${esc(t.rate)}</th><th class="n wide">${esc(t.reminders)}</th><th class="n wide">${esc(t.escalations)}</th><th class="n wide">${esc(t.reassignments)}</th></tr>${repRows || `<tr><td>${esc(t.none)}</td></tr>`}</table>
<div class="grid">
<div><h3>${esc(t.perRepOnTime)}</h3>${hbar(
    a.reps.filter((r) => onTimeRate(r.tally) !== null).map((r) => rateBar(r.name, r.tally)),
    pctFmt,
  )}</div>
<div><h3>${esc(t.perActionOnTime)}</h3>${hbar(
    a.nextActions.map((x) => rateBar(actionLabel(x.action), x.tally)),
    pctFmt,
  )}</div>
<div><h3>${esc(t.repActions)}</h3>${hbar(via, n, COLORS.alt)}</div>
<div><h3>${esc(t.byChannel)}</h3>${hbar(channels, n)}</div>
</div>
${ratesSectionHtml(a, locale)}
<h3>${esc(t.samples)}</h3>${samples || '<p>–</p>'}
<h3>${esc(t.timeline)}</h3>
<table class="after"><tr><th>${esc(t.time)}</th><th class="n">${esc(t.acted)}</th><th class="n wide">${esc(t.reminders)}</th><th class="n">${esc(t.escalations)}</th><th class="n wide">${esc(t.reassignments)}</th><th class="n">${esc(t.posted)}</th></tr>${timeline}</table>
</section>`;
}

interface Item {
  text: string;
  warn?: boolean;
}

function list(items: readonly Item[]): string {
  if (items.length === 0) return '<p>–</p>';
  return `<ul class="list">${items.map((i) => `<li${i.warn ? ' class="warn"' : ''}>${esc(i.text)}</li>`).join('')}</ul>`;
}

/** What people should do after this run: overloaded owners, records to fix, the work handed out. */
function nextSteps(
  r: RunReport,
  loads: ReadonlyArray<{
    name: string;
    over: boolean;
    busiestDate: string | null;
    busiestCount: number;
    capacity: number | null;
  }>,
  t: Labels,
  locale: Locale,
  n: (v: number) => string,
): Item[] {
  const items: Item[] = [];
  if (r.stop) items.push({ text: t.stoppedStep.replace('{message}', r.stop.message), warn: true });
  const over = loads.filter((x) => x.over);
  for (const l of over)
    items.push({
      text: t.overload
        .replace('{name}', l.name)
        .replace('{date}', l.busiestDate ?? '')
        .replace('{count}', n(l.busiestCount))
        .replace('{cap}', n(l.capacity ?? 0)),
      warn: true,
    });
  if (over.length > 0) items.push({ text: t.overloadHint });
  const skipped = Object.entries(recordOwnersSkipped(r));
  if (skipped.length > 0)
    items.push({
      text: t.recordsSkipped
        .replace('{n}', n(skipped.reduce((a, [, v]) => a + v, 0)))
        .replace('{why}', skipped.map(([why, v]) => `${why} ${n(v)}`).join(', ')),
      warn: true,
    });
  const codes = (byCode: Record<string, number>) =>
    top(byCode, 3)
      .map(([c]) => c)
      .join(', ');
  if (r.skips.count > 0)
    items.push({
      text: t.skipped.replace('{n}', n(r.skips.count)).replace('{codes}', codes(r.skips.byCode)),
      warn: true,
    });
  if (r.failures.count > 0)
    items.push({
      text: t.failed.replace('{n}', n(r.failures.count)).replace('{codes}', codes(r.failures.byCode)),
      warn: true,
    });
  // The work this run handed out (nurture goes to marketing, not to a person's task list).
  for (const [action, count] of top(r.byNextAction, 6)) {
    if (action === 'nurture') continue;
    const label = NEXT_ACTION_LABELS[locale][action as NextAction] ?? action;
    items.push({ text: t.nextAction.replace('{action}', label).replace('{n}', n(count)) });
  }
  return items;
}

/** Held leads by what they wait for ("従業員数が未入力 12", "戦略ターゲット → IS/営業企画で確認 24"). */
function holdList(r: RunReport, locale: Locale, n: (v: number) => string): Item[] {
  const renderer = new ReasonRenderer(locale);
  return top(r.holdReasons ?? {}, 10).map(([key, count]) => {
    const m = /^(missing|invalid|data_issue):(.+)$/.exec(key);
    const label = m
      ? renderer.render({ code: m[1]!, params: { field: m[2]!, raw: '…', path: m[2]!, problem: '' } })
      : reasonCodeLabel(key, locale);
    return { text: `${label}: ${n(count)}` };
  });
}

interface Bar {
  label: string;
  value: number;
  color?: string;
}

/** Half-width columns that fit the 200-unit label slot at 12 px. */
const LABEL_UNITS = 27;

/**
 * Horizontal bars with the label on the left and the value at the end of the bar. The SVG scales to
 * its column; a label too long for its slot is shortened with "…" and keeps the full text as a tooltip.
 */
/** Each owner's load: tasks, the account-owner share, leads owned without a task, busiest day vs capacity. */
function loadTable(loads: readonly OwnerLoad[], t: Labels, n: (v: number) => string): string {
  if (loads.length === 0) return '<p>–</p>';
  const head = t.loadCols.map((c, i) => `<th${i > 0 ? ' class="n"' : ''}>${esc(c)}</th>`).join('');
  const rows = loads
    .slice(0, REP_ROWS)
    .map((l) => {
      const cells = [
        n(l.tasks),
        n(l.accountOwnerTasks),
        n(l.records),
        l.busiestDate ? `${l.busiestDate} (${n(l.busiestCount)})` : '–',
        l.capacity === null ? t.noLimit : n(l.capacity),
      ];
      const style = l.over ? ` style="color:${COLORS.over};font-weight:600"` : '';
      return `<tr${style}><td>${esc(l.name)}${l.over ? ' ⚠' : ''}</td>${cells.map((c) => `<td class="n">${esc(c)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<table class="after"><tr>${head}</tr>${rows}</table>`;
}

function hbar(bars: readonly Bar[], n: (v: number) => string, color = COLORS.bar): string {
  if (bars.length === 0) return '<p>–</p>';
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 24;
  const labelW = 200;
  const barW = 200;
  const w = labelW + barW + 60;
  const h = bars.length * row + 4;
  const rows = bars
    .map((b, i) => {
      const y = i * row + 2;
      const bw = Math.round((b.value / max) * barW);
      const short = truncate(b.label, LABEL_UNITS);
      const tip = short !== b.label ? `<title>${esc(b.label)}</title>` : '';
      return `<g><text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${tip}${esc(short)}</text><rect x="${labelW}" y="${y + 3}" width="${bw}" height="16" rx="2" fill="${b.color ?? color}">${tip ? `<title>${esc(b.label)}: ${n(b.value)}</title>` : ''}</rect><text x="${labelW + bw + 4}" y="${y + 15}">${n(b.value)}</text></g>`;
    })
    .join('');
  return `<svg role="img" viewBox="0 0 ${w} ${h}" style="max-width:${w}px">${rows}</svg>`;
}

interface Marker {
  /** Position on the bucket axis: bucket index plus the fraction into that bucket. */
  at: number;
  label: string;
}

function marker(
  threshold: number | undefined,
  score: keyof typeof BUCKETS,
  t: Labels,
  n: (v: number) => string,
): Marker | undefined {
  if (threshold === undefined) return undefined;
  const { width, top: cap } = BUCKETS[score];
  return { at: Math.min(threshold, cap) / width, label: t.threshold.replace('{v}', n(threshold)) };
}

/** Vertical bars for a histogram (every bucket of the axis, empty ones too) and the threshold as a line. */
function vbar(bars: readonly Bar[], n: (v: number) => string, mark?: Marker): string {
  if (bars.every((b) => b.value === 0)) return '<p>–</p>';
  const max = Math.max(1, ...bars.map((b) => b.value));
  const col = 36;
  const chartH = 140;
  const top = 20;
  const w = bars.length * col + 10;
  const cols = bars
    .map((b, i) => {
      const h = Math.round((b.value / max) * chartH);
      const x = i * col + 5;
      return `<rect x="${x + 3}" y="${chartH - h + top}" width="${col - 6}" height="${h}" rx="2" fill="${COLORS.bar}"/><text x="${x + col / 2}" y="${chartH - h + top - 4}" text-anchor="middle">${b.value ? n(b.value) : ''}</text><text x="${x + col / 2}" y="${chartH + top + 16}" text-anchor="middle">${esc(b.label)}</text>`;
    })
    .join('');
  const line = mark
    ? (() => {
        // The line crosses the bars; its label sits under the axis, where no bar value can cover it.
        const x = Math.round(5 + mark.at * col);
        const anchor = x > w / 2 ? 'end' : 'start';
        const tx = anchor === 'end' ? x - 4 : x + 4;
        return `<line class="threshold" x1="${x}" x2="${x}" y1="${top - 6}" y2="${chartH + top + 22}" stroke="${COLORS.mark}" stroke-width="2" stroke-dasharray="5 3"/><text x="${tx}" y="${chartH + top + 34}" text-anchor="${anchor}" style="fill:${COLORS.mark}">${esc(mark.label)}</text>`;
      })()
    : '';
  const h = chartH + top + (mark ? 40 : 24);
  return `<svg role="img" viewBox="0 0 ${w} ${h}" style="max-width:${w}px">${cols}${line}</svg>`;
}

/** Every bucket of the histogram's axis (0-9 … 100+), so the axis and the threshold marker line up. */
function buckets(counts: Readonly<Record<string, number>>): Bar[] {
  const keys = Object.keys(counts);
  const top = keys.find((k) => k.endsWith('+'));
  const widthOf = keys.map((k) => /^(\d+)-(\d+)$/.exec(k)).find(Boolean);
  if (!top && !widthOf) return [];
  const width = widthOf ? Number(widthOf[2]) - Number(widthOf[1]) + 1 : 10;
  const cap = top ? Number.parseInt(top, 10) : Math.max(...keys.map((k) => Number.parseInt(k, 10))) + width;
  const out: Bar[] = [];
  for (let low = 0; low < cap; low += width)
    out.push({ label: String(low), value: counts[`${low}-${low + width - 1}`] ?? 0 });
  out.push({ label: `${cap}+`, value: counts[`${cap}+`] ?? 0 });
  return out;
}

function top(counts: Readonly<Record<string, number>>, k: number): Array<[string, number]> {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k);
}

/** Shortened to `units` half-width columns (a Japanese character takes two), ending in "…". */
function truncate(s: string, units: number): string {
  if (width(s) <= units) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const w = width(ch);
    if (used + w > units - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
