import type { Locale } from '../reasons/messages.ts';
import type { SweepProgress } from '../sweep/sweep-report.ts';
import { throttledLines } from './throttled-lines.ts';

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
  return throttledLines({
    stream: options.stream,
    line: (p: SweepProgress) =>
      `[sweep] ${n(p.checked)}/${n(p.due)} ${w.checked} | ${w.steps} ${n(p.steps)} | ${w.fields} ${n(p.slaFieldsWritten)} | ${w.failed} ${n(p.failed)}`,
    intervalMs: options.intervalMs,
    now: options.now,
  });
}
