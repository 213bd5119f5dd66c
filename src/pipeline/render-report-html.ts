import type { NextAction } from '../domain/lead.ts';
import type { Locale } from '../reasons/messages.ts';
import { FLAG_LABELS, NEXT_ACTION_LABELS } from '../reasons/next-action-label.ts';
import { reasonCodeLabel } from '../reasons/reason-code-label.ts';
import type { RunReport } from './run-report.ts';

/**
 * One self-contained HTML page for one or more sync runs: inline SVG charts, inline CSS, no
 * scripts and no network, so it opens from a file on any laptop and can be mailed around.
 */

const T = {
  ja: {
    title: 'トスアップ連携 実行レポート',
    leads: '読み込んだリード',
    written: '更新したリード',
    tasks: '作成したタスク',
    calls: 'API 呼び出し (最小値比)',
    duration: '所要時間',
    flags: 'トスアップ対象フラグ',
    actions: '次のアクション',
    reasons: '主な理由 (上位10件)',
    perRep: '担当者別タスク数',
    due: 'タスク期限 (営業日)',
    attribute: '属性スコアの分布',
    behaviour: '行動スコアの分布',
    api: 'エンドポイント別 API 呼び出し',
    endpoint: 'エンドポイント',
    count: '回数',
    minimum: '最小値',
    failures: 'スキップ / 失敗',
    none: 'なし',
    dry: 'ドライラン (書き込みなし)',
    stopped: '途中で停止',
  },
  en: {
    title: 'Toss-up sync report',
    leads: 'Leads read',
    written: 'Leads updated',
    tasks: 'Tasks created',
    calls: 'API calls (vs minimum)',
    duration: 'Duration',
    flags: 'Toss-up flag',
    actions: 'Next action',
    reasons: 'Top reasons (10)',
    perRep: 'Tasks per rep',
    due: 'Task due dates (business days)',
    attribute: 'Fit score distribution',
    behaviour: 'Behaviour score distribution',
    api: 'API calls per endpoint',
    endpoint: 'Endpoint',
    count: 'Calls',
    minimum: 'Minimum',
    failures: 'Skipped / failed',
    none: 'none',
    dry: 'dry run (nothing written)',
    stopped: 'stopped early',
  },
} as const;

const COLORS = { yes: '#2f9e44', no: '#868e96', hold: '#f08c00', bar: '#1c7ed6', alt: '#7048e8' };

export interface ReportPageInput {
  reports: readonly RunReport[];
  /** CRM owner id → display name, for the tasks-per-rep chart. */
  ownerNames?: Readonly<Record<string, string>>;
  locale: Locale;
  generatedAt: string;
}

export function renderReportHtml(input: ReportPageInput): string {
  const t = T[input.locale];
  const sections = input.reports.map((r) => crmSection(r, input, t)).join('\n');
  return `<!doctype html>
<html lang="${input.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.title)}</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP","Noto Sans CJK JP",sans-serif;margin:0;background:#f8f9fa;color:#212529}
header{background:#1864ab;color:#fff;padding:1rem 2rem}header h1{margin:0;font-size:1.4rem}header p{margin:.3rem 0 0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:1rem 2rem 3rem}
section.crm{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:1rem 1.5rem;margin:1.5rem 0}
h2{margin:.2rem 0 1rem;font-size:1.25rem}h3{font-size:1rem;margin:1.2rem 0 .4rem;color:#495057}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{background:#f1f3f5;border-radius:6px;padding:.6rem 1rem;min-width:150px}
.card b{display:block;font-size:1.4rem}.card span{font-size:.85rem;color:#495057}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:0 2rem}
table{border-collapse:collapse;font-size:.9rem}td,th{border-bottom:1px solid #e9ecef;padding:.25rem .8rem;text-align:left}td.n{text-align:right}
.tag{display:inline-block;background:#fff3bf;border-radius:4px;padding:0 .4rem;margin-left:.5rem;font-size:.8rem}
svg text{font-size:12px;fill:#343a40}
</style></head>
<body><header><h1>${esc(t.title)}</h1><p>${esc(input.generatedAt)}</p></header>
<main>
${sections}
</main></body></html>
`;
}

type Labels = (typeof T)[Locale];

function crmSection(r: RunReport, input: ReportPageInput, t: Labels): string {
  const owners = input.ownerNames ?? {};
  const ratio = r.api.minimum > 0 ? ` (${(r.api.total / r.api.minimum).toFixed(2)}×)` : '';
  const cards = [
    [t.leads, r.counts.leadsRead],
    [t.written, r.counts.written + r.counts.planned],
    [t.tasks, r.counts.tasksCreated + r.counts.tasksPlanned],
    [t.calls, `${r.api.total}${ratio}`],
    [t.duration, `${(r.durationMs / 1000).toFixed(1)} s`],
    [t.failures, `${r.skips.count} / ${r.failures.count}`],
  ]
    .map(([k, v]) => `<div class="card"><b>${esc(String(v))}</b><span>${esc(String(k))}</span></div>`)
    .join('');
  const flags = (['yes', 'hold', 'no'] as const).map((f) => ({
    label: FLAG_LABELS[input.locale][f],
    value: r.byFlag[f] ?? 0,
    color: COLORS[f],
  }));
  const actionLabel = (a: string) => NEXT_ACTION_LABELS[input.locale][a as NextAction] ?? a;
  const reasons = top(r.byReasonCode, 10).map(([code, n]) => ({
    label: reasonCodeLabel(code, input.locale),
    value: n,
  }));
  const reps = top(r.tasksPerOwner, 15).map(([id, n]) => ({ label: owners[id] ?? id, value: n }));
  const due = Object.entries(r.dueDates)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([d, n]) => ({ label: d, value: n }));
  const api = Object.entries(r.api.calls)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${v}</td></tr>`)
    .join('');
  const tags = `${r.dryRun ? `<span class="tag">${esc(t.dry)}</span>` : ''}${r.status === 'stopped' ? `<span class="tag">${esc(t.stopped)}: ${esc(r.stop?.message ?? '')}</span>` : ''}`;
  return `<section class="crm"><h2>${esc(r.crm === 'salesforce' ? 'Salesforce' : r.crm === 'hubspot' ? 'HubSpot' : r.crm)} · ${esc(r.rules.name)}@${esc(r.rules.version)}${tags}</h2>
<div class="cards">${cards}</div>
<div class="grid">
<div><h3>${esc(t.flags)}</h3>${hbar(flags)}</div>
<div><h3>${esc(t.actions)}</h3>${hbar(top(r.byNextAction, 6).map(([k, v]) => ({ label: actionLabel(k), value: v })))}</div>
<div><h3>${esc(t.reasons)}</h3>${hbar(reasons)}</div>
<div><h3>${esc(t.perRep)}</h3>${hbar(reps, COLORS.alt)}</div>
<div><h3>${esc(t.attribute)}</h3>${vbar(buckets(r.scores.attribute))}</div>
<div><h3>${esc(t.behaviour)}</h3>${vbar(buckets(r.scores.behaviour))}</div>
<div><h3>${esc(t.due)}</h3>${hbar(due)}</div>
<div><h3>${esc(t.api)}</h3><table><tr><th>${esc(t.endpoint)}</th><th>${esc(t.count)}</th></tr>${api || `<tr><td>${esc(t.none)}</td><td></td></tr>`}<tr><th>${esc(t.minimum)}</th><th class="n">${r.api.minimum}</th></tr></table></div>
</div></section>`;
}

interface Bar {
  label: string;
  value: number;
  color?: string;
}

/** Horizontal bars with the label on the left and the value at the end of the bar. */
function hbar(bars: readonly Bar[], color = COLORS.bar): string {
  if (bars.length === 0) return '<p>–</p>';
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 24;
  const labelW = 240;
  const barW = 240;
  const h = bars.length * row + 4;
  const rows = bars
    .map((b, i) => {
      const y = i * row + 2;
      const w = Math.round((b.value / max) * barW);
      return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(truncate(b.label, 22))}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="16" rx="2" fill="${b.color ?? color}"/><text x="${labelW + w + 4}" y="${y + 15}">${b.value}</text>`;
    })
    .join('');
  return `<svg role="img" width="${labelW + barW + 60}" height="${h}" viewBox="0 0 ${labelW + barW + 60} ${h}">${rows}</svg>`;
}

/** Vertical bars for a histogram; buckets in order. */
function vbar(bars: readonly Bar[]): string {
  if (bars.every((b) => b.value === 0)) return '<p>–</p>';
  const max = Math.max(1, ...bars.map((b) => b.value));
  const col = 40;
  const chartH = 140;
  const w = bars.length * col + 10;
  const cols = bars
    .map((b, i) => {
      const h = Math.round((b.value / max) * chartH);
      const x = i * col + 5;
      return `<rect x="${x + 4}" y="${chartH - h + 16}" width="${col - 8}" height="${h}" rx="2" fill="${COLORS.bar}"/><text x="${x + col / 2}" y="${chartH - h + 12}" text-anchor="middle">${b.value || ''}</text><text x="${x + col / 2}" y="${chartH + 32}" text-anchor="middle">${esc(b.label)}</text>`;
    })
    .join('');
  return `<svg role="img" width="${w}" height="${chartH + 40}" viewBox="0 0 ${w} ${chartH + 40}">${cols}</svg>`;
}

function buckets(counts: Readonly<Record<string, number>>): Bar[] {
  return Object.entries(counts)
    .sort(([a], [b]) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
    .map(([label, value]) => ({ label: label.replace(/-\d+$/, ''), value }));
}

function top(counts: Readonly<Record<string, number>>, n: number): Array<[string, number]> {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
}

function truncate(s: string, n: number): string {
  const chars = [...s];
  return chars.length > n ? `${chars.slice(0, n - 1).join('')}…` : s;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
