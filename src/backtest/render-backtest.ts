import type { Locale } from '../reasons/messages.ts';
import type { BacktestReport } from './backtest-report.ts';
import { type BacktestTable, backtestHeadline, backtestTables } from './backtest-tables.ts';

export const BACKTEST_FORMATS = ['text', 'md', 'csv', 'json'] as const;
export type BacktestFormat = (typeof BACKTEST_FORMATS)[number];

/** The report in one of the formats `tossup backtest --format` offers. */
export function renderBacktest(report: BacktestReport, format: BacktestFormat, locale: Locale): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'md':
      return renderMarkdown(report, locale);
    case 'csv':
      return renderCsv(report, locale);
    default:
      return renderText(report, locale);
  }
}

/** Terminal text: aligned columns (East Asian wide characters count two). */
function renderText(report: BacktestReport, locale: Locale): string {
  const out = [...backtestHeadline(report, locale)];
  for (const t of backtestTables(report, locale)) {
    out.push('', t.title);
    if (t.rows.length === 0) {
      out.push(locale === 'ja' ? '  (なし)' : '  (none)');
      continue;
    }
    const cells = [t.columns, ...t.rows.map((r) => r.map(String))];
    const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => width(r[i] ?? ''))));
    for (const r of cells)
      out.push(
        `  ${r
          .map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!)))
          .join('  ')
          .trimEnd()}`,
      );
  }
  return `${out.join('\n')}\n`;
}

function renderMarkdown(report: BacktestReport, locale: Locale): string {
  const out = [`# ${backtestHeadline(report, locale)[0]}`, '', ...backtestHeadline(report, locale).slice(1)];
  const cell = (v: string | number) => String(v).replaceAll('|', '\\|');
  for (const t of backtestTables(report, locale)) {
    out.push('', `## ${t.title}`, '');
    if (t.rows.length === 0) {
      out.push(locale === 'ja' ? '(なし)' : '(none)');
      continue;
    }
    out.push(`| ${t.columns.map(cell).join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`);
    for (const r of t.rows) out.push(`| ${r.map(cell).join(' | ')} |`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * CSV for spreadsheets: one section per table (its id and title on a line, its header, its rows, a blank
 * line), UTF-8 with a BOM so Excel reads the Japanese labels.
 */
function renderCsv(report: BacktestReport, locale: Locale): string {
  const q = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines: string[] = [];
  for (const t of backtestTables(report, locale) as BacktestTable[]) {
    lines.push(`${q(t.id)},${q(t.title)}`, t.columns.map(q).join(','));
    for (const r of t.rows) lines.push(r.map(q).join(','));
    lines.push('');
  }
  return `\uFEFF${lines.join('\r\n')}`;
}

function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}
