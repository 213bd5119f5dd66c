import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeOwners, ownerLoads } from '../../src/pipeline/owner-load.ts';
import { renderSummary } from '../../src/pipeline/render-summary.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { runReportFixture } from '../support/run-report-fixture.ts';

const routing = (crm: 'salesforce' | 'hubspot') =>
  parseRoutingConfig(readFileSync('mappings/routing.yaml', 'utf8'), 'mappings/routing.yaml', { crm });

/** The demo's shape: account owners and a queue outside pool capacity get hundreds of tasks for one day. */
const overloaded = runReportFixture({
  tasksPerOwner: { '005000000000001AAA': 362, '005000000000003AAA': 183, '005000000000008AAA': 20, '00X': 4 },
  tasksPerOwnerDue: {
    '005000000000001AAA': { '2026-12-03': 362 },
    '005000000000003AAA': { '2026-12-03': 150, '2026-12-07': 33 },
    '005000000000008AAA': { '2026-12-03': 12, '2026-12-07': 8 },
    '00X': { '2026-12-03': 4 },
  },
  owners: describeOwners(routing('salesforce'), 'salesforce', [
    '005000000000001AAA',
    '005000000000003AAA',
    '005000000000008AAA',
    '00X',
  ]),
});

describe('owners in the run summary', () => {
  it('knows reps and queues by their CRM ids (15 or 18 characters) with their daily capacity', () => {
    const sf = describeOwners(routing('salesforce'), 'salesforce', [
      '005000000000001',
      '005000000000003AAA',
      '005000000000008AAA',
      '00G000000000001AAA',
      '005999999999999AAA',
    ]);
    expect(sf).toEqual({
      '005000000000001': { name: '佐藤 健', kind: 'rep', dailyCapacity: 15 },
      '005000000000003AAA': { name: '高橋 誠', kind: 'rep', dailyCapacity: 8 }, // their own limit
      '005000000000008AAA': { name: '中村 彩', kind: 'rep', dailyCapacity: 30 }, // the inside-sales pool's
      '00G000000000001AAA': { name: 'IS/営業企画', kind: 'queue', dailyCapacity: null },
    });
    expect(describeOwners(routing('hubspot'), 'hubspot', ['90000002'])).toEqual({
      '90000002': { name: '鈴木 陽子', kind: 'rep', dailyCapacity: 15 },
    });
  });

  it('names reps, shows each one’s busiest day against capacity and warns about overload', () => {
    const text = renderSummary(overloaded, 'ja');
    expect(text).not.toContain('005000000000001AAA');
    expect(text).toContain('  佐藤 健  362  12-03 362 / 15 ⚠');
    expect(text).toContain('  高橋 誠  183  12-03 150 / 8 ⚠');
    expect(text).toContain('  中村 彩   20  12-03 12 / 30\n');
    expect(text).toContain('⚠ 1日の上限を超える担当者: 2');
    expect(text).toContain('佐藤 健: 2026-12-03 期限のタスク 362件 (上限 15件)');
    expect(text).toContain('高橋 誠: 2026-12-03 期限のタスク 150件 (上限 8件)');
    expect(renderSummary(overloaded, 'en')).toContain('佐藤 健: 362 tasks due 2026-12-03 (capacity 15)');
    expect(ownerLoads(overloaded).filter((l) => l.over)).toHaveLength(2);
    // An owner routing.yaml does not know keeps its id, and the summary says why.
    expect(text).toContain('  00X        4  12-03 4 / 上限なし\n  ※ routing.yaml にない担当者');
  });

  it('shows each owner’s account-owner tasks and leads owned without a task, and the leads left unowned', () => {
    const report = runReportFixture({
      tasksPerOwner: { '005000000000001AAA': 30, '005000000000008AAA': 20 },
      tasksPerOwnerDue: {
        '005000000000001AAA': { '2026-12-03': 30 },
        '005000000000008AAA': { '2026-12-03': 20 },
      },
      accountOwnerTasks: { '005000000000001AAA': 28 },
      // 高橋 誠 got no task, only customers without intent as owner of record.
      recordsPerOwner: { '005000000000001AAA': 120, '005000000000003AAA': 40, '(skipped:inactive_rep)': 7 },
      owners: describeOwners(routing('salesforce'), 'salesforce', [
        '005000000000001AAA',
        '005000000000003AAA',
        '005000000000008AAA',
      ]),
    });
    const loads = ownerLoads(report);
    expect(loads.map((l) => [l.name, l.tasks, l.accountOwnerTasks, l.records, l.over])).toEqual([
      ['佐藤 健', 30, 28, 120, true],
      ['中村 彩', 20, 0, 0, false],
      ['高橋 誠', 0, 0, 40, false],
    ]);
    const ja = renderSummary(report, 'ja');
    expect(ja).toContain('  佐藤 健  30  12-03 30 / 15 ⚠  取引先担当 28  タスクなしの担当 120\n');
    expect(ja).toContain('  高橋 誠   0  - / 8  タスクなしの担当 40\n');
    expect(ja).toContain('7件は担当を変えていません (inactive_rep 7)');
    const en = renderSummary(report, 'en');
    expect(en).toContain('account owner 28  owned, no task 120');
    expect(en).toContain('note: 7 leads given an owner without a task');
  });

  it('says nothing about overload when every owner is within capacity', () => {
    const calm = runReportFixture({
      tasksPerOwner: { '005000000000008AAA': 20 },
      tasksPerOwnerDue: { '005000000000008AAA': { '2026-12-03': 20 } },
      owners: describeOwners(routing('salesforce'), 'salesforce', ['005000000000008AAA']),
    });
    expect(renderSummary(calm, 'ja')).not.toContain('⚠');
  });

  it('keeps the Japanese summary Japanese and the API minimum whole', () => {
    const text = renderSummary(overloaded, 'ja');
    expect(text).toContain('最小: 22'); // 21.395 calls is not a count anyone can make
    expect(text).not.toMatch(/\d\.\d{2,}/);
    expect(text).toContain('取引先の担当営業');
    expect(text).not.toMatch(/^ {2}(account_owner|pool|queue) /m);
  });
});
