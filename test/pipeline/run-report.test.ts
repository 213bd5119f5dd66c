import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.ts';
import { MESSAGE_MAX, scrubText } from '../../src/logging/scrub.ts';
import type { BatchResult, LeadOutcome } from '../../src/pipeline/process-leads.ts';
import { renderSummary } from '../../src/pipeline/render-summary.ts';
import { KEY_CAP, RunReportBuilder, SAMPLE_CAP } from '../../src/pipeline/run-report.ts';
import type { SyncProgress } from '../../src/pipeline/run-sync.ts';
import { runIdOf } from '../../src/pipeline/run-sync.ts';
import { saveRunReport } from '../../src/pipeline/save-run-report.ts';
import { width } from '../../src/pipeline/summary-columns.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function builder() {
  return new RunReportBuilder({
    runId: 'salesforce-20261124T010000Z',
    crm: 'salesforce',
    scope: 'default',
    dryRun: false,
    rules: { name: 'large', version: 'abcdef0123456789' },
    startedAt: new Date('2026-11-24T01:00:00Z'),
    cursorKey: 'sync|salesforce|default',
    startedFrom: 'beginning',
    start: null,
  });
}

function outcome(i: number, over: Partial<LeadOutcome> = {}): LeadOutcome {
  return {
    leadId: `L${i}`,
    objectType: 'Lead',
    decision: {
      leadId: `L${i}`,
      flag: 'yes',
      nextAction: 'field_sales_tossup',
      priority: 'high',
      scores: { attribute: 70, behaviour: 50 },
      reasons: [{ code: 'score.attribute.met', params: {} }],
      ruleId: 'auto',
      missing: [],
      rulesVersion: 'v',
      decidedAt: '2026-11-24T01:00:00.000Z',
    },
    reasonText: 'r',
    episodeKey: `tu_${i}`,
    newEpisode: true,
    fields: { flag: 'yes' },
    changes: [{ field: 'flag', before: null, after: 'yes' }],
    task: {
      key: `tu_${i}`,
      ownerId: `005OWNER${i}`,
      route: { ownerId: `005OWNER${i}`, ownerKind: 'user', via: 'pool', businessDate: '2026-11-24' },
      dueAt: '2026-11-25T01:00:00.000Z',
      dueDate: '2026-11-25',
      hasSla: true,
      priority: 'high',
      subject: 's',
    },
    taskStatus: 'created',
    status: 'written',
    ...over,
  };
}

function batch(outcomes: LeadOutcome[]): BatchResult {
  const count = (s: string) => outcomes.filter((o) => o.status === s).length;
  return {
    outcomes,
    stop: null,
    counters: {
      leads: outcomes.length,
      unchanged: count('unchanged'),
      inputsUnchanged: outcomes.filter((o) => o.inputsUnchanged).length,
      written: count('written'),
      planned: 0,
      skipped: count('skipped'),
      failed: count('failed'),
      notAttempted: 0,
      tasksCreated: outcomes.filter((o) => o.taskStatus === 'created').length,
      tasksExisting: 0,
      tasksPlanned: 0,
    },
  };
}

describe('run report', () => {
  it('keeps counts, capped breakdowns and capped samples however many leads pass through', () => {
    const b = builder();
    for (let page = 0; page < 5; page++) {
      b.addPage(0);
      const outcomes = Array.from({ length: 100 }, (_, i) => {
        const n = page * 100 + i;
        return n % 10 === 0
          ? outcome(n, {
              status: 'skipped',
              taskStatus: 'failed',
              failure: {
                stage: 'task',
                kind: 'invalid_record',
                code: 'INACTIVE_OWNER_OR_USER',
                message: 'm',
              },
            })
          : outcome(n);
      });
      b.addBatch(batch(outcomes));
    }
    const r = b.finish({
      finishedAt: new Date('2026-11-24T01:00:02Z'),
      stop: null,
      api: { calls: { query: 5 }, minimum: 3 },
    });
    expect(r.counts).toMatchObject({
      pages: 5,
      leadsRead: 500,
      written: 450,
      skipped: 50,
      tasksCreated: 450,
    });
    expect(r.skips.count).toBe(50);
    expect(r.skips.samples).toHaveLength(SAMPLE_CAP);
    expect(Object.keys(r.tasksPerOwner)).toHaveLength(KEY_CAP + 1);
    expect(r.tasksPerOwner['(other)']).toBe(450 - KEY_CAP);
    expect(r.byFlag).toEqual({ yes: 450 });
    expect(r.durationMs).toBe(2000);
    expect(r.api).toEqual({ calls: { query: 5 }, total: 5, minimum: 3 });
    expect(JSON.stringify(r).length).toBeLessThan(40_000);
  });

  it('renders an aligned summary in Japanese and English', () => {
    const b = builder();
    b.addPage(1);
    b.addBatch(
      batch([
        outcome(1),
        outcome(2, { status: 'unchanged', taskStatus: 'none', task: null, fields: {}, changes: [] }),
      ]),
    );
    const r = b.finish({
      finishedAt: new Date('2026-11-24T01:00:01Z'),
      stop: {
        kind: 'quota_exhausted',
        action: 'resume_later',
        code: 'REQUEST_LIMIT_EXCEEDED',
        message: 'daily limit',
      },
      api: { calls: { query: 1, update: 1 }, minimum: 2 },
    });
    const ja = renderSummary(r, 'ja');
    expect(ja).toContain('状態      停止: quota_exhausted/REQUEST_LIMIT_EXCEEDED');
    expect(ja).toContain('API の上限に達しました');
    // Labels of one block end at the same terminal column, numbers are right-aligned.
    const block = ja.split('\n').filter((l) => /^ {2}(読み込み|変更なし|書き込み|削除済み)/.test(l));
    expect(new Set(block.map((l) => width(l))).size).toBe(1);
    const en = renderSummary(r, 'en');
    expect(en).toContain('Status    stopped: quota_exhausted/REQUEST_LIMIT_EXCEEDED');
    expect(en).toMatch(/ {2}total {3}2\n {2}minimum: 2/);
  });

  it('sums lead-to-account matching over pages and warns about ambiguous matches in the summary', () => {
    const b = builder();
    const finish = () => b.finish({ finishedAt: new Date('2026-11-24T01:00:01Z'), stop: null, api: null });
    expect(finish().accountMatching).toBeUndefined();
    expect(renderSummary(finish(), 'en')).not.toContain('Lead-to-account');
    const page = (leadId: string) => ({
      matchedByDomain: 2,
      matchedByName: 1,
      ambiguous: 1,
      none: 3,
      ambiguousSamples: [{ leadId, via: 'domain' as const, candidateIds: ['001A', '001B'] }],
    });
    b.addPage(0, page('00QA'));
    b.addPage(0, page('00QB'));
    const r = finish();
    expect(r.accountMatching).toEqual({
      matchedByDomain: 4,
      matchedByName: 2,
      ambiguous: 2,
      none: 6,
      ambiguousSamples: [page('00QA').ambiguousSamples[0], page('00QB').ambiguousSamples[0]],
    });
    const en = renderSummary(r, 'en');
    expect(en).toMatch(/Lead-to-account matching\n {2}Matched by e-mail domain +4\n/);
    expect(en).toContain('merge the duplicates');
    expect(renderSummary(r, 'ja')).toContain('候補が複数 (照合せず)');
  });

  it('is saved as <crm>-<timestamp>.json without overwriting a report of the same second', async () => {
    const r = builder().finish({ finishedAt: new Date('2026-11-24T01:00:00Z'), stop: null, api: null });
    const a = await saveRunReport(r, join(root, 'runs'));
    const b = await saveRunReport(r, join(root, 'runs'));
    expect(a).toBe(join(root, 'runs', 'salesforce-20261124T010000Z.json'));
    expect(b).toBe(join(root, 'runs', 'salesforce-20261124T010000Z-2.json'));
    expect(JSON.parse(readFileSync(a, 'utf8'))).toMatchObject({ runId: r.runId, status: 'completed' });
    expect(runIdOf('hubspot', new Date('2026-01-02T03:04:05.678Z'))).toBe('hubspot-20260102T030405Z');
  });

  it('masks personal data and secrets quoted in CRM messages', () => {
    expect(scrubText('Email: invalid email address: taro.yamada@example.co.jp', MESSAGE_MAX)).toBe(
      'Email: invalid email address: <email>',
    );
    expect(scrubText('Phone 03-1234-5678 / 090-1234-5678 rejected', MESSAGE_MAX)).toBe(
      'Phone <number> / <number> rejected',
    );
    expect(scrubText('Authorization: Bearer abc.def', MESSAGE_MAX)).toBe('Authorization: Bearer <redacted>');
    expect(scrubText('record 00Q000000000001AAA modified 2026-11-24', MESSAGE_MAX)).toBe(
      'record 00Q000000000001AAA modified 2026-11-24',
    );
    expect([...scrubText('あ'.repeat(500), MESSAGE_MAX)]).toHaveLength(300);
  });
});

describe('progress', () => {
  const p = (leadsRead: number): SyncProgress => ({
    pages: 1,
    leadsRead,
    written: leadsRead,
    planned: 0,
    tasksCreated: 1,
    tasksPlanned: 0,
    skipped: 0,
    failed: 0,
    limit: null,
  });

  const capture = (stream: PassThrough) => {
    const chunks: string[] = [];
    stream.on('data', (d) => chunks.push(String(d)));
    return () => chunks.join('');
  };
  const tty = () =>
    Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });

  it('prints the final state once when piped, though the run reports it again as it ends', () => {
    const stream = new PassThrough();
    const out = capture(stream);
    let now = 0;
    const progress = createProgress({ stream, locale: 'ja', dryRun: false, now: () => now });
    progress.update(p(3000)); // the last page
    now = 10;
    progress.update(p(3000)); // runSync's final report, same numbers
    progress.stop();
    expect(out().trim().split('\n')).toEqual([
      '[sync] 3,000 件読み込み | 書き込み 3,000 | タスク 1 | スキップ 0 | 失敗 0',
    ]);
  });

  it('counts planned tasks in a dry run', () => {
    const stream = new PassThrough();
    const out = capture(stream);
    const progress = createProgress({ stream, locale: 'en', dryRun: true });
    progress.update({ ...p(10), written: 0, planned: 10, tasksCreated: 0, tasksPlanned: 4 });
    progress.stop();
    expect(out()).toContain('to write 10 | tasks 4 |');
  });

  it('draws no bar on a terminal when the total is unknown, only what was read', () => {
    const stream = tty();
    const out = capture(stream);
    const progress = createProgress({ stream, locale: 'ja', dryRun: false });
    progress.update(p(500));
    progress.update(p(1000));
    progress.stop();
    expect(out()).toContain('1,000 件読み込み');
    expect(out()).not.toMatch(/[█░]/); // no bar pretending to know how far along the run is
    expect(out()).not.toMatch(/1,000\/\d/);
  });

  it('prints plain lines at most every interval when not on a terminal, and always the final state', () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d) => {
      out += d;
    });
    let now = 0;
    const progress = createProgress({
      stream,
      locale: 'en',
      dryRun: false,
      intervalMs: 5000,
      now: () => now,
    });
    progress.update(p(100));
    now = 1000;
    progress.update(p(200));
    now = 6000;
    progress.update(p(300));
    now = 7000;
    progress.update(p(400));
    progress.stop();
    expect(out.trim().split('\n')).toEqual([
      '[sync] 100 leads read | written 100 | tasks 1 | skipped 0 | failed 0',
      '[sync] 300 leads read | written 300 | tasks 1 | skipped 0 | failed 0',
      '[sync] 400 leads read | written 400 | tasks 1 | skipped 0 | failed 0',
    ]);
  });

  it('draws a cli-progress bar on a terminal', () => {
    const stream = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
    let out = '';
    stream.on('data', (d) => {
      out += d;
    });
    const progress = createProgress({ stream, locale: 'ja', dryRun: false });
    progress.update({ ...p(50), limit: 100 });
    progress.update({ ...p(100), limit: 100 });
    progress.stop();
    expect(out).toContain('100/100 件読み込み');
  });
});
