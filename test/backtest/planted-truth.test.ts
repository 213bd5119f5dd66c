import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.ts';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import { readConfigFile } from '../../src/config/read-config-file.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { calendarFor } from '../../src/sla/due-date.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { PLANTED_PERIOD, PLANTED_STEP, plantedHistory } from './planted-history.ts';

const CURRENT = 'test/backtest/fixtures/planted-current.yaml';
const CANDIDATE = 'test/backtest/fixtures/planted-candidate.yaml';

/**
 * Issue 15's "must show": the backtest recovers a planted truth. In the generated history the chance
 * of an opportunity jumps at behaviour 30 (the rules, at 40, do not know it).
 */
describe('the backtest on a history with a planted truth', async () => {
  const current = loadRuleSet(CURRENT);
  const candidate = loadRuleSet(CANDIDATE);
  const history = plantedHistory(compileRuleSet(current), { leads: 3000, seed: 15 });
  const routing = parseRoutingConfig(
    readConfigFile('mappings/routing.yaml', 'routing file', ''),
    'mappings/routing.yaml',
  );
  const calendar = calendarFor(
    parseSlaConfig(readConfigFile('mappings/sla.yaml', 'SLA file', ''), 'mappings/sla.yaml'),
  );
  const report = await runBacktest(
    {
      period: PLANTED_PERIOD,
      decisions: history.decisions,
      outcomeEvents: history.events,
      opportunities: history.opportunities,
    },
    { current, candidate, routing, calendar },
  );

  it('the current rules reproduce every recorded decision of the history', () => {
    expect(report.decisions).toBe(3000);
    expect(report.reproduced).toBe(3000);
  });

  it('the behaviour sweep puts the best F-score and the knee at 30, the planted step', () => {
    const sweep = report.sweeps.find((s) => s.threshold === 'behaviour');
    expect(sweep?.current).toBe(40);
    const best = sweep?.points.filter((p) => p.isBestF1).map((p) => p.value);
    expect(best).toEqual([PLANTED_STEP]);
    // The knee of opportunities caught against tasks is there too: below 30 each task buys little.
    expect(sweep?.points.filter((p) => p.isKnee).map((p) => p.value)).toEqual([PLANTED_STEP]);
    // Below the step, load grows faster than opportunities caught; above it, opportunities are missed.
    const at = (v: number) => sweep!.points.find((p) => p.value === v)!;
    expect(at(25).tasks).toBeGreaterThan(at(30).tasks);
    expect(at(35).missed).toBeGreaterThan(at(30).missed);
  });

  it('the candidate lowering the threshold to 30 catches more opportunities, beyond the intervals, at its measured load', () => {
    const now = report.current.classification;
    const then = report.candidate.classification;
    expect(then.recall.low!).toBeGreaterThan(now.recall.high!);
    expect(then.missed).toBeLessThan(now.missed);
    // Precision holds (the leads it adds convert at the same 50%): the intervals overlap.
    expect(then.precision.low!).toBeLessThan(now.precision.high!);
    // The load is measured, not assumed: one task per new toss-up, all routed.
    expect(then.tasks).toBeGreaterThan(now.tasks);
    expect(report.candidate.load.tasks).toBe(then.tasks);
    expect(report.candidate.load.owners.reduce((s, o) => s + o.total, 0)).toBe(then.tasks);
    // The sweep's point at 30 is the candidate, reached the other way (same rows, same outcomes).
    const at30 = report.sweeps.find((s) => s.threshold === 'behaviour')!.points.find((p) => p.value === 30)!;
    expect([at30.tasks, at30.caught, at30.tossedUp]).toEqual([then.tasks, then.caught, then.tossedUp]);
  });

  it('weekly capacity is the daily capacity times the business days of the week: less in a week with a holiday', () => {
    const rep = report.candidate.load.owners.find((o) => o.kind === 'rep')!;
    expect(rep.dailyCapacity).toBe(15);
    const capacity = (week: string) => rep.weeks.find((w) => w.week === week)?.capacity;
    expect(capacity('2026-W46')).toBe(75); // 9–13 November
    expect(capacity('2026-W48')).toBe(60); // 23 November, 勤労感謝の日, is a holiday
    // Weekend decisions count against the next business day, as the sync routes them.
    expect(report.candidate.load.weeks.every((w) => w >= '2026-W35' && w <= '2026-W49')).toBe(true);
  });

  it('toss-ups sales sent back are counted for both (the candidate keeps every current toss-up)', () => {
    const sentBack = history.events.filter((e) => e.verdict_result === 'sent_back').length;
    expect(sentBack).toBeGreaterThan(100);
    expect(report.current.classification.sentBack).toBe(sentBack);
    expect(report.candidate.classification.sentBack).toBe(sentBack);
  });

  it('the flips are the leads between 30 and 40 that pass the attribute threshold: no → yes, with examples', () => {
    const expected = history.decisions.filter(
      (d) => d.attribute_score >= 50 && d.behaviour_score! >= 30 && d.behaviour_score! < 40,
    ).length;
    const noToYes = report.flips.find((f) => f.from === 'no' && f.to === 'yes')!;
    expect(noToYes.decisions).toBe(expected);
    expect(noToYes.leads).toBe(expected);
    expect(noToYes.examples.length).toBe(5);
    for (const e of noToYes.examples) {
      expect(e.currentReasons).toContain('score.behaviour.not_met');
      expect(e.candidateReasons).toContain('score.behaviour.met');
    }
    expect(report.flips.filter((f) => f.decisions > 0).map((f) => `${f.from}>${f.to}`)).toEqual(['no>yes']);
  });
});
