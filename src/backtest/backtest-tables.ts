import type { Locale } from '../reasons/messages.ts';
import { FLAG_LABELS } from '../reasons/next-action-label.ts';
import type { BacktestReport, RuleSetResult } from './backtest-report.ts';
import type { Proportion } from './wilson-interval.ts';

/** One table of the report: what every format (text, Markdown, CSV) renders. */
export interface BacktestTable {
  id: 'summary' | 'flips' | 'load' | `sweep_${string}`;
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

const L = {
  en: {
    summary: 'Current rules vs candidate',
    metric: 'measure',
    current: 'current',
    candidate: 'candidate',
    leads: 'leads decided',
    tossedUp: 'toss-ups (leads flagged yes)',
    tasks: 'tasks (new toss-ups)',
    tasksPerWeek: 'tasks per week',
    opportunities: 'opportunities (observed)',
    caught: 'opportunities tossed up',
    missed: 'opportunities missed',
    precision: 'precision (toss-ups that became opportunities)',
    recall: 'recall (opportunities that had been tossed up)',
    f1: 'F1',
    overflow: 'tasks to the overflow owner',
    sentBack: 'toss-ups sales had sent back',
    flipSentBack: 'sent back by sales',
    sentBackMark: 'sent back',
    flips: 'Flag flips, current → candidate',
    direction: 'direction',
    decisions: 'decisions',
    flipLeads: 'leads',
    flipOpps: 'became opportunities',
    examples: 'examples (lead, decided at: current reasons → candidate reasons)',
    load: 'Tasks per owner per week against capacity',
    owner: 'owner',
    kind: 'kind',
    capacity: 'daily capacity',
    total: 'total',
    peak: 'busiest week',
    over: 'weeks over capacity (daily × business days available)',
    sweep: (t: string, v: number) => `Threshold sweep: ${t} (current ${v}; the other threshold as it is)`,
    value: 'threshold',
    ci: '95% interval',
    mark: 'mark',
    best: 'best F1',
    knee: 'knee',
    isCurrent: 'current',
    opportunity: 'opportunity',
  },
  ja: {
    summary: '現行ルールと候補ルールの比較',
    metric: '指標',
    current: '現行',
    candidate: '候補',
    leads: '判定したリード',
    tossedUp: 'トスアップ (はい になったリード)',
    tasks: 'タスク (新しいトスアップ)',
    tasksPerWeek: '週あたりタスク',
    opportunities: '商談化 (実績)',
    caught: 'トスアップ済みの商談化',
    missed: '取りこぼした商談化',
    precision: '適合率 (商談化したトスアップの割合)',
    recall: '再現率 (トスアップされていた商談化の割合)',
    f1: 'F1',
    overflow: 'あふれ先へのタスク',
    sentBack: '営業が差し戻したトスアップ',
    flipSentBack: 'うち差し戻し',
    sentBackMark: '差し戻し',
    flips: 'フラグの変化 (現行 → 候補)',
    direction: '向き',
    decisions: '判定数',
    flipLeads: 'リード数',
    flipOpps: 'うち商談化',
    examples: '例 (リード、判定日時: 現行の理由 → 候補の理由)',
    load: '担当者別 週あたりタスクと処理能力',
    owner: '担当',
    kind: '種別',
    capacity: '1日の処理能力',
    total: '合計',
    peak: '最多の週',
    over: '処理能力 (1日 × 稼働日) を超えた週',
    sweep: (t: string, v: number) =>
      `しきい値スイープ: ${t === 'behaviour' ? '行動スコア' : '属性スコア'} (現行 ${v}、もう一方は現行のまま)`,
    value: 'しきい値',
    ci: '95%信頼区間',
    mark: '印',
    best: 'F1最大',
    knee: '屈曲点',
    isCurrent: '現行',
    opportunity: '商談化',
  },
} as const;

export function percent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

export function interval(p: Proportion): string {
  return p.low === null || p.high === null ? '-' : `${percent(p.low)}–${percent(p.high)}`;
}

function withInterval(p: Proportion): string {
  return p.rate === null ? '-' : `${percent(p.rate)} [${interval(p)}] (${p.successes}/${p.trials})`;
}

function weeksIn(period: { from: string; to: string }): number {
  return Math.max(1, (Date.parse(period.to) - Date.parse(period.from)) / (7 * 86_400_000));
}

/** The report as tables, labels in `locale`. */
export function backtestTables(report: BacktestReport, locale: Locale): BacktestTable[] {
  const l = L[locale];
  const weeks = weeksIn(report.period);
  const perWeek = (n: number) => Math.round((n / weeks) * 10) / 10;
  const side = (pick: (r: RuleSetResult) => string | number): [string | number, string | number] => [
    pick(report.current),
    pick(report.candidate),
  ];
  const summary: BacktestTable = {
    id: 'summary',
    title: l.summary,
    columns: [
      l.metric,
      `${l.current} (${report.current.name}@${report.current.version.slice(0, 8)})`,
      `${l.candidate} (${report.candidate.name}@${report.candidate.version.slice(0, 8)})`,
    ],
    rows: [
      [l.leads, ...side((r) => r.classification.leads)],
      [l.tossedUp, ...side((r) => r.classification.tossedUp)],
      [l.tasks, ...side((r) => r.classification.tasks)],
      [l.tasksPerWeek, ...side((r) => perWeek(r.classification.tasks))],
      [l.opportunities, ...side((r) => r.classification.opportunities)],
      [l.caught, ...side((r) => r.classification.caught)],
      [l.missed, ...side((r) => r.classification.missed)],
      [l.precision, ...side((r) => withInterval(r.classification.precision))],
      [l.recall, ...side((r) => withInterval(r.classification.recall))],
      [l.f1, ...side((r) => (r.classification.f1 === null ? '-' : r.classification.f1.toFixed(3)))],
      [l.sentBack, ...side((r) => r.classification.sentBack)],
      [l.overflow, ...side((r) => r.load.overflow)],
    ],
  };
  const flips: BacktestTable = {
    id: 'flips',
    title: l.flips,
    columns: [l.direction, l.decisions, l.flipLeads, l.flipOpps, l.flipSentBack, l.examples],
    rows: report.flips
      .filter((f) => f.decisions > 0)
      .map((f) => [
        // ja: はい / いいえ / 一時保留 as sales see them in the CRM; en keeps the flag values (yes, no, hold).
        locale === 'ja' ? `${FLAG_LABELS.ja[f.from]} → ${FLAG_LABELS.ja[f.to]}` : `${f.from} → ${f.to}`,
        f.decisions,
        f.leads,
        f.opportunityLeads,
        f.sentBackLeads,
        f.examples
          .map(
            (e) =>
              `${e.crm} ${e.leadId} ${e.decidedAt}: ${e.currentReasons.join(',')} → ${e.candidateReasons.join(',')}${e.opportunity ? ` (${l.opportunity})` : ''}${e.sentBack ? ` (${l.sentBackMark})` : ''}`,
          )
          .join('; '),
      ]),
  };
  const owners = new Map<string, { kind: string; capacity: number | null }>();
  for (const o of [...report.current.load.owners, ...report.candidate.load.owners])
    owners.set(o.owner, { kind: o.kind, capacity: o.dailyCapacity });
  const load: BacktestTable = {
    id: 'load',
    title: l.load,
    columns: [
      l.owner,
      l.kind,
      l.capacity,
      `${l.current}: ${l.total}`,
      `${l.current}: ${l.peak}`,
      `${l.current}: ${l.over}`,
      `${l.candidate}: ${l.total}`,
      `${l.candidate}: ${l.peak}`,
      `${l.candidate}: ${l.over}`,
    ],
    rows: [...owners.entries()].map(([owner, { kind, capacity }]) => {
      const c = report.current.load.owners.find((o) => o.owner === owner);
      const k = report.candidate.load.owners.find((o) => o.owner === owner);
      return [
        owner,
        kind,
        capacity ?? '-',
        c?.total ?? 0,
        c?.peak ?? 0,
        c?.weeksOver ?? 0,
        k?.total ?? 0,
        k?.peak ?? 0,
        k?.weeksOver ?? 0,
      ];
    }),
  };
  const sweeps = report.sweeps.map(
    (s): BacktestTable => ({
      id: `sweep_${s.threshold}`,
      title: l.sweep(s.threshold, s.current),
      columns: [
        l.value,
        l.tossedUp,
        l.tasks,
        l.tasksPerWeek,
        l.caught,
        l.missed,
        l.precision,
        l.ci,
        l.recall,
        l.ci,
        l.f1,
        l.mark,
      ],
      rows: s.points.map((p) => [
        p.value,
        p.tossedUp,
        p.tasks,
        perWeek(p.tasks),
        p.caught,
        p.missed,
        percent(p.precision.rate),
        interval(p.precision),
        percent(p.recall.rate),
        interval(p.recall),
        p.f1 === null ? '-' : p.f1.toFixed(3),
        [p.isBestF1 ? l.best : '', p.isKnee ? l.knee : '', p.isCurrent ? l.isCurrent : '']
          .filter((m) => m !== '')
          .join(', '),
      ]),
    }),
  );
  return [summary, flips, load, ...sweeps];
}

/** The lines above the tables: period, rows replayed, how many the current rules reproduce. */
export function backtestHeadline(report: BacktestReport, locale: Locale): string[] {
  const p = `${report.period.from} – ${report.period.to}`;
  return locale === 'ja'
    ? [
        `バックテスト 期間 ${p}`,
        `再生した判定 ${report.decisions} 件 (リード ${report.leads} 件)、現行ルールで記録どおりに再現 ${report.reproduced} 件`,
        ...(report.opportunitiesWithoutDecision > 0
          ? [
              `期間内に判定のないリードの商談化 ${report.opportunitiesWithoutDecision} 件 (再生できないため対象外)`,
            ]
          : []),
      ]
    : [
        `backtest over ${p}`,
        `decisions replayed ${report.decisions} (${report.leads} leads); reproduced as recorded by the current rules ${report.reproduced}`,
        ...(report.opportunitiesWithoutDecision > 0
          ? [
              `opportunities of leads not decided in the period: ${report.opportunitiesWithoutDecision} (not replayable, left out)`,
            ]
          : []),
      ];
}
