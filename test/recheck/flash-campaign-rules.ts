import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import { type RuleSet, RuleSetSchema } from '../../src/config/rule-set-schema.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';

/**
 * The large preset with a two-day campaign from tomorrow (11/21–11/22 JST, behaviour threshold 30),
 * then `tweak` (each CRM's re-check test adds its own hold expiry), compiled.
 */
export function flashCampaignRules(tweak: (rs: RuleSet) => void) {
  const rs = structuredClone(loadRuleSet('large'));
  rs.overrides = [
    {
      id: 'flash',
      label: '週末キャンペーン',
      from: '2026-11-21',
      to: '2026-11-22',
      thresholds: { behaviour: 30 },
    },
  ];
  tweak(rs);
  return compileRuleSet(RuleSetSchema.parse(rs));
}
