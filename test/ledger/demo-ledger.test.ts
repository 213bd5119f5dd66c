import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AT, type DemoRun, runDemoDetailed } from '../../src/cli/commands/demo.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import { RESPONSE_BY_REP } from '../../src/ledger/ledger-queries.ts';
import type { LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { replayDecision, replayDifferences } from '../../src/ledger/replay-decision.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { allText, decisionsOf, eventsOf, ledgerRowsWithParquet } from './ledger-kit.ts';

/**
 * The ledger as `npm start` fills it: 90 days of history before the demo's instant (demo-history.ts,
 * ledger only), then the real sync and sweep on both emulated CRMs (jsforce, @hubspot/api-client),
 * reps acting over four business days. From the demo's instant on, the ledger must hold exactly the
 * steps the episode store holds; everywhere, a decision row behind every hand-off, every decision
 * replayed identically, and no person's name.
 */

const sink = () => Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: false });
let run: DemoRun;
let rows: LedgerRecord[];
let kept: LedgerRecord[];
let out: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'tossup-demo-ledger-'));
  run = await runDemoDetailed({ leads: 300, seed: 3, rules: 'large', locale: 'en', out }, sink(), sink(), {
    keepState: true,
  });
  // The history's days are compacted into Parquet by then: read both kinds of part file.
  rows = await ledgerRowsWithParquet(run.stateDir);
  kept = await ledgerRowsWithParquet(join(out, 'state'));
}, 300_000);

afterAll(() => {
  if (run) rmSync(run.stateDir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

const demoAt = new Date(DEMO_AT).toISOString();

describe('npm start fills the ledger', () => {
  it('from the demo on, every step of every episode the store holds is one event row, and nothing else is', async () => {
    expect(run.exitCode).toBe(0);
    // The history's episodes live in the ledger only (demo-history.ts); the store has the demo's.
    const events = eventsOf(rows).filter((e) => e.event_at >= demoAt);
    const keys = [...new Set(events.map((e) => e.episode_key))];
    expect(keys.length).toBeGreaterThan(10);
    const stored = await new FileEpisodeStore(run.stateDir).getMany(keys);
    const inStore = [...stored.values()].flatMap((s) =>
      s.episode.events.map((e) => `${s.episode.key} ${e.step}`),
    );
    expect(events.map((e) => `${e.episode_key} ${e.step}`).sort()).toEqual(inStore.sort());
    expect(new Set(rows.map((r) => r.record_id)).size).toBe(rows.length);
    // The sweep's work is there: responses, ladder steps, SLA-status writes.
    const types = new Set(events.map((e) => e.event_type));
    for (const t of ['handed_off', 'first_response', 'ladder_step', 'sla_status']) expect(types).toContain(t);
  });

  it('each hand-off has the decision row that made it, on both CRMs', () => {
    const decided = new Set(
      decisionsOf(rows)
        .filter((d) => d.new_episode)
        .map((d) => d.episode_key),
    );
    const handOffs = eventsOf(rows).filter((e) => e.event_type === 'handed_off');
    expect(new Set(handOffs.map((e) => e.crm))).toEqual(new Set(['salesforce', 'hubspot']));
    for (const h of handOffs) expect(decided, h.episode_key).toContain(h.episode_key);
  });

  it('replaying every recorded decision through the unchanged rules reproduces it: 0 differences', () => {
    const rules = loadCompiledRuleSet('large');
    const decisions = decisionsOf(rows);
    expect(decisions.length).toBeGreaterThan(300);
    // The 90 days of history are in it, months before the demo's sync.
    const history = decisions.filter((r) => r.decided_at < demoAt);
    expect(history.length).toBeGreaterThan(300);
    expect(new Set(history.map((r) => r.decided_at.slice(0, 7))).size).toBeGreaterThanOrEqual(3);
    const differences = decisions.flatMap((row) =>
      replayDifferences(row, replayDecision(row, rules)).map((d) => `${row.crm} ${row.lead_id} ${d}`),
    );
    expect(differences).toEqual([]);
  });

  it('keeps the ledger in out/state for tossup review, explain and backtest', () => {
    expect(kept.map((r) => r.record_id).sort()).toEqual(rows.map((r) => r.record_id).sort());
    // Compacted before the review: one Parquet file per day, the history's and the demo's.
    const files = readdirSync(join(out, 'state', 'ledger'), { recursive: true })
      .map(String)
      .filter((f) => /part-[^/]*\.(jsonl|parquet)$/.test(f));
    expect(files.some((f) => f.includes('dt=2026-11-'))).toBe(true);
    expect(files.some((f) => f.includes('dt=2026-12-02'))).toBe(true);
    expect(files.filter((f) => !f.endsWith('.parquet'))).toEqual([]);
  });

  it('writes out/review.html: the review over the history and the demo days, self-contained', () => {
    const html = readFileSync(join(out, 'review.html'), 'utf8');
    // The span starts with the history, 90 days before the demo (2026-12-01 in Tokyo).
    expect(html).toContain('2026-09-02..2026-12-');
    expect(html).toContain('class="heat-map"');
    expect(html).toContain('class="threshold threshold-attribute"');
    expect(html).toContain('class="threshold threshold-behaviour"');
    // No external resource: the only URL is the SVG namespace.
    const urls = html.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
    expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
    // The reps are routing keys in it, never names (the chat messages named the leads).
    for (const m of run.slackMessages.slice(0, 20)) {
      const name = m.text?.match(/([^\s*_]+ [^\s*_(]+) \(/)?.[1];
      if (name) expect(html).not.toContain(name);
    }
  });

  it('the response-time query runs on it; no name a chat message carried is in the files', async () => {
    const reader = await DuckDbLedgerReader.open(run.stateDir);
    try {
      const perRep = await reader.query(RESPONSE_BY_REP, [
        '2026-01-01T00:00:00.000Z',
        '2027-01-01T00:00:00.000Z',
      ]);
      expect(perRep.length).toBeGreaterThan(0);
      for (const r of perRep) expect(Number(r.p90_hours)).toBeGreaterThanOrEqual(Number(r.p50_hours));
    } finally {
      reader.close();
    }
    const text = allText(join(run.stateDir, 'ledger'));
    const names = new Set(
      run.slackMessages.flatMap((m) => {
        const p = m.metadata?.event_payload as { lead_name?: unknown } | undefined;
        return typeof p?.lead_name === 'string' ? [p.lead_name] : [];
      }),
    );
    for (const m of run.slackMessages.slice(0, 50)) {
      // The chat text names the person first: "<name> (<company>)"; take what precedes " (".
      const name = m.text?.match(/([^\s*_]+ [^\s*_(]+) \(/)?.[1];
      if (name) names.add(name);
    }
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect(text).not.toContain(name);
  });
});
