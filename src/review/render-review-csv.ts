import type { Locale } from '../reasons/messages.ts';
import { REVIEW_LABELS } from './review-labels.ts';
import type { ReviewModel } from './review-model.ts';
import { type CellValue, type ReviewTable, reviewTables } from './review-tables.ts';

/** Excel reads a UTF-8 CSV as UTF-8 (Japanese labels intact) only when it starts with this mark. */
export const UTF8_BOM = '\uFEFF';

/**
 * The review as one CSV file for spreadsheets: a UTF-8 BOM, then one block per section — a line with
 * the section's id and title, the header line, the rows — and an empty line between blocks. Numbers
 * stay numbers (rates as fractions, hours as decimals), instants ISO UTC, empty cells for unknowns;
 * CRLF line ends and RFC 4180 quoting.
 */
export function renderReviewCsv(model: ReviewModel, locale: Locale): string {
  const t = REVIEW_LABELS[locale];
  const p = model.period;
  const head = [line(['period', p.kind, p.label, p.from, p.to, p.timeZone]), line(['as_of', model.asOf]), ''];
  const blocks = reviewTables(model, locale).map((x) => block(x, t.shown));
  return `${UTF8_BOM}${[...head, ...blocks.flatMap((b) => [...b, ''])].join('\r\n')}`;
}

function block(x: ReviewTable, shown: (n: number, total: number) => string): string[] {
  return [
    line([`# ${x.id}`, x.title, ...(x.shownOf ? [shown(x.shownOf.shown, x.shownOf.total)] : [])]),
    line(x.columns.map((c) => c.label)),
    ...x.rows.map((r) => line(r)),
  ];
}

function line(cells: readonly CellValue[]): string {
  return cells.map(field).join(',');
}

function field(v: CellValue): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.round(v * 1e6) / 1e6) : '';
  // Quote when needed; a leading = + - @ would make a spreadsheet run the cell as a formula.
  const s = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) || s !== v ? `"${s.replaceAll('"', '""')}"` : s;
}
