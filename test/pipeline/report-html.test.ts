import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AfterHandoffReport, summarizeMessages } from '../../src/pipeline/after-handoff-report.ts';
import { renderReportHtml } from '../../src/pipeline/render-report-html.ts';
import type { RunReport } from '../../src/pipeline/run-report.ts';
import { BROWSER_TEST_MS, hasChromium, launchChromium } from '../support/chromium.ts';
import { runReportFixture } from '../support/run-report-fixture.ts';

/** The fixture as one CRM's smaller run, with owners to name and its own API calls. */
function report(crm: 'salesforce' | 'hubspot'): RunReport {
  const base = runReportFixture();
  return runReportFixture({
    runId: `run-${crm}`,
    crm,
    startedAt: '2026-11-21T03:00:00.000Z',
    finishedAt: '2026-11-21T03:00:12.500Z',
    cursor: { ...base.cursor, key: `${crm}:default` },
    counts: { ...base.counts, leadsRead: 2000, unchanged: 100, written: 1900, tasksCreated: 420 },
    byFlag: { yes: 420, no: 1300, hold: 180 },
    byNextAction: { field_sales_tossup: 420, nurture: 1300, inside_sales_hearing: 180 },
    byReasonCode: {
      'score.behaviour.not_met': 900,
      'company.existingCustomer.met': 200,
      missing: 180,
      'score.attribute.met': 220,
    },
    fieldChanges: { flag: 1900, reason: 1900 },
    routeVia: { pool: 300, account_owner: 120 },
    tasksPerOwner: { '005A': 140, '005B': 150, '005C': 130 },
    dueDates: { '2026-11-24': 300, '2026-11-25': 120 },
    api: {
      calls: { 'sf.query': 2, 'sf.collections.update': 10, 'sf.tasks.upsert': 3 },
      total: 15,
      minimum: 14,
    },
  });
}

const html = renderReportHtml({
  reports: [report('salesforce'), report('hubspot')],
  ownerNames: { '005A': '佐藤 健', '005B': '鈴木 陽子' },
  locale: 'ja',
  generatedAt: '2026-11-21 12:00 JST',
});

describe('HTML run report', () => {
  it('is one self-contained page: no scripts, no external resources', () => {
    expect(html).not.toMatch(/<script|<link|src=|url\(|https?:\/\//i);
    expect(html).toContain('トスアップ連携 実行レポート');
    expect(html).toContain('佐藤 健'); // owner ids are shown by name
    expect(html).toContain('行動スコア: 基準未満'); // reason codes as labels, not raw codes
    expect(html).toContain('15 (1.07×)');
  });

  it.skipIf(!hasChromium)(
    'renders its charts in a real browser with no network (screenshot check)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tossup-report-'));
      const file = join(dir, 'report.html');
      writeFileSync(file, html);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const requests: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith('file:')) requests.push(r.url());
        });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`file://${file}`);
        const charts = await page.locator('svg').count();
        const bars = await page.locator('svg rect').count();
        const firstBar = await page.locator('svg rect').first().boundingBox();
        const shot = await page.screenshot({
          fullPage: true,
          path: process.env.REPORT_SCREENSHOT ?? join(dir, 'report.png'),
        });
        expect(requests).toEqual([]);
        expect(errors).toEqual([]);
        expect(charts).toBe(2 * 7); // 7 charts per CRM section
        expect(bars).toBeGreaterThan(30);
        expect(firstBar?.width).toBeGreaterThan(50); // the largest flag bar is drawn at full width
        expect(shot.byteLength).toBeGreaterThan(30_000); // a blank page compresses to a few KB
      } finally {
        await browser.close();
      }
    },
    BROWSER_TEST_MS,
  );
});

/** The demo's shape: many reps, two flooded owners, holds, thresholds, English labels too long to show whole. */
function busyReport(): RunReport {
  const owners: RunReport['owners'] = {};
  const tasksPerOwner: Record<string, number> = {};
  const tasksPerOwnerDue: Record<string, Record<string, number>> = {};
  for (let i = 0; i < 22; i++) {
    const id = `005R${String(i).padStart(2, '0')}`;
    const tasks = i === 0 ? 362 : i === 1 ? 183 : 30 - i;
    owners[id] = {
      name: i === 0 ? '野村 結衣' : `Representative Number ${i} (Kanto)`,
      kind: 'rep',
      dailyCapacity: 15,
    };
    tasksPerOwner[id] = tasks;
    tasksPerOwnerDue[id] = { '2026-12-03': tasks };
  }
  return runReportFixture({
    owners,
    tasksPerOwner,
    tasksPerOwnerDue,
    holdReasons: { 'company.strategicTarget.met': 186, 'missing:company.employees': 48 },
    scoreThresholds: { attribute: 60, behaviour: 30 },
    accountOwnerTasks: { '005R00': 340 },
    recordsPerOwner: { '005R00': 210, '(skipped:inactive_rep)': 4 },
  });
}

/** The demo's days after the hand-off: reps of every habit, the ladder, Slack messages. */
function afterHandoff(): AfterHandoffReport {
  const tally = (onTime: number, late: number, missed: number, overdue: number, pending: number) => ({
    turns: onTime + late + missed + overdue + pending,
    onTime,
    late,
    missed,
    overdue,
    pending,
    closed: 0,
  });
  const ladder = (reminders: number, escalations: number, reassignments: number) => ({
    reminders,
    escalations,
    managerTasks: escalations,
    reassignments,
    skipped: 0,
  });
  const reps = [
    {
      key: 'u001',
      name: '野村 結衣',
      style: 'steady',
      tally: tally(300, 40, 10, 12, 0),
      ladder: ladder(60, 22, 10),
    },
    {
      key: 'u002',
      name: 'Representative Number 2 (Kanto)',
      style: 'never',
      tally: tally(0, 0, 30, 14, 2),
      ladder: ladder(46, 44, 30),
    },
    { key: 'u003', name: '鈴木 浩', style: 'prompt', tally: tally(120, 3, 0, 0, 4), ladder: ladder(3, 0, 0) },
    {
      key: 'u004',
      name: '佐藤 和也',
      style: 'late',
      tally: tally(40, 90, 20, 30, 5),
      ladder: ladder(120, 50, 20),
    },
  ];
  const total = tally(460, 133, 60, 56, 11);
  const messages = summarizeMessages([
    {
      channel: 'DM',
      event: 'reminder',
      text: 'リマインド: 山田 太郎（株式会社サンプル） — まだ初回対応の記録がありません。',
      at: '2026-12-01T05:00:00.000Z',
    },
    {
      channel: '#field-sales',
      event: 'escalation',
      text: 'SLA超過: 田中 花子（サンプル工業株式会社） — 期限までに記録されませんでした。',
      at: '2026-12-03T01:00:00.000Z',
    },
    {
      channel: '#field-sales',
      event: 'reassignment',
      text: 'Reassigned: Taro Yamada (Example Holdings) — The SLA was missed, so the lead moved from Representative Number 2 (Kanto) to 鈴木 浩.',
      at: '2026-12-03T05:00:00.000Z',
    },
  ]);
  return {
    from: '2026-12-01T01:00:00.000Z',
    to: '2026-12-07T01:00:00.000Z',
    stepHours: 2,
    steps: Array.from({ length: 18 }, (_, i) => ({
      at: new Date(Date.parse('2026-12-01T03:00:00.000Z') + i * 7_200_000).toISOString(),
      acted: 40 - i,
      reminders: i * 3,
      escalations: i,
      reassignments: i > 10 ? 4 : 0,
      messages: i * 5,
      failed: 0,
    })),
    repActions: { total: 700, byVia: { task: 300, call: 300, meeting: 100 } },
    total,
    ladder: ladder(229, 116, 60),
    byCrm: [],
    reps,
    nextActions: [
      { action: 'field_sales_tossup', tally: tally(300, 100, 60, 50, 2) },
      { action: 'inside_sales_follow_up', tally: tally(160, 33, 0, 6, 9) },
    ],
    messages,
  };
}

describe('HTML run report for sales and admins', () => {
  const page = (locale: 'ja' | 'en') =>
    renderReportHtml({
      reports: [busyReport()],
      locale,
      generatedAt: '2026-12-02T07:33:18.500Z',
      afterHandoff: afterHandoff(),
    });

  it('shows what happened after the hand-off: on-time rate per rep and next action, the ladder, the chat', () => {
    const ja = page('ja');
    expect(ja).toContain('<h2>トスアップ後 (SLA の見張り)</h2>');
    expect(ja).toContain('<b>65%</b><span>期限内の初回対応 (460/709)');
    expect(ja).toMatch(
      /Representative Number 2 \(Kanto\)<br><small>対応しない<\/small><\/td><td class="n">46<\/td><td class="n">0<\/td>/,
    );
    expect(ja).toContain('<b>0%</b>');
    expect(ja).toContain('<b>116</b><span>マネージャーへのエスカレーション');
    expect(ja).toContain('SLA超過: 田中 花子（サンプル工業株式会社）');
    expect(ja).toContain('>インサイドセールスがフォロー<');
    expect(ja).not.toMatch(/<script|<link|src=|url\(|https?:\/\//i);
    const en = page('en');
    expect(en).toContain('<h2>After the hand-off (SLA watch)</h2>');
    expect(en).toContain('never answers');
    // Without the demo's days, no such section.
    expect(
      renderReportHtml({ reports: [busyReport()], locale: 'en', generatedAt: '2026-12-02T07:33:18.500Z' }),
    ).not.toContain('After the hand-off');
  });

  it('dates the page in Japan time, lists holds and next steps, and formats every number alike', () => {
    const ja = page('ja');
    expect(ja).toContain('作成: 2026-12-02 16:33 JST');
    expect(ja).toContain('<b>3,000</b><span>読み込んだリード');
    expect(ja).toContain('<b>27 (1.23×)</b>'); // minimum 21.395 → 22 calls
    expect(ja).toContain('<th class="n">22</th>');
    expect(ja).not.toMatch(/21\.395|>3000</);
    expect(ja).toMatch(
      /<h3>一時保留の理由<\/h3><ul class="list"><li>戦略ターゲット → IS\/営業企画で確認: 186<\/li><li>従業員数が未入力: 48<\/li>/,
    );
    expect(ja).toContain(
      '<li class="warn">野村 結衣: 2026-12-03 期限のタスク 362件 (1日の上限 15件を超過)</li>',
    );
    expect(ja).toContain('<li>フィールドセールスへトスアップ: 729件</li>');
    expect(ja).toContain('>その他 (7名)<'); // 22 reps: 15 bars and one for the rest
    expect(ja.match(/class="threshold"/g)).toHaveLength(2);
    expect(ja).toContain('基準 60');
  });

  it('tables each owner’s load: tasks, account-owner share, leads owned without a task, busiest day, capacity', () => {
    const ja = page('ja');
    expect(ja).toContain(
      '<h3>担当者別の負荷 (取引先の担当営業としてのタスクとタスクなしの担当はプールの上限の対象外)</h3>',
    );
    expect(ja).toContain(
      '<td>野村 結衣 ⚠</td><td class="n">362</td><td class="n">340</td><td class="n">210</td><td class="n">2026-12-03 (362)</td><td class="n">15</td>',
    );
    expect(ja).toContain(
      '<li class="warn">タスクなしで担当を決めたリードのうち 4件は担当を変えていません (inactive_rep 4)',
    );
    expect(page('en')).toContain('<th class="n">as account owner</th><th class="n">owned, no task</th>');
  });

  it('keeps a long label whole in a tooltip when the chart has to shorten it', () => {
    const en = page('en');
    expect(en).toContain('<title>Representative Number 1 (Kanto)</title>Representative Number 1 (K…');
    for (const cut of en.matchAll(/<text[^>]*>([^<]*…)<\/text>/g))
      expect.fail(`"${cut[1]}" is cut without a tooltip`);
  });

  it.skipIf(!hasChromium)(
    'fits a phone and a laptop without horizontal scrolling (screenshots at 390 and 1280 px)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tossup-report-'));
      const browser = await launchChromium();
      try {
        // The page measures itself: document width against the viewport, and the right edge of the widest chart.
        const measure = `({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          widest: Math.max(...[...document.querySelectorAll('svg, table')].map((e) => e.getBoundingClientRect().right)),
        })`;
        const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        for (const locale of ['ja', 'en'] as const) {
          const file = join(dir, `report-${locale}.html`);
          writeFileSync(file, page(locale));
          await p.goto(`file://${file}`);
          for (const width of [1280, 390]) {
            await p.setViewportSize({ width, height: 900 });
            const m = (await p.evaluate(measure)) as {
              scrollWidth: number;
              innerWidth: number;
              widest: number;
            };
            const shot = await p.screenshot({
              fullPage: true,
              path: join(process.env.REPORT_SCREENSHOT_DIR ?? dir, `report-${locale}-${width}.png`),
            });
            expect(m.innerWidth).toBe(width);
            expect(m.scrollWidth, `${locale} at ${width}px`).toBeLessThanOrEqual(m.innerWidth);
            expect(m.widest, `${locale} at ${width}px`).toBeLessThanOrEqual(width);
            expect(shot.byteLength).toBeGreaterThan(30_000);
          }
        }
      } finally {
        await browser.close();
      }
    },
    BROWSER_TEST_MS,
  );
});
