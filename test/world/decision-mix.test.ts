import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../emulators/world/generate.ts';
import { decisionMix } from '../../emulators/world/world-profile.ts';

/**
 * The world must exercise every outcome of the three company-size models (mappings/rules/*.yaml)
 * in plausible proportions when the product's own normalizer and engine decide it.
 */

const world = generateWorld({ seed: 1, leads: 20_000, asOf: '2026-09-01T00:00:00.000Z' });
const mix = decisionMix(world);

function share(model: keyof typeof mix, outcome: string): number {
  return mix[model].outcomes[outcome] ?? 0;
}

describe('decision mix of a 20,000-lead world under the preset rule sets', () => {
  it('small company: a real minority passes the checklist, most go to nurturing, a few lack data', () => {
    expect(share('small', 'checklist/yes')).toBeGreaterThan(0.015);
    expect(share('small', 'checklist/yes')).toBeLessThan(0.12);
    expect(share('small', 'otherwise/no')).toBeGreaterThan(0.8);
    expect(share('small', 'checklist/hold')).toBeGreaterThan(0);
  });

  it('mid-size: standard and exception toss-ups, nurture, and IS follow-up / hearing holds all occur', () => {
    expect(share('mid', 'standard/yes')).toBeGreaterThan(0.003);
    expect(share('mid', 'standard/hold')).toBeGreaterThan(0.005);
    expect(share('mid', 'exception/yes')).toBeGreaterThan(0.01);
    expect(share('mid', 'nurture/no')).toBeGreaterThan(0.5);
    expect(share('mid', 'otherwise/hold')).toBeGreaterThan(0.01);
  });

  it('large enterprise: 10-25% meet attribute >= 60 and behaviour >= 40, and every exception rule fires', () => {
    expect(mix.large.meetsScoreThresholds).toBeGreaterThan(0.08);
    expect(mix.large.meetsScoreThresholds).toBeLessThan(0.25);
    expect(share('large', 'auto_tossup/yes')).toBeGreaterThan(0.02);
    for (const outcome of [
      'existing_customer/yes',
      'previously_lost/no',
      'strategic_target/hold',
      'manual_request/yes',
      'otherwise/no',
    ]) {
      expect(share('large', outcome), outcome).toBeGreaterThan(0.004);
    }
    expect(share('large', 'otherwise/no')).toBeGreaterThan(0.3);
  });
});
