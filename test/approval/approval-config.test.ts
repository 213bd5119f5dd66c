import { describe, expect, it } from 'vitest';
import { approvalFor } from '../../src/approval/approval-policy.ts';
import { parseRuleSet } from '../../src/config/load-rule-set.ts';
import { ConfigError, type ConfigIssue } from '../../src/domain/errors.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { DEFAULT_APPROVAL_SLA, parseSlaConfig } from '../../src/sla/sla-config.ts';

function issuesOf(parse: () => unknown): readonly ConfigIssue[] {
  try {
    parse();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const RULES = (approval: string, nextAction = 'field_sales_tossup') => `version: 1
name: t
thresholds: { behaviour: 40 }
otherwise: { flag: no, nextAction: nurture }
rules:
  - id: hot
    when: { fact: score.behaviour, op: gte, threshold: behaviour }
    flag: yes
    nextAction: ${nextAction}
    approval: ${approval}
  - id: plain
    when: { fact: score.attribute, op: gte, value: 90 }
    flag: yes
    nextAction: field_sales_tossup
`;

const SLA_HEAD = `version: 1
slas:
  field_sales_tossup: { due: 1 businessDay }
  inside_sales_follow_up: { due: 3 businessDays }
  inside_sales_hearing: { due: 3 businessDays }
  notify_is_sales_planning: { due: 3 businessDays }
  nurture: none
`;

describe('approval: manager in the rules YAML', () => {
  it('is read per rule; a decision by that rule asks for the manager, another rule does not', () => {
    const rules = compileRuleSet(parseRuleSet(RULES('manager'), 'rules/t.yaml'));
    expect(approvalFor({ ruleId: 'hot', nextAction: 'field_sales_tossup' }, rules)).toBe('manager');
    expect(approvalFor({ ruleId: 'plain', nextAction: 'field_sales_tossup' }, rules)).toBeNull();
    expect(approvalFor({ ruleId: 'default', nextAction: 'nurture' }, rules)).toBeNull();
  });

  it('names file, line, path and fix for an unknown approver and for a rule without a task', () => {
    const unknown = issuesOf(() => parseRuleSet(RULES('director'), 'rules/t.yaml'));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({ file: 'rules/t.yaml', line: 10, path: 'rules[0].approval' });

    const nurture = issuesOf(() => parseRuleSet(RULES('manager', 'nurture'), 'rules/t.yaml'));
    expect(nurture).toHaveLength(1);
    expect(nurture[0]).toMatchObject({ file: 'rules/t.yaml', line: 10, path: 'rules[0].approval' });
    expect(nurture[0]!.message).toMatch(/nextAction: nurture/);
    expect(nurture[0]!.hint).toMatch(/remove approval/);
  });
});

describe('sla.yaml approval', () => {
  it('defaults to 4 business hours with a reminder at 75% and the approver’s manager at the breach', () => {
    expect(parseSlaConfig(SLA_HEAD, 'sla.yaml').approval).toEqual(DEFAULT_APPROVAL_SLA);
  });

  it('takes its own due time and ladder', () => {
    const c = parseSlaConfig(
      `${SLA_HEAD}approval:\n  due: 1 businessDay\n  ladder:\n    - { do: remind_owner, at: "50%" }\n`,
      'sla.yaml',
    );
    expect(c.approval).toEqual({
      due: { amount: 1, unit: 'businessDays' },
      ladder: [{ do: 'remind_owner', at: { kind: 'percent', percent: 50 } }],
    });
  });

  it('refuses a task or a reassignment before the toss-up exists, at its line', () => {
    const issues = issuesOf(() =>
      parseSlaConfig(
        `${SLA_HEAD}approval:\n  due: 4 businessHours\n  ladder:\n    - { do: remind_owner, at: "75%" }\n    - { do: reassign, at: breach }\n`,
        'sla.yaml',
      ),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'sla.yaml', line: 12, path: 'approval.ladder[1].do' });
    expect(issues[0]!.hint).toMatch(/remind_owner .* notify_manager/);
  });
});
