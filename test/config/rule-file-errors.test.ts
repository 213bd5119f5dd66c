import { describe, expect, it } from 'vitest';
import { loadRuleSet, parseRuleSet } from '../../src/config/load-rule-set.ts';
import { ConfigError } from '../../src/domain/errors.ts';

function issuesOf(text: string) {
  try {
    parseRuleSet(text, 'rules/bad.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const VALID_HEAD = `version: 1
name: t
thresholds: { behaviour: 100 }
otherwise: { flag: no, nextAction: nurture }
`;

describe('rule file errors', () => {
  it('reports every problem at once with file, line, path and a hint', () => {
    const issues = issuesOf(`${VALID_HEAD}rules:
  - id: first
    when: { fact: score.behavior, op: gte, threshold: behaviour }
    flag: yes
    nextAction: field_sales_tossup
  - id: second
    when: { fact: company.employees, op: gte, value: "50名" }
    flag: maybe
    nextAction: field_sales_tossup
`);
    // Shape (flag) and semantic problems (fact, value) come together, in line order.
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [7, 'rules[0].when.fact'],
      [11, 'rules[1].when.value'],
      [12, 'rules[1].flag'],
    ]);
    expect(issues[0]).toMatchObject({ file: 'rules/bad.yaml', message: 'unknown fact "score.behavior"' });
    expect(issues[0]!.hint).toMatch(/^did you mean "score.behaviour"\?/);
    expect(issues[2]!.hint).toBe('use yes, no or hold');
  });

  it('reports unknown facts, wrong value types and unknown thresholds together, each at its line', () => {
    const issues = issuesOf(`${VALID_HEAD}rules:
  - id: first
    when: { fact: score.behavior, op: gte, threshold: behaviour }
    flag: yes
    nextAction: field_sales_tossup
  - id: second
    when:
      all:
        - { fact: company.employees, op: gte, value: "50名" }
        - { fact: score.attribute, op: gte, threshold: fit }
    flag: yes
    nextAction: field_sales_tossup
`);
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [7, 'rules[0].when.fact', 'unknown fact "score.behavior"'],
      [13, 'rules[1].when.all[0].value', '"50名" is not a number'],
      [14, 'rules[1].when.all[1].threshold', 'unknown threshold "fit"'],
    ]);
    expect(issues[0]?.hint).toContain('score.behaviour');
    expect(issues[1]?.hint).toBe('write the number without quotes or units');
    expect(issues[2]?.hint).toContain('behaviour');
  });

  it('points an unknown key at the key itself', () => {
    const issues = issuesOf(`${VALID_HEAD}rules:
  - id: first
    when: { fact: score.behaviour, op: gte, threshold: behaviour }
    flag: yes
    nextAcion: field_sales_tossup
`);
    expect(issues).toContainEqual(
      expect.objectContaining({
        line: 9,
        column: 5,
        path: 'rules[0].nextAcion',
        message: 'unknown key "nextAcion"',
      }),
    );
  });

  it('rejects operators that do not fit the fact and bad title ranks', () => {
    const issues = issuesOf(`${VALID_HEAD}rules:
  - id: first
    when:
      all:
        - { fact: person.titleRank, op: gte, value: boss }
        - { fact: company.existingCustomer, op: gt, value: true }
    flag: yes
    nextAction: field_sales_tossup
`);
    expect(issues.map((i) => i.message)).toEqual([
      '"boss" is not a title rank',
      '"gt" does not apply to a boolean fact',
    ]);
    expect(issues[0]?.hint).toContain('department_head');
  });

  it('reports YAML syntax errors with the parser position', () => {
    const issues = issuesOf('version: 1\nname: [unclosed\n');
    expect(issues[0]?.message).toMatch(/YAML syntax error/);
    expect(issues[0]?.line).toBeGreaterThan(0);
  });

  it('checks campaign dates and overridden threshold names', () => {
    const issues = issuesOf(`${VALID_HEAD}overrides:
  - { id: c, label: C, from: 2026-12-10, to: 2026-12-01, thresholds: { behavior: 10 } }
rules:
  - { id: r, when: { fact: score.behaviour, op: gte, threshold: behaviour }, flag: yes, nextAction: nurture }
`);
    expect(issues.map((i) => i.message)).toEqual([
      '"to" (2026-12-01) is before "from" (2026-12-10)',
      'unknown threshold "behavior"',
    ]);
  });

  it('names a missing file and the presets', () => {
    expect(() => loadRuleSet('no/such/file.yaml')).toThrow(
      /cannot read the rule file \(ENOENT\)[\s\S]*small, mid, large/,
    );
  });

  it('accepts the three shipped presets', () => {
    for (const p of ['small', 'mid', 'large']) expect(loadRuleSet(p).name).toBe(p);
  });
});
