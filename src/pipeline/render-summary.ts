import type { NextAction, TossUpFlag } from '../domain/lead.ts';
import type { Locale } from '../reasons/messages.ts';
import { FLAG_LABELS, NEXT_ACTION_LABELS } from '../reasons/next-action-label.ts';
import { reasonCodeLabel } from '../reasons/reason-code-label.ts';
import { type OwnerLoad, ownerLoads, recordOwnersSkipped } from './owner-load.ts';
import type { FailureSummary, RunReport } from './run-report.ts';
import { heading, numbers, pad, pairs, sorted, stopRows, width } from './summary-columns.ts';
import { verdictSummary } from './verdict-summary.ts';

/** Terminal summary of a run: plain text, columns aligned (East Asian characters count double). */

const L = {
  ja: {
    title: 'トスアップ同期',
    dryRun: 'ドライラン: CRMへの書き込み・タスク作成・カーソル更新は行っていません',
    status: '状態',
    completed: '完了',
    stopped: '停止',
    limit: '--limit に達したため終了 (続きは次回)',
    duration: '所要時間',
    seconds: '秒',
    rules: 'ルール',
    cursor: 'カーソル',
    from: { stored: '保存済みカーソルから', since: '--since から', beginning: '最初から' },
    committed: '確定',
    pages: 'ページ',
    notCommitted: '未更新',
    counts: '件数',
    c: {
      leadsRead: '読み込み',
      unchanged: '変更なし',
      written: '書き込み',
      planned: '書き込み予定',
      skipped: 'スキップ',
      failed: '失敗',
      notAttempted: '次回に再処理',
      deletedIgnored: '削除済み (無視)',
      tasksCreated: 'タスク作成',
      tasksExisting: 'タスク既存 (重複なし)',
      tasksPlanned: 'タスク作成予定',
    },
    flag: 'フラグ (今回変更したリード)',
    nextAction: '次のアクション',
    reasons: '理由コード (上位10)',
    fields: '変更された項目',
    owners:
      '担当者別の負荷: タスク (最も多い期限日の件数 / 1日の上限)、うち取引先の担当営業として、タスクなしで担当になったリード',
    accountShare: '取引先担当 {n}',
    recordsOnly: 'タスクなしの担当 {n}',
    recordsSkipped:
      '※ 既存顧客などタスクなしで担当を決めたリードのうち {n}件は担当を変えていません ({why}): routing.yaml の担当者を確認してください',
    overload: '⚠ 1日の上限を超える担当者',
    overloadLine: '{name}: {date} 期限のタスク {count}件 (上限 {cap}件)',
    overloadHint:
      '担当営業・依頼者・キューへの割り当ては上限の対象外です。routing.yaml の担当や上限を見直すか、期限を分散してください',
    noLimit: '上限なし',
    routes: {
      account_owner: '取引先の担当営業',
      requester: '依頼した営業',
      pool: 'プール (重み付き・上限あり)',
      queue: 'キュー',
      overflow: 'オーバーフロー',
      fallback: 'フォールバック',
    } as Record<string, string>,
    others: 'その他 ({n}名)',
    unnamed: '※ routing.yaml にない担当者 (取引先の担当営業など) は CRM の ID で表示しています',
    via: '振り分け方法',
    due: '期限日別タスク',
    skips: 'スキップ (理由別)',
    accountMatching: 'リードと取引先の照合',
    accountTriggers: '取引先の変更で再判定',
    at: { accounts: '変更された取引先', leads: '再判定したリード' },
    am: {
      matchedByDomain: 'メールドメインで一致',
      matchedByName: '会社名で一致',
      none: '該当なし',
      ambiguous: '⚠ 候補が複数 (照合せず)',
    },
    ambiguousHint:
      '同じドメインまたは同じ会社名の取引先が複数あります。重複する取引先をマージするか Website を見直してください (例はレポートの accountMatching に ID のみで記録)',
    failures: '失敗 (理由別)',
    samples: '例',
    api: 'API 呼び出し',
    total: '合計',
    minimum: '最小',
    resume: {
      retry: '一時的な障害です。次回の実行でこのページから再処理します (重複は作られません)',
      resume_later: 'API の上限に達しました。上限が回復してから再実行してください (カーソルはそのままです)',
      fix: '設定を修正してから再実行してください',
      investigate: '原因を確認してから再実行してください (このページは確定していません)',
    } as Record<string, string>,
    none: 'なし',
  },
  en: {
    title: 'Toss-up sync',
    dryRun: 'Dry run: nothing was written to the CRM, no task was created, the cursor did not move',
    status: 'Status',
    completed: 'completed',
    stopped: 'stopped',
    limit: 'ended at --limit (the next run continues)',
    duration: 'Duration',
    seconds: 's',
    rules: 'Rules',
    cursor: 'Cursor',
    from: { stored: 'from the stored cursor', since: 'from --since', beginning: 'from the beginning' },
    committed: 'committed',
    pages: 'pages',
    notCommitted: 'not moved',
    counts: 'Counts',
    c: {
      leadsRead: 'read',
      unchanged: 'unchanged',
      written: 'written',
      planned: 'would write',
      skipped: 'skipped',
      failed: 'failed',
      notAttempted: 'left for the next run',
      deletedIgnored: 'deleted (ignored)',
      tasksCreated: 'tasks created',
      tasksExisting: 'tasks already there (no duplicate)',
      tasksPlanned: 'tasks to create',
    },
    flag: 'Flag (leads changed this run)',
    nextAction: 'Next action',
    reasons: 'Reason codes (top 10)',
    fields: 'Fields changed',
    owners:
      'Load per owner: tasks (busiest due date / daily capacity), of them as account owner, leads owned without a task',
    accountShare: 'account owner {n}',
    recordsOnly: 'owned, no task {n}',
    recordsSkipped:
      'note: {n} leads given an owner without a task (existing customers, for instance) kept their owner ({why}): check the reps in routing.yaml',
    overload: '⚠ Owners above their daily capacity',
    overloadLine: '{name}: {count} tasks due {date} (capacity {cap})',
    overloadHint:
      'account-owner, requester and queue assignments are not capped: review routing.yaml or spread the due dates',
    noLimit: 'no limit',
    routes: {
      account_owner: 'account owner',
      requester: 'requesting rep',
      pool: 'pool (weighted, capped)',
      queue: 'queue',
      overflow: 'overflow',
      fallback: 'fallback',
    } as Record<string, string>,
    others: 'others ({n})',
    unnamed: 'owners not in routing.yaml (account owners, for instance) are shown by their CRM id',
    via: 'Routed via',
    due: 'Tasks per due date',
    skips: 'Skipped (by reason)',
    accountMatching: 'Lead-to-account matching',
    accountTriggers: 'Decided again for an account change',
    at: { accounts: 'Accounts changed', leads: 'Leads decided again' },
    am: {
      matchedByDomain: 'Matched by e-mail domain',
      matchedByName: 'Matched by company name',
      none: 'No account',
      ambiguous: '⚠ Several candidates (not matched)',
    },
    ambiguousHint:
      'Several Accounts share the domain or company name: merge the duplicates or correct their Website (samples, ids only, in the report under accountMatching)',
    failures: 'Failed (by reason)',
    samples: 'e.g.',
    api: 'API calls',
    total: 'total',
    minimum: 'minimum',
    resume: {
      retry: 'a transient CRM failure; the next run re-processes this page (no duplicates)',
      resume_later: 'the API allowance is spent; run again once it resets (the cursor did not move)',
      fix: 'fix the settings, then run again',
      investigate: 'look into the cause, then run again (this page was not committed)',
    } as Record<string, string>,
    none: 'none',
  },
} as const;

export function renderSummary(report: RunReport, locale: Locale): string {
  const t = L[locale];
  const n = (v: number) => v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
  const out = heading(t.title, report, t.dryRun);

  const status = report.stop
    ? `${t.stopped}: ${report.stop.kind}/${report.stop.code}${report.stop.leadId ? ` (${report.stop.leadId})` : ''}`
    : report.limitReached
      ? `${t.completed} — ${t.limit}`
      : t.completed;
  const top: [string, string][] = [
    [t.status, status],
    ...stopRows(report.stop, t.resume),
    [t.duration, `${(report.durationMs / 1000).toFixed(1)} ${t.seconds}`],
    [t.rules, `${report.rules.name} @ ${report.rules.version.slice(0, 12)}`],
    [
      t.cursor,
      `${t.from[report.cursor.startedFrom]}${report.cursor.start ? ` ${report.cursor.start.modifiedAt}` : ''}`,
    ],
    [
      '',
      report.cursor.committed
        ? `→ ${t.committed} ${report.cursor.committed.modifiedAt} (${n(report.cursor.pagesCommitted)} ${t.pages})`
        : `→ ${t.notCommitted}`,
    ],
    ...(report.cursor.note ? ([['', report.cursor.note]] as [string, string][]) : []),
  ];
  out.push(...pairs(top, ''), '');

  const c = report.counts;
  const countRows: [string, number][] = [
    [t.c.leadsRead, c.leadsRead],
    [t.c.unchanged, c.unchanged],
    [report.dryRun ? t.c.planned : t.c.written, report.dryRun ? c.planned : c.written],
    [t.c.skipped, c.skipped],
    [t.c.failed, c.failed],
    [t.c.notAttempted, c.notAttempted],
    [t.c.deletedIgnored, c.deletedIgnored],
    ...(report.dryRun
      ? ([[t.c.tasksPlanned, c.tasksPlanned]] as [string, number][])
      : ([[t.c.tasksCreated, c.tasksCreated]] as [string, number][])),
    [t.c.tasksExisting, c.tasksExisting],
  ];
  out.push(t.counts, ...numbers(countRows, n), '');

  section(
    out,
    t.flag,
    Object.entries(report.byFlag).map(([k, v]) => [FLAG_LABELS[locale][k as TossUpFlag] ?? k, v]),
    n,
    t.none,
  );
  section(
    out,
    t.nextAction,
    sorted(report.byNextAction).map(
      ([k, v]) => [NEXT_ACTION_LABELS[locale][k as NextAction] ?? k, v] as const,
    ),
    n,
    t.none,
  );
  section(
    out,
    t.reasons,
    sorted(report.byReasonCode)
      .slice(0, 10)
      .map(([k, v]) => [reasonCodeLabel(k, locale), v] as const),
    n,
    t.none,
  );
  section(out, t.fields, sorted(report.fieldChanges), n, t.none);
  owners(out, report, t, n);
  section(
    out,
    t.via,
    sorted(report.routeVia).map(([k, v]) => [t.routes[k] ?? k, v] as [string, number]),
    n,
    t.none,
  );
  section(
    out,
    t.due,
    Object.entries(report.dueDates).sort(([a], [b]) => a.localeCompare(b)),
    n,
    t.none,
  );
  out.push(...verdictSummary(report.verdicts, locale, n));
  failures(out, t.skips, report.skips, n, t.samples);
  failures(out, t.failures, report.failures, n, t.samples);
  const am = report.accountMatching;
  if (am) {
    const rows: [string, number][] = [
      [t.am.matchedByDomain, am.matchedByDomain],
      [t.am.matchedByName, am.matchedByName],
      [t.am.none, am.none],
      [t.am.ambiguous, am.ambiguous],
    ];
    out.push(t.accountMatching, ...numbers(rows, n));
    if (am.ambiguous > 0) out.push(`  ${t.ambiguousHint}`);
    out.push('');
  }
  const at = report.accountTriggers;
  if (at && at.accounts > 0) {
    out.push(
      t.accountTriggers,
      ...numbers(
        [
          [t.at.accounts, at.accounts],
          [t.at.leads, at.leads],
        ],
        n,
      ),
      '',
    );
  }

  const api = sorted(report.api.calls);
  api.push([t.total, report.api.total]);
  // The minimum is a theoretical call count (pages × calls per page); whole calls read better.
  out.push(t.api, ...numbers(api, n), `  ${t.minimum}: ${n(Math.ceil(report.api.minimum))}`);
  return `${out.join('\n')}\n`;
}

type Words = (typeof L)[Locale];
const OWNER_ROWS = 15;

/** Tasks per owner by name, each with their busiest due date against their daily capacity, then warnings. */
function owners(out: string[], report: RunReport, t: Words, n: (v: number) => string): void {
  const loads = ownerLoads(report);
  if (loads.length === 0) {
    section(out, t.owners, [], n, t.none);
    return;
  }
  const shown = loads.slice(0, OWNER_ROWS);
  const rest = loads.slice(OWNER_ROWS);
  const rows: [string, string, string][] = shown.map((l) => [
    l.name,
    n(l.tasks),
    [
      `${l.busiestDate ? `${l.busiestDate.slice(5)} ${n(l.busiestCount)}` : '-'} / ${l.capacity === null ? t.noLimit : n(l.capacity)}${l.over ? ' ⚠' : ''}`,
      ...shares(l, t, n),
    ].join('  '),
  ]);
  if (rest.length > 0)
    rows.push([t.others.replace('{n}', n(rest.length)), n(rest.reduce((a, l) => a + l.tasks, 0)), '']);
  const lw = Math.max(...rows.map(([l]) => width(l)));
  const nw = Math.max(...rows.map(([, v]) => width(v)));
  out.push(t.owners);
  for (const [l, v, load] of rows)
    out.push(`  ${pad(l, lw)}  ${' '.repeat(nw - width(v))}${v}  ${load}`.trimEnd());
  if (shown.some((l) => l.name === l.ownerId)) out.push(`  ${t.unnamed}`);
  const skipped = Object.entries(recordOwnersSkipped(report));
  if (skipped.length > 0)
    out.push(
      `  ${t.recordsSkipped
        .replace('{n}', n(skipped.reduce((a, [, v]) => a + v, 0)))
        .replace('{why}', skipped.map(([why, v]) => `${why} ${n(v)}`).join(', '))}`,
    );
  out.push('');
  const over = loads.filter((l) => l.over);
  if (over.length === 0) return;
  out.push(`${t.overload}: ${n(over.length)}`);
  for (const l of over)
    out.push(
      `  ${t.overloadLine
        .replace('{name}', l.name)
        .replace('{date}', l.busiestDate ?? '')
        .replace('{count}', n(l.busiestCount))
        .replace('{cap}', n(l.capacity ?? 0))}`,
    );
  out.push(`  ${t.overloadHint}`, '');
}

/** What of an owner's load the pools do not cap: account-owner tasks, leads owned without a task. */
function shares(l: OwnerLoad, t: Words, n: (v: number) => string): string[] {
  const out: string[] = [];
  if (l.accountOwnerTasks > 0) out.push(t.accountShare.replace('{n}', n(l.accountOwnerTasks)));
  if (l.records > 0) out.push(t.recordsOnly.replace('{n}', n(l.records)));
  return out;
}

function section(
  out: string[],
  title: string,
  rows: [string, number][],
  n: (v: number) => string,
  none: string,
): void {
  out.push(title, ...(rows.length ? numbers(rows, n) : [`  ${none}`]), '');
}

function failures(
  out: string[],
  title: string,
  f: FailureSummary,
  n: (v: number) => string,
  eg: string,
): void {
  if (f.count === 0) return;
  out.push(`${title}: ${n(f.count)}`, ...numbers(sorted(f.byCode), n));
  for (const s of f.samples.slice(0, 5)) {
    out.push(`    ${eg} ${s.objectType} ${s.leadId} [${s.stage}] ${s.kind}/${s.code}: ${s.message}`);
  }
  out.push('');
}
