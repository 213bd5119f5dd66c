/** Layout shared by the terminal summaries of a sync and of a sweep. */

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

/** Terminal columns: East Asian wide characters take two. */
export function width(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

export function pad(s: string, w: number): string {
  const have = width(s);
  return have >= w ? s : s + ' '.repeat(w - have);
}

/** Label column padded to the widest label, numbers right-aligned. */
export function numbers(rows: [string, number][], n: (v: number) => string): string[] {
  const labelWidth = Math.max(0, ...rows.map(([l]) => width(l)));
  const texts = rows.map(([, v]) => n(v));
  const numWidth = Math.max(0, ...texts.map(width));
  return rows.map(
    ([l], i) => `  ${pad(l, labelWidth)}  ${' '.repeat(numWidth - width(texts[i]!))}${texts[i]}`,
  );
}

/** Label column padded to the widest label, then the text. */
export function pairs(rows: [string, string][], indent = ''): string[] {
  const labelWidth = Math.max(0, ...rows.map(([l]) => width(l)));
  return rows.map(([l, v]) => `${indent}${pad(l, labelWidth)}  ${v}`.trimEnd());
}

/** Most first, then by key. */
export function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([ka, a], [kb, b]) => b - a || ka.localeCompare(kb));
}

/** The title line (what ran, where, which run), its rule (78 columns at most), then the dry-run note. */
export function heading(
  title: string,
  report: { crm: string; scope: string; runId: string; dryRun: boolean },
  dryRunNote: string,
): string[] {
  const head = `${title}  ${report.crm} / ${report.scope}  ${report.runId}`;
  return [head, '─'.repeat(Math.min(78, width(head))), ...(report.dryRun ? [dryRunNote] : [])];
}

/** Under the status of a stopped run: the cause, then what to do about it. */
export function stopRows(
  stop: { message: string; action: string } | null | undefined,
  resume: Record<string, string>,
): [string, string][] {
  return stop
    ? [
        ['', stop.message],
        ['', resume[stop.action] ?? ''],
      ]
    : [];
}
