import cliProgress from 'cli-progress';
import type { SyncProgress } from '../pipeline/run-sync.ts';
import type { Locale } from '../reasons/messages.ts';

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
    `${w.tasks} ${n(p.tasksCreated)} | ${w.skipped} ${n(p.skipped)} | ${w.failed} ${n(p.failed)}`;

  if (options.stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: options.stream as NodeJS.WriteStream,
        format: '{bar} {text}',
        hideCursor: true,
        clearOnComplete: true,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        // Without --limit the total is unknown: the bar then just fills with each page read.
        const total = Math.max(p.limit ?? 0, p.leadsRead, 1);
        if (!started) {
          bar.start(total, p.leadsRead, { text: line(p) });
          started = true;
        } else {
          bar.setTotal(p.limit === null ? Math.max(total, p.leadsRead * 2) : total);
          bar.update(p.leadsRead, { text: line(p) });
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }

  const interval = options.intervalMs ?? 5000;
  const now = options.now ?? Date.now;
  let last = Number.NEGATIVE_INFINITY;
  let pending: SyncProgress | null = null;
  return {
    update(p) {
      pending = p;
      if (now() - last < interval) return;
      last = now();
      pending = null;
      options.stream.write(`[sync] ${line(p)}\n`);
    },
    stop() {
      // The final state is always shown once, even if it came within the interval.
      if (pending) options.stream.write(`[sync] ${line(pending)}\n`);
      pending = null;
    },
  };
}
