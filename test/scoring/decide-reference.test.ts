import { describe, expect, it } from 'vitest';
import { generatedLeads } from '../../bench/support/generated-leads.ts';
import { loadRuleSet, parseRuleSet } from '../../src/config/load-rule-set.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide, evaluate } from '../../src/scoring/decide.ts';
import {
  ALL_FEATURES_RULES,
  decisionsDigest,
  REFERENCE_INSTANTS,
  REFERENCE_LEADS,
  referenceLeads,
  referenceOptions,
} from './reference-decisions.ts';

/**
 * The engine's fast path (one reused context, plans tested by a switch, lazy activity days,
 * remembered text tests) against the reference output: the decisions of the engine before it
 * (commit aa5fc06, closures per node and a fresh context per lead) on the same generated leads,
 * recorded as digests of every decision — flag, next action, priority, scores, owner, every reason
 * with its parameters, missing fields, rule id, version, time. A deliberate change of the presets or
 * of a reason's parameters changes these digests; record them again from the engine before the change.
 */
const REFERENCE: Record<string, [string, string, string]> = {
  small: ['a566809cce516d4a', 'be1a4597371f62e1', 'e4ffde3385ca43c8'],
  mid: ['8549de8111d79177', '1819727efef86761', '8cb817b359908ac4'],
  large: ['2fa753de87520841', 'fd278e6a03c0cd49', 'dcdc104d41caf571'],
  all_features: ['a7a5f27ea30949aa', 'dd9ff8667b46bbcf', 'ebf1541c2e4d2e6c'],
};

const ruleSets = {
  small: loadRuleSet('small'),
  mid: loadRuleSet('mid'),
  large: loadRuleSet('large'),
  all_features: parseRuleSet(ALL_FEATURES_RULES, 'all-features.yaml'),
};

describe(`decide: the same decisions as the reference engine on ${REFERENCE_LEADS.toLocaleString('en-US')} generated leads`, () => {
  const leads = referenceLeads();

  for (const [name, rs] of Object.entries(ruleSets)) {
    it(`${name}: every decision identical at three instants (before, during, after a campaign)`, () => {
      const rules = compileRuleSet(rs);
      const digests = REFERENCE_INSTANTS.map((at) => decisionsDigest(decide, rules, leads, at));
      expect(digests).toEqual(REFERENCE[name]);
    });
  }
});

describe('decide: the reused context carries nothing from one lead to the next', () => {
  // Realistic leads (the sample world) and arbitrary ones, interleaved: a value left over from the
  // previous lead (activity days, missing inputs, attribute bounds) would show as a difference.
  const world = [...generatedLeads(1_500, 5, '2026-11-20T09:00:00.000Z')];
  const arbitrary = referenceLeads().slice(0, 1_500);
  const leads = world.flatMap((lead, i) => [lead, arbitrary[i]!]);

  for (const [name, rs] of Object.entries(ruleSets)) {
    it(`${name}: decide equals a decision taken in a fresh context, lead after lead`, () => {
      const rules = compileRuleSet(rs);
      for (const at of REFERENCE_INSTANTS) {
        leads.forEach((lead, i) => {
          const options = referenceOptions(i);
          expect(decide(lead, rules, at, options)).toEqual(evaluate(lead, rules, at, options).decision);
        });
      }
    });
  }

  it('a decision taken inside another (a quota callback deciding) gets its own context', () => {
    const rules = compileRuleSet(ruleSets.all_features);
    const [outer, inner] = [arbitrary[0]!, world[0]!];
    const alone = decide(inner, rules, REFERENCE_INSTANTS[0]!);
    let nested: ReturnType<typeof decide> | undefined;
    const options = {
      quotaUsed: () => {
        nested = decide(inner, rules, REFERENCE_INSTANTS[0]!);
        return 0;
      },
    };
    const requested = { ...outer, manualRequest: { requestedBy: 'u001', at: null } };
    expect(decide(requested, rules, REFERENCE_INSTANTS[0]!, options)).toEqual(
      evaluate(requested, rules, REFERENCE_INSTANTS[0]!, {}).decision,
    );
    expect(nested).toEqual(alone);
  });
});
