import type { Locale } from '../reasons/messages.ts';
import { heatMapSvg } from './heat-map-svg.ts';
import { REVIEW_LABELS } from './review-labels.ts';
import type { ReviewModel } from './review-model.ts';
import { formatCell, type ReviewTable, reviewTables } from './review-tables.ts';

const CSS = `
body{font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif;margin:24px;color:#1d1d1f;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 6px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:20px 0 6px}p.note,p.meta{color:#555;font-size:13px;margin:4px 0 8px}
table{border-collapse:collapse;font-size:13px;margin:4px 0 12px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f5f5f7;font-weight:600}td.text,th.text{text-align:left}td.empty{color:#888;text-align:left}
svg.bar{vertical-align:middle;margin-left:6px}svg.bar rect.bg{fill:#eee}svg.bar rect.v{fill:#2e7d32}
svg.heat-map text{font-size:11px;fill:#1d1d1f}svg.heat-map text.r{fill:#333}svg.heat-map text.axis{fill:#555}
svg.heat-map text.axis-title{font-size:12px;font-weight:600}svg.heat-map line.threshold{stroke:#c62828;stroke-width:2;stroke-dasharray:6 3}
svg.heat-map text.threshold-label{fill:#c62828;font-weight:600}
`;

/**
 * The review as one self-contained HTML page: inline CSS and inline SVG (rate bars, the score heat map),
 * no script, no external URL — it opens offline in any browser and can be mailed or stored in S3.
 */
export function renderReviewHtml(model: ReviewModel, locale: Locale): string {
  const t = REVIEW_LABELS[locale];
  const tables = reviewTables(model, locale);
  const of = (section: ReviewTable['section']) => tables.filter((x) => x.section === section);
  const p = model.period;
  const followUp = `<section id="follow-up"><h2>${esc(t.followUp)}</h2><p class="note">${esc(t.followUpLead)}</p>${of('followUp').map(tableHtml(locale)).join('')}</section>`;
  const accuracyTables = of('accuracy');
  const grid = accuracyTables.find((x) => x.id === 'score_grid');
  const accuracy = `<section id="accuracy"><h2>${esc(t.accuracy)}</h2><p class="note">${esc(t.accuracyLead)}</p>${accuracyTables
    .map((x) =>
      x === grid
        ? `<h3 id="${x.id}">${esc(x.title)}</h3><p class="note">${esc(t.heatMapLead)}</p>${heatMapSvg(model.accuracy.heatMap, locale)}<details><summary>${esc(t.cell)}</summary>${tableHtml(locale)({ ...x, title: '' })}</details>`
        : tableHtml(locale)(x),
    )
    .join('')}</section>`;
  // The week's review leads with the follow-up, the month's with accuracy.
  const body = p.kind === 'week' ? followUp + accuracy : accuracy + followUp;
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(`${t.title} ${p.label}`)}</title><style>${CSS}</style></head>
<body><h1>${esc(`${t.title} — ${t.period[p.kind]} ${p.label}`)}</h1>
<p class="meta">${esc(`${p.from} – ${p.to} (${p.timeZone}), ${t.asOf} ${model.asOf}`)}</p>
${of('summary').map(tableHtml(locale)).join('')}
${body}
</body></html>
`;
}

function tableHtml(locale: Locale): (x: ReviewTable) => string {
  const t = REVIEW_LABELS[locale];
  return (x) => {
    const head = x.columns
      .map((c) => `<th class="${c.kind === 'text' ? 'text' : c.kind}">${esc(c.label)}</th>`)
      .join('');
    const rows =
      x.rows.length === 0
        ? `<tr><td class="empty" colspan="${x.columns.length}">${esc(t.none)}</td></tr>`
        : x.rows
            .map(
              (r) =>
                `<tr>${r
                  .map((v, i) => {
                    const kind = x.columns[i]?.kind ?? 'text';
                    const text = esc(formatCell(v, kind, locale));
                    return `<td class="${kind === 'text' ? 'text' : kind}">${text}${kind === 'rate' && typeof v === 'number' ? bar(v) : ''}</td>`;
                  })
                  .join('')}</tr>`,
            )
            .join('');
    return `${x.title ? `<h3 id="${x.id}">${esc(x.title)}</h3>` : ''}${x.note && x.id !== 'score_grid' ? `<p class="note">${esc(x.note)}</p>` : ''}${x.shownOf ? `<p class="note">${esc(t.shown(x.shownOf.shown, x.shownOf.total))}</p>` : ''}<table data-table="${x.id}"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
  };
}

function bar(rate: number): string {
  const w = Math.round(Math.max(0, Math.min(1, rate)) * 60);
  return `<svg class="bar" width="60" height="10" viewBox="0 0 60 10" aria-hidden="true"><rect class="bg" width="60" height="10"/><rect class="v" width="${w}" height="10"/></svg>`;
}

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
