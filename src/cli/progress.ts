import cliProgress from 'cli-progress';
import type { SyncProgress } from '../pipeline/run-sync.ts';
import type { Locale } from '../reasons/messages.ts';
import { throttledLines } from './throttled-lines.ts';

export interface ProgressReporter {
  update(progress: SyncProgress): void;
  stop(): void;
}

const WORDS = {
  ja: {
    read: '件読み込み',
    written: '書き込み',
    planned: '書き込み予定',
    tasks: 'タスク',
    skipped: 'スキップ',
    failed: '失敗',
  },
  en: {
    read: 'leads read',
    written: 'written',
    planned: 'to write',
    tasks: 'tasks',
    skipped: 'skipped',
    failed: 'failed',
  },
} as const;

/**
 * Progress of a sync on stderr (stdout carries the dry-run plan and the summary): a cli-progress bar
 * on a terminal, plain lines at most every `intervalMs` otherwise (CI logs, cron mail), so a long run
 * shows it is alive without flooding the log.
 */
export function createProgress(options: {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  locale: Locale;
  dryRun: boolean;
  intervalMs?: number;
  now?: () => number;
}): ProgressReporter {
  const w = WORDS[options.locale];
  const n = (v: number) => v.toLocaleString(options.locale === 'ja' ? 'ja-JP' : 'en-US');
  const line = (p: SyncProgress) =>
    `${n(p.leadsRead)}${p.limit !== null ? `/${n(p.limit)}` : ''} ${w.read} | ` +
    `${options.dryRun ? w.planned : w.written} ${n(options.dryRun ? p.planned : p.written)} | ` +
    `${w.tasks} ${n(options.dryRun ? p.tasksPlanned : p.tasksCreated)} | ${w.skipped} ${n(p.skipped)} | ${w.failed} ${n(p.failed)}`;

  if (options.stream.isTTY) {
    // The CRMs do not say up front how many records changed, so only --limit gives the bar a real
    // total; without it the line counts what was read ("1,200 件読み込み") and draws no bar that
    // would pretend to know how far along the run is.
    let bar: cliProgress.SingleBar | null = null;
    return {
      update(p) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream: options.stream as NodeJS.WriteStream,
              format: p.limit !== null ? '{bar} {text}' : '{text}',
              hideCursor: true,
              clearOnComplete: true,
              barsize: 24,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(p.limit ?? 0, 1), Math.min(p.leadsRead, p.limit ?? 0), { text: line(p) });
        } else bar.update(Math.min(p.leadsRead, p.limit ?? 0), { text: line(p) });
      },
      stop() {
        bar?.stop();
      },
    };
  }

  return throttledLines({
    stream: options.stream,
    line: (p: SyncProgress) => `[sync] ${line(p)}`,
    intervalMs: options.intervalMs,
    now: options.now,
  });
}
