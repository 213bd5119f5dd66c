import type { Locale } from '../reasons/messages.ts';
import type { AfterHandoffReport, VerdictRates } from './after-handoff-report.ts';
import { percent, rateReasonLabel, resultLabel, sentBackLabel } from './rate-labels.ts';
import { acceptanceRate, opportunityRate, type RateTally } from './toss-up-rates.ts';

/**
 * out/report.html's part of "After the hand-off" on what sales made of the toss-ups: acceptance and
 * opportunity rates per toss-up reason and per rep (from the episodes), the sent-back reasons, and
 * what the emulated reps set in the CRMs. Tables with an inline bar per rate; no script, no network.
 */

const L = {
  ja: {
    heading: '営業の判定: 受入率・商談化率',
    lead: '受入率 = 受入 (商談化・失注を含む) ÷ 判定済み、商談化率 = 商談化 ÷ トスアップ。エピソードに記録された担当者の判定 (トスアップ結果) と終了理由から集計。',
    perReason: 'トスアップ理由別',
    perRep: '担当者別',
    reason: '理由',
    rep: '担当者',
    tossUps: 'トスアップ',
    judged: '判定済み',
    accepted: '受入',
    sentBack: '差し戻し',
    acceptance: '受入率',
    opportunities: '商談化',
    opportunityRate: '商談化率',
    lost: '失注',
    sentBackReasons: '差し戻し理由',
    setInCrm: '担当者が CRM に入力した判定 (リードの質別)',
    quality: { high: '質 高', medium: '質 中', low: '質 低' } as Record<string, string>,
    none: 'なし',
  },
  en: {
    heading: "Sales' verdicts: acceptance and opportunity rates",
    lead: 'Acceptance = accepted (including those that became an opportunity or were lost) ÷ judged; opportunity rate = opportunities ÷ toss-ups. From the verdicts (toss-up results) and close reasons the episodes record.',
    perReason: 'Per toss-up reason',
    perRep: 'Per rep',
    reason: 'Reason',
    rep: 'Rep',
    tossUps: 'Toss-ups',
    judged: 'Judged',
    accepted: 'Accepted',
    sentBack: 'Sent back',
    acceptance: 'Acceptance',
    opportunities: 'Opportunities',
    opportunityRate: 'Opportunity rate',
    lost: 'Lost',
    sentBackReasons: 'Sent-back reasons',
    setInCrm: 'Verdicts the reps set in the CRMs (by lead quality)',
    quality: { high: 'quality high', medium: 'quality medium', low: 'quality low' } as Record<string, string>,
    none: 'none',
  },
} as const;

export function ratesSectionHtml(a: AfterHandoffReport, locale: Locale): string {
  const v = a.verdicts;
  if (!v) return '';
  const t = L[locale];
  const n = (x: number) => x.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
  return `<h3 id="verdict-rates">${esc(t.heading)}</h3>
<p>${esc(t.lead)}</p>
<h3>${esc(t.perReason)}</h3>
${table(
  t.reason,
  v.reasons.map((r) => [rateReasonLabel(r.reason, locale), r.tally]),
  locale,
  n,
)}
<h3>${esc(t.perRep)}</h3>
${table(
  t.rep,
  v.reps.map((r) => [r.name, r.tally]),
  locale,
  n,
)}
<div class="grid">
<div><h3>${esc(t.sentBackReasons)}</h3>${sentBack(v, locale, n)}</div>
<div><h3>${esc(t.setInCrm)}</h3>${setInCrm(a, locale, n)}</div>
</div>`;
}

function table(
  head: string,
  rows: ReadonlyArray<readonly [string, RateTally]>,
  locale: Locale,
  n: (x: number) => string,
): string {
  const t = L[locale];
  const body = rows
    .map(
      ([label, x]) =>
        `<tr><td>${esc(label)}</td><td class="n">${n(x.handedOff)}</td><td class="n wide">${n(x.judged)}</td><td class="n wide">${n(x.accepted)}</td><td class="n wide">${n(x.sentBack)}</td><td class="n">${rate(acceptanceRate(x), '#2f9e44')}</td><td class="n wide">${n(x.opportunities)}</td><td class="n">${rate(opportunityRate(x), '#7048e8')}</td><td class="n wide">${n(x.lost)}</td></tr>`,
    )
    .join('');
  return `<table class="after"><tr><th>${esc(head)}</th><th class="n">${esc(t.tossUps)}</th><th class="n wide">${esc(t.judged)}</th><th class="n wide">${esc(t.accepted)}</th><th class="n wide">${esc(t.sentBack)}</th><th class="n">${esc(t.acceptance)}</th><th class="n wide">${esc(t.opportunities)}</th><th class="n">${esc(t.opportunityRate)}</th><th class="n wide">${esc(t.lost)}</th></tr>${body || `<tr><td>${esc(t.none)}</td></tr>`}</table>`;
}

/** A rate with a small bar under it (inline CSS only). */
function rate(r: number | null, color: string): string {
  const w = r === null ? 0 : Math.round(r * 100);
  return `<b>${esc(percent(r))}</b><span style="display:block;height:4px;background:#e9ecef"><span style="display:block;height:4px;width:${w}%;background:${color}"></span></span>`;
}

function sentBack(v: VerdictRates, locale: Locale, n: (x: number) => string): string {
  const rows = Object.entries(v.sentBackReasons)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .map(([k, c]) => `<tr><td>${esc(sentBackLabel(k, locale))}</td><td class="n">${n(c)}</td></tr>`)
    .join('');
  return `<table class="after">${rows || `<tr><td>${esc(L[locale].none)}</td></tr>`}</table>`;
}

function setInCrm(a: AfterHandoffReport, locale: Locale, n: (x: number) => string): string {
  const done = a.verdictActions;
  if (!done || done.total === 0) return `<p>${esc(L[locale].none)}</p>`;
  const results = ['accepted', 'sent_back', 'opportunity', 'lost'];
  const head = results.map((r) => `<th class="n">${esc(resultLabel(r, locale))}</th>`).join('');
  const rows = ['high', 'medium', 'low']
    .filter((q) => done.byQuality[q])
    .map((q) => {
      const by = done.byQuality[q] ?? {};
      return `<tr><td>${esc(L[locale].quality[q] ?? q)}</td>${results.map((r) => `<td class="n">${n(by[r] ?? 0)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<table class="after"><tr><th></th>${head}</tr>${rows}</table>`;
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
