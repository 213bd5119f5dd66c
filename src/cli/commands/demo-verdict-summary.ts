import type { TossUpResult } from '../../domain/rep-feedback.ts';
import type { AfterHandoffReport } from '../../pipeline/after-handoff-report.ts';
import { percent, rateReasonLabel, resultLabel, sentBackLabel } from '../../pipeline/rate-labels.ts';
import { acceptanceRate, opportunityRate, type RateTally } from '../../pipeline/toss-up-rates.ts';
import type { Locale } from '../../reasons/messages.ts';
import { pad } from '../output.ts';

/**
 * The demo summary's lines on what sales made of the toss-ups: what the emulated reps set in the CRMs,
 * then the acceptance and opportunity rates per toss-up reason and per rep as the episodes record them.
 */

const RESULTS: readonly TossUpResult[] = ['accepted', 'sent_back', 'opportunity', 'lost'];

function row(label: string, t: RateTally, locale: Locale, width: number): string {
  const n = (v: number) => v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
  return locale === 'ja'
    ? `    ${pad(label, width)} トスアップ ${pad(n(t.handedOff), 5)} 判定 ${pad(n(t.judged), 5)} 受入率 ${pad(percent(acceptanceRate(t)), 5)} 商談化 ${pad(n(t.opportunities), 4)} 商談化率 ${percent(opportunityRate(t))}`
    : `    ${pad(label, width)} toss-ups ${pad(n(t.handedOff), 5)} judged ${pad(n(t.judged), 5)} accepted ${pad(percent(acceptanceRate(t)), 5)} opportunities ${pad(n(t.opportunities), 4)} rate ${percent(opportunityRate(t))}`;
}

export function verdictLines(a: AfterHandoffReport, locale: Locale, reps = 12): string[] {
  const ja = locale === 'ja';
  const n = (v: number) => v.toLocaleString(ja ? 'ja-JP' : 'en-US');
  const out: string[] = [];
  const done = a.verdictActions;
  if (done) {
    const parts = RESULTS.filter((r) => (done.byResult[r] ?? 0) > 0)
      .map((r) => `${resultLabel(r, locale)} ${n(done.byResult[r] ?? 0)}`)
      .join(' / ');
    out.push(
      ja
        ? `  担当者の判定 (CRM に入力): ${n(done.total)} 件${parts ? ` (${parts})` : ''}`
        : `  rep verdicts set in the CRMs: ${n(done.total)}${parts ? ` (${parts})` : ''}`,
    );
  }
  const v = a.verdicts;
  if (!v) return out;
  const t = v.total;
  out.push(
    ja
      ? `  エピソードの記録: 判定 ${n(t.judged)}/${n(t.handedOff)} 件  受入率 ${percent(acceptanceRate(t))} (${n(t.accepted)}/${n(t.judged)})  商談化率 ${percent(opportunityRate(t))} (${n(t.opportunities)}/${n(t.handedOff)})  失注 ${n(t.lost)}`
      : `  episodes record: ${n(t.judged)}/${n(t.handedOff)} judged  acceptance ${percent(acceptanceRate(t))} (${n(t.accepted)}/${n(t.judged)})  opportunity rate ${percent(opportunityRate(t))} (${n(t.opportunities)}/${n(t.handedOff)})  lost ${n(t.lost)}`,
  );
  out.push(
    ja ? '  トスアップ理由別 受入率・商談化率:' : '  acceptance and opportunity rate per toss-up reason:',
  );
  for (const r of v.reasons) out.push(row(rateReasonLabel(r.reason, locale), r.tally, locale, 36));
  out.push(ja ? '  担当者別 受入率・商談化率:' : '  acceptance and opportunity rate per rep:');
  for (const r of v.reps.slice(0, reps)) out.push(row(r.name, r.tally, locale, 12));
  if (v.reps.length > reps)
    out.push(
      ja
        ? `    … 他 ${n(v.reps.length - reps)} 名 (HTML レポート)`
        : `    … ${n(v.reps.length - reps)} more (HTML report)`,
    );
  const sent = Object.entries(v.sentBackReasons)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .map(([k, c]) => `${sentBackLabel(k, locale)} ${n(c)}`)
    .join(', ');
  if (sent) out.push(ja ? `  差し戻し理由: ${sent}` : `  sent-back reasons: ${sent}`);
  return out;
}
