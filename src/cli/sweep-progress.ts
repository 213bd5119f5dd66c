import type { Locale } from '../reasons/messages.ts';
import type { SweepProgress } from '../sweep/sweep-report.ts';

const WORDS = {
  ja: { checked: '件確認', steps: 'ステップ', fields: 'SLA項目', failed: '失敗' },
  en: { checked: 'checked', steps: 'steps', fields: 'SLA fields', failed: 'failed' },
} as const;

/**
 * Progress of a sweep on stderr (stdout carries the summary or the JSON): one line per batch of 200,
 * at most every `intervalMs`, and the final state once, so a long sweep shows it is alive.
 */
export function createSweepProgress(options: {
  stream: NodeJS.WritableStream;
  locale: Locale;
  intervalMs?: number;
  now?: () => number;
}): { update(p: SweepProgress): void; stop(): void } {
  const w = WORDS[options.locale];
  const n = (v: number) => v.toLocaleString(options.locale === 'ja' ? 'ja-JP' : 'en-US');
  const interval = options.intervalMs ?? 5000;
  const now = options.now ?? Date.now;
  let last = Number.NEGATIVE_INFINITY;
  let printed = '';
  let pending: SweepProgress | null = null;
  const print = (p: SweepProgress) => {
    const text = `[sweep] ${n(p.checked)}/${n(p.due)} ${w.checked} | ${w.steps} ${n(p.steps)} | ${w.fields} ${n(p.slaFieldsWritten)} | ${w.failed} ${n(p.failed)}`;
    if (text === printed) return;
    printed = text;
    options.stream.write(`${text}\n`);
  };
  return {
    update(p) {
      pending = p;
      if (now() - last < interval) return;
      last = now();
      pending = null;
      print(p);
    },
    stop() {
      if (pending) print(pending);
      pending = null;
    },
  };
}
