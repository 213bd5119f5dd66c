import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';
import { leadQuality } from '../../emulators/world/lead-quality.ts';
import { personAsOf } from '../../emulators/world/person-as-of.ts';
import { DEMO_AT } from '../../src/cli/commands/demo.ts';
import { buildDemoHistory, type DemoHistory, HISTORY_DAYS } from '../../src/cli/commands/demo-history.ts';
import { loadCrmRunConfig } from '../../src/cli/crm-run-config.ts';
import { resolveSyncSettings } from '../../src/cli/settings.ts';
import { replayDecision, replayDifferences } from '../../src/ledger/replay-decision.ts';
import { buildReview } from '../../src/review/build-review.ts';
import type { RateRow } from '../../src/review/review-model.ts';
import { rangePeriod } from '../../src/review/review-period.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { decisionsOf, eventsOf } from './ledger-kit.ts';

/**
 * The demo's 90 days of history (src/cli/commands/demo-history.ts) on the default 3,000-person world
 * at the demo's fixed instant: the rules decide, the generator's reps answer from each lead's true
 * quality, which the rules never see. The review's query over those rows must show what that truth
 * implies; replaying every decision must reproduce it.
 */

const endMs = Date.parse(DEMO_AT);
const from = new Date(endMs - HISTORY_DAYS * 86_400_000).toISOString();
const to = new Date(endMs).toISOString();
let emulators: RunningEmulators;
let history: DemoHistory;
let stateDir: string;
let config: ReturnType<typeof loadCrmRunConfig>;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'tossup-demo-history-'));
  emulators = await startEmulators({ leads: 3000, seed: 1, asOf: to, workDir: join(stateDir, 'work') });
  config = loadCrmRunConfig(
    resolveSyncSettings({
      flags: { crm: 'salesforce' },
      env: { ...emulators.info.env, TOSSUP_RULES: 'large' },
      profileFiles: [],
    }),
  );
  const seeded = emulators.salesforce.seeded!;
  history = await buildDemoHistory({
    world: emulators.world,
    ids: { users: seeded.users, leads: seeded.leads, contacts: seeded.contacts },
    config,
    endMs,
  });
  await new FileLedger(stateDir).append(history.records);
}, 300_000);

afterAll(async () => {
  await emulators?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** The generator's truth for a toss-up: the lead's quality when it was handed off. */
function truthOf(leadId: string, at: string): number {
  const seeded = emulators.salesforce.seeded!;
  const key =
    [...seeded.leads].find(([, id]) => id === leadId)?.[0] ??
    [...seeded.contacts].find(([, id]) => id === leadId)?.[0];
  const person = emulators.world.people.find((p) => p.key === key)!;
  const company = emulators.world.companies.find((c) => c.key === person.companyKey)!;
  return leadQuality(personAsOf(person, at)!, company, at).score;
}

describe("the demo's 90 days of history", () => {
  it('spans the 90 days before the demo with every kind of step, all before its instant', () => {
    const decisions = decisionsOf(history.records);
    const events = eventsOf(history.records);
    expect(history.handOffs).toBeGreaterThan(300);
    expect(decisions.every((d) => d.decided_at >= from && d.decided_at < to)).toBe(true);
    expect(events.every((e) => e.event_at >= from && e.event_at < to)).toBe(true);
    const months = new Set(decisions.map((d) => d.decided_at.slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(3);
    const types = new Set(events.map((e) => e.event_type));
    for (const t of [
      'handed_off',
      'first_response',
      'task_completed',
      'ladder_step',
      'verdict',
      'opportunity',
    ])
      expect(types).toContain(t);
    const verdicts = new Set(events.flatMap((e) => (e.verdict_result ? [e.verdict_result] : [])));
    for (const v of ['accepted', 'sent_back', 'lost']) expect(verdicts).toContain(v);
    // Each hand-off comes from its decision row; record ids are unique.
    const decided = new Set(decisions.filter((d) => d.new_episode).map((d) => d.episode_key));
    for (const h of events.filter((e) => e.event_type === 'handed_off'))
      expect(decided).toContain(h.episode_key);
    expect(new Set(history.records.map((r) => r.record_id)).size).toBe(history.records.length);
  });

  it('replaying every recorded decision through the unchanged rules reproduces it: 0 differences', () => {
    const rows = decisionsOf(history.records);
    expect(rows.length).toBeGreaterThan(5000);
    const differences = rows.flatMap((row) =>
      replayDifferences(row, replayDecision(row, config.rules)).map((d) => `${row.lead_id} ${d}`),
    );
    expect(differences).toEqual([]);
  });

  it("the opportunity rate by reason follows the generator's truth, which the rules never saw", async () => {
    // The review (src/review/) over the 90 days, as the demo's out/review.html shows it.
    const reader = await DuckDbLedgerReader.open(stateDir);
    let rows: RateRow[];
    try {
      const period = rangePeriod('2026-09-02', '2026-12-01', 'Asia/Tokyo');
      expect(period.from <= from && period.to >= to).toBe(true);
      rows = (await buildReview(reader, period, { asOf: new Date(endMs) })).accuracy.rates.byReason;
    } finally {
      reader.close();
    }
    const decisions = decisionsOf(history.records).filter((d) => d.flag === 'yes' && d.new_episode);
    const truth = new Map<string, number[]>();
    for (const d of decisions) {
      truth.set(d.primary_reason, [...(truth.get(d.primary_reason) ?? []), truthOf(d.lead_id, d.decided_at)]);
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    // Reasons with volume enough to tell. Their toss-ups differ little in true quality (the rules
    // already pick the better leads), so the truly best one must not convert less than the truly
    // worst one beyond sampling noise (two standard errors of the difference).
    const big = rows
      .filter((r) => r.tossups >= 100)
      .map((r) => ({
        reason: r.key,
        n: r.tossups,
        rate: r.opportunityRate ?? 0,
        quality: mean(truth.get(r.key) ?? []),
      }))
      .sort((a, b) => b.quality - a.quality);
    expect(big.length).toBeGreaterThanOrEqual(2);
    const best = big[0]!;
    const worst = big.at(-1)!;
    expect(best.quality).toBeGreaterThan(worst.quality);
    const se = Math.sqrt((best.rate * (1 - best.rate)) / best.n + (worst.rate * (1 - worst.rate)) / worst.n);
    expect(best.rate - worst.rate).toBeGreaterThan(-2 * se);
    // The query counts what the rows say.
    for (const r of big) expect(r.n).toBe(truth.get(r.reason)?.length);
    // Plausible, not degenerate: some of every big reason's toss-ups convert, far from all.
    for (const r of big) {
      expect(r.rate).toBeGreaterThan(0);
      expect(r.rate).toBeLessThan(0.6);
    }
  });

  it('toss-ups that were truly better became opportunities more often (high > medium > low band)', () => {
    const won = new Set(
      eventsOf(history.records)
        .filter((e) => e.event_type === 'opportunity')
        .map((e) => e.episode_key),
    );
    const bands = { high: [0, 0], medium: [0, 0], low: [0, 0] };
    for (const d of decisionsOf(history.records).filter((d) => d.flag === 'yes' && d.new_episode)) {
      const q = truthOf(d.lead_id, d.decided_at);
      const b = bands[q >= 0.6 ? 'high' : q >= 0.4 ? 'medium' : 'low'];
      b[0]!++;
      if (won.has(d.episode_key ?? '')) b[1]!++;
    }
    const rate = ([n, w]: number[]) => w! / Math.max(1, n!);
    expect(bands.high[0]).toBeGreaterThan(50);
    expect(bands.medium[0]).toBeGreaterThan(50);
    expect(rate(bands.high)).toBeGreaterThan(rate(bands.medium));
    expect(rate(bands.medium)).toBeGreaterThanOrEqual(rate(bands.low));
  });
});
