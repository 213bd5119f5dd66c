import { approvalSummary } from '../approval/approval-summary.ts';
import type { NextAction } from '../domain/lead.ts';
import { heading, numbers, pairs, sorted, stopRows } from '../pipeline/summary-columns.ts';
import type { Locale } from '../reasons/messages.ts';
import { NEXT_ACTION_LABELS } from '../reasons/next-action-label.ts';
import type { ResponseTally, SweepReport } from './sweep-report.ts';

/** Terminal summary of a sweep, in the layout of the sync's (src/pipeline/render-summary.ts). */

const L = {
  ja: {
    title: 'SLAスイープ',
    dryRun: 'ドライラン: CRMへの書き込み・タスク作成・通知・エピソード更新は行っていません',
    status: '状態',
    completed: '完了',
    stopped: '停止',
    limit: '上限件数に達したため終了 (続きは次回)',
    at: '判定時刻',
    duration: '所要時間',
    seconds: '秒',
    counts: '件数',
    c: {
      due: '確認対象',
      checked: '確認',
      stale: '対象外 (更新済み)',
      responded: '初回対応を記録',
      completed: 'タスク完了を記録',
      closed: 'レコード消失でクローズ',
      reminders: 'リマインド',
      escalations: 'マネージャーへ通知',
      managerTasks: 'マネージャータスク',
      reassignments: '担当変更',
      reassignSkipped: '担当変更できず (スキップ)',
      stepsSkipped: 'その他スキップ',
      stepsPlanned: '実行予定のステップ',
      stepsAlreadyRecorded: '他のスイープが記録済み',
      slaFieldsWritten: 'SLA項目の書き込み',
      slaFieldsPlanned: 'SLA項目の書き込み予定',
      notificationsQueued: 'チャット通知 (キュー)',
      failed: '失敗 (次回再試行)',
      heldForSync: '次回同期まで保留 (他者が編集)',
    },
    byOwner: '担当者別の初回対応 (期限内 / 期限超過)',
    byAction: '次のアクション別の初回対応 (期限内 / 期限超過)',
    statuses: '書き込んだSLAステータス',
    skips: 'スキップしたステップ',
    failures: '失敗 (理由別)',
    samples: '例',
    api: 'API呼び出し',
    total: '合計',
    minimum: '最小',
    resume: {
      retry: '一時的な失敗です。次回のスイープで続きを処理します (重複なし)',
      resume_later: 'API上限に達しました。リセット後に再実行してください',
      fix: '設定を直してから再実行してください',
      investigate: '原因を確認してから再実行してください',
    } as Record<string, string>,
    none: 'なし',
    opportunities: '商談化 (商談の変化)',
    o: {
      opportunities: '変化した商談',
      links: 'リード・取引先責任者との紐付け',
      episodesWon: 'トスアップが商談化',
      closedWon: 'うち受注',
      closedLost: 'うち失注',
      withoutTossUp: 'トスアップなしの商談 (記録)',
      flagsSet: '商談化フラグを設定',
      failed: '失敗 (次回再試行)',
      heldForSync: '次回同期まで保留 (他者が編集)',
    },
    rechecks: '再判定 (時間経過)',
    r: {
      due: '対象',
      changed: '判定が変化',
      handOffs: 'うちトスアップ開始',
      holdsExpired: 'うち保留期限切れ',
      kept: 'トスアップ済みのため維持',
      unchanged: '変化なし',
      gone: 'CRMから消失',
      skipped: 'スキップ',
      failed: '失敗 (次回再試行)',
      heldForSync: '次回同期まで保留 (他者が編集)',
    },
  },
  en: {
    title: 'SLA sweep',
    dryRun: 'dry run: no CRM write, no task, no notification, no episode change',
    status: 'Status',
    completed: 'completed',
    stopped: 'stopped',
    limit: 'ended at the limit (the next sweep goes on)',
    at: 'Checked at',
    duration: 'Duration',
    seconds: 's',
    counts: 'Counts',
    c: {
      due: 'due',
      checked: 'checked',
      stale: 'no longer due (index lag)',
      responded: 'first responses recorded',
      completed: 'tasks completed recorded',
      closed: 'closed (record gone)',
      reminders: 'reminders',
      escalations: 'manager notices',
      managerTasks: 'manager tasks',
      reassignments: 'reassignments',
      reassignSkipped: 'reassignments skipped',
      stepsSkipped: 'other steps skipped',
      stepsPlanned: 'steps planned',
      stepsAlreadyRecorded: 'recorded by another sweep',
      slaFieldsWritten: 'SLA fields written',
      slaFieldsPlanned: 'SLA fields to write',
      notificationsQueued: 'chat notices queued',
      failed: 'failed (retried next sweep)',
      heldForSync: 'held for the next sync (edited by someone)',
    },
    byOwner: 'First responses per rep (on time / late)',
    byAction: 'First responses per next action (on time / late)',
    statuses: 'SLA status written',
    skips: 'Skipped steps',
    failures: 'Failed (by reason)',
    samples: 'e.g.',
    api: 'API calls',
    total: 'total',
    minimum: 'minimum',
    resume: {
      retry: 'a transient failure; the next sweep goes on (no duplicates)',
      resume_later: 'the API allowance is spent; run again once it resets',
      fix: 'fix the settings, then run again',
      investigate: 'look into the cause, then run again',
    } as Record<string, string>,
    none: 'none',
    opportunities: 'Opportunities (changed since the last sweep)',
    o: {
      opportunities: 'opportunities changed',
      links: 'links to leads/contacts',
      episodesWon: 'toss-ups that became opportunities',
      closedWon: 'of which won',
      closedLost: 'of which lost',
      withoutTossUp: 'opportunities without a toss-up (recorded)',
      flagsSet: 'opportunity flags set',
      failed: 'failed (retried next sweep)',
      heldForSync: 'held for the next sync (edited by someone)',
    },
    rechecks: 'Re-checks (time-driven)',
    r: {
      due: 'due',
      changed: 'decided differently',
      handOffs: 'of which hand-offs started',
      holdsExpired: 'of which holds expired',
      kept: 'hand-off kept',
      unchanged: 'unchanged',
      gone: 'gone from the CRM',
      skipped: 'skipped',
      failed: 'failed (retried next sweep)',
      heldForSync: 'held for the next sync (edited by someone)',
    },
  },
} as const;

export function renderSweepSummary(report: SweepReport, locale: Locale): string {
  const t = L[locale];
  const n = (v: number) => v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
  const out = heading(t.title, report, t.dryRun);
  const status = report.stop
    ? `${t.stopped}: ${report.stop.kind}/${report.stop.code}`
    : report.limitReached
      ? `${t.completed} — ${t.limit}`
      : t.completed;
  const top: [string, string][] = [
    [t.status, status],
    ...stopRows(report.stop, t.resume),
    [t.at, report.at],
    [t.duration, `${(report.durationMs / 1000).toFixed(1)} ${t.seconds}`],
  ];
  out.push(...pairs(top), '');

  const c = report.counts;
  const keys: (keyof typeof c)[] = [
    'due',
    'checked',
    'stale',
    'responded',
    'completed',
    'closed',
    'reminders',
    'escalations',
    'managerTasks',
    'reassignments',
    'reassignSkipped',
    'stepsSkipped',
    ...(report.dryRun ? (['stepsPlanned', 'slaFieldsPlanned'] as const) : (['slaFieldsWritten'] as const)),
    'stepsAlreadyRecorded',
    'notificationsQueued',
    'failed',
    ...(c.heldForSync > 0 ? (['heldForSync'] as const) : []),
  ];
  out.push(
    t.counts,
    ...numbers(
      keys.map((k) => [t.c[k as keyof typeof t.c] ?? k, c[k]]),
      n,
    ),
    '',
  );

  const tally = (v: ResponseTally) => `${n(v.onTime)} / ${n(v.late)}`;
  const owners = Object.entries(report.firstResponses.byOwner).map(
    ([id, v]) => [report.owners[id]?.name ?? id, tally(v)] as [string, string],
  );
  out.push(t.byOwner, ...(owners.length ? pairs(owners, '  ') : [`  ${t.none}`]), '');
  const actions = Object.entries(report.firstResponses.byNextAction).map(
    ([k, v]) => [NEXT_ACTION_LABELS[locale][k as NextAction] ?? k, tally(v)] as [string, string],
  );
  out.push(t.byAction, ...(actions.length ? pairs(actions, '  ') : [`  ${t.none}`]), '');
  const statuses = Object.entries(report.slaStatuses).sort(([a], [b]) => a.localeCompare(b));
  out.push(t.statuses, ...(statuses.length ? numbers(statuses, n) : [`  ${t.none}`]), '');

  if (report.skippedSteps.length > 0) {
    out.push(`${t.skips}: ${n(c.reassignSkipped + c.stepsSkipped)}`);
    for (const s of report.skippedSteps.slice(0, 5))
      out.push(`    ${t.samples} ${s.leadId} [${s.step}] ${s.reason}: ${s.detail}`);
    out.push('');
  }
  if (report.failures.count > 0) {
    out.push(`${t.failures}: ${n(report.failures.count)}`, ...numbers(sorted(report.failures.byCode), n));
    for (const s of report.failures.samples.slice(0, 5))
      out.push(
        `    ${t.samples} ${s.leadId} [${s.stage}${s.step ? ` ${s.step}` : ''}] ${s.kind}/${s.code}: ${s.message}`,
      );
    out.push('');
  }
  if (report.opportunities) {
    const o = report.opportunities;
    const keys = [
      'opportunities',
      'links',
      'episodesWon',
      'closedWon',
      'closedLost',
      'withoutTossUp',
      'flagsSet',
      'failed',
      ...(o.heldForSync > 0 ? (['heldForSync'] as const) : []),
    ] as const;
    out.push(
      t.opportunities,
      ...numbers(
        keys.map((k) => [t.o[k], o[k]]),
        n,
      ),
      '',
    );
  }
  if (report.approvals) out.push(...approvalSummary(report.approvals, locale, n));
  if (report.rechecks) {
    const r = report.rechecks;
    const keys = [
      'due',
      'changed',
      'handOffs',
      'holdsExpired',
      'kept',
      'unchanged',
      'gone',
      'skipped',
      'failed',
    ] as const;
    out.push(
      t.rechecks,
      ...numbers(
        keys.map((k) => [t.r[k], r[k]]),
        n,
      ),
      '',
    );
  }
  const api = sorted(report.api.calls);
  api.push([t.total, report.api.total]);
  out.push(t.api, ...numbers(api, n), `  ${t.minimum}: ${n(Math.ceil(report.api.minimum))}`);
  return `${out.join('\n')}\n`;
}
