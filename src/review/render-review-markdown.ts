import type { Locale } from '../reasons/messages.ts';
import { REVIEW_LABELS } from './review-labels.ts';
import type { ReviewModel } from './review-model.ts';
import { formatCell, type ReviewTable, reviewTables } from './review-tables.ts';

/**
 * The review as Markdown (a wiki page, a pull request, the terminal): one table per section, in the
 * HTML page's order; the heat map is its table of cells with the thresholds stated above it.
 */
export function renderReviewMarkdown(model: ReviewModel, locale: Locale): string {
  const t = REVIEW_LABELS[locale];
  const tables = reviewTables(model, locale);
  const of = (section: ReviewTable['section']) => tables.filter((x) => x.section === section);
  const p = model.period;
  const followUp = [
    `## ${t.followUp}`,
    '',
    t.followUpLead,
    '',
    ...of('followUp').flatMap((x) => table(x, locale)),
  ];
  const accuracy = [
    `## ${t.accuracy}`,
    '',
    t.accuracyLead,
    '',
    ...of('accuracy').flatMap((x) => table(x, locale)),
  ];
  return `${[
    `# ${t.title} — ${t.period[p.kind]} ${p.label}`,
    '',
    `${p.from} – ${p.to} (${p.timeZone}), ${t.asOf} ${model.asOf}`,
    '',
    ...of('summary').flatMap((x) => table(x, locale)),
    ...(p.kind === 'week' ? [...followUp, ...accuracy] : [...accuracy, ...followUp]),
  ]
    .join('\n')
    .trimEnd()}\n`;
}

function table(x: ReviewTable, locale: Locale): string[] {
  const t = REVIEW_LABELS[locale];
  const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const align = x.columns.map((c) => (c.kind === 'text' ? '---' : '---:'));
  return [
    `### ${x.title}`,
    '',
    ...(x.note ? [x.note, ''] : []),
    ...(x.shownOf ? [t.shown(x.shownOf.shown, x.shownOf.total), ''] : []),
    ...(x.rows.length === 0
      ? [`(${t.none})`]
      : [
          row(x.columns.map((c) => c.label)),
          `| ${align.join(' | ')} |`,
          ...x.rows.map((r) => row(r.map((v, i) => formatCell(v, x.columns[i]?.kind ?? 'text', locale)))),
        ]),
    '',
  ];
}

/**
 * Pipes and line breaks would break the table; angle brackets are written as entities, so text from
 * the CRM (campaign names) cannot become HTML where the page is rendered.
 */
function cell(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '\\|')
    .replaceAll(/\r?\n/g, ' ');
}
