import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { syncCommand } from '../../src/cli/commands/sync.ts';
import { overrideConnect } from '../../src/composition/crm-registry.ts';
import type { RunReport } from '../../src/pipeline/run-report.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { coldLead, hotLead, NOW, salesforceCliEnv, strategicLead } from './pipeline-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-sync-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => overrideConnect('salesforce', undefined));
let n = 0;

function setup(crm: FakeCrm) {
  const dir = join(root, `run${++n}`);
  const connector = crm.connector();
  overrideConnect('salesforce', (settings) => {
    expect(settings).toMatchObject({ crm: 'salesforce', settings: { clientId: 'cid' } });
    return connector;
  });
  const env = salesforceCliEnv(dir);
  const runsDir = join(dir, 'runs');
  const list = () => {
    try {
      return readdirSync(runsDir);
    } catch {
      return [];
    }
  };
  const run = async (opts: Parameters<typeof syncCommand>[0] = {}) => {
    const before = new Set(list());
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => {
      out += d;
    });
    stderr.on('data', (d) => {
      err += d;
    });
    const code = await syncCommand(
      { crm: 'salesforce', ...opts },
      { env, stdout, stderr, clock: fixedClock(NOW), profileFiles: [] },
    );
    const reports = list();
    const added = reports.filter((r) => !before.has(r));
    expect(added).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(runsDir, added[0]!), 'utf8')) as RunReport;
    return { code, out, err, report, reports };
  };
  return { run, connector, dir };
}

describe('tossup sync', () => {
  it('syncs, prints the summary, keeps the JSON report and resumes from the file-backed cursor', async () => {
    const crm = new FakeCrm();
    crm.put(hotLead('L1'));
    crm.put(coldLead('L2'));
    const { run, connector } = setup(crm);

    const first = await run();
    expect(first.code).toBe(0);
    expect(first.out).toContain('トスアップ同期  salesforce / default');
    expect(first.out).toMatch(/タスク作成\s+1/);
    expect(first.out).toMatch(/レポート: .*salesforce-20261124T010000Z\.json/);
    expect(first.report).toMatchObject({ status: 'completed', counts: { written: 2, tasksCreated: 1 } });
    expect(first.err).not.toContain('secret-password');
    expect(connector.closed).toBe(true);

    crm.put(coldLead('L3'));
    const second = await run({ locale: 'en' });
    expect(second.code).toBe(0);
    expect(second.reports).toHaveLength(2); // same second: the second report does not overwrite the first
    expect(second.report.cursor.startedFrom).toBe('stored');
    expect(second.report.counts.written).toBe(1);
    expect(second.out).toContain('Toss-up sync  salesforce / default');
    expect(crm.tasks.size).toBe(1);
  });

  it('--dry-run prints what would change and why, and writes nothing', async () => {
    const crm = new FakeCrm();
    crm.put(hotLead('L1'));
    crm.put(strategicLead('L4'));
    const { run } = setup(crm);
    const { code, out, err, report } = await run({ dryRun: true });

    expect(code).toBe(0);
    // The summary names the owners from routing.yaml, not their CRM ids, and the Japanese output
    // carries no English settings line.
    const summary = out.slice(out.indexOf('トスアップ同期'));
    // (The queue's task goes to the rep who works it: Salesforce tasks cannot be owned by a queue.)
    expect(summary).toMatch(
      /担当者別の負荷[^\n]*\n {2}(佐藤 健|鈴木 陽子) +1 {2}11-25 1 \/ 15\n {2}吉田 恵 +1 {2}11-27 1 \/ 15\n/,
    );
    expect(summary).not.toMatch(/005000000000|00G000000000/);
    expect(err).not.toMatch(/tossup sync:| via |profile/);
    expect(crm.updates).toHaveLength(0);
    expect(crm.tasks.size).toBe(0);
    expect(out).toContain('Lead L1\n  flag: (空) → "yes"\n  nextAction: (空) → "field_sales_tossup"\n');
    expect(out).toContain('  ownerId: "005000000000099AAA" → "00G000000000001AAA"'); // L4 to the queue
    expect(out).toMatch(
      /タスク \[新規\]: 【トスアップ】L1 株式会社 .* — 担当 (佐藤 健 005000000000001AAA|鈴木 陽子 005000000000002AAA) \(pool fs_kanto_enterprise\)/,
    );
    expect(out).toContain('期限 2026-11-25 10:00 (Asia/Tokyo)');
    expect(out).toContain('理由: 属性スコア 85 ≥ 基準 60 (1,200名・役員・製造) / 行動スコア 80 ≥ 基準 40');
    expect(out).toContain('ドライラン');
    expect(report).toMatchObject({ dryRun: true, counts: { planned: 2, tasksPlanned: 2 } });
    // What the HTML report lists: why leads wait, and the bars the scores were held against.
    expect(report?.holdReasons).toEqual({ 'company.strategicTarget.met': 1 });
    expect(report?.scoreThresholds).toEqual({ attribute: 60, behaviour: 40 });
  });

  it('exits 3 when records were skipped, 4 when the run must be resumed, 2 when settings must be fixed', async () => {
    const skipping = new FakeCrm();
    skipping.put(coldLead('S1'));
    skipping.failRecord('update', 'S1', 'invalid_record', 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
    expect((await setup(skipping).run()).code).toBe(3);

    const transient = new FakeCrm();
    transient.put(coldLead('T1'));
    transient.failCall('update', transient.crmError('transient', 'SERVER_UNAVAILABLE'));
    const stopped = await setup(transient).run();
    expect(stopped.code).toBe(4);
    expect(stopped.out).toContain('次回の実行でこのページから再処理します');

    const auth = new FakeCrm();
    auth.put(coldLead('A1'));
    auth.failCall('read', auth.crmError('auth', 'INVALID_SESSION_ID'));
    expect((await setup(auth).run()).code).toBe(2);
  });

  it('exits 2 with the settings problem before touching any CRM', async () => {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => {
      err += d;
    });
    const code = await syncCommand(
      { crm: 'hubspot', rules: 'large' },
      { env: {}, stdout: new PassThrough(), stderr, profileFiles: [] },
    );
    expect(code).toBe(2);
    expect(err).toMatch(
      /HubSpot credentials \(environment or .*\) are incomplete: give one way to log in: TOSSUP_HUBSPOT_ACCESS_TOKEN/,
    );
  });
});
