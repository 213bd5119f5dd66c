import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../src/domain/errors.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';

const SLA = `version: 1
slas:
  field_sales_tossup:
    due: 1 businessDay
    escalateAfter: 1 businessDay
    ladder:
      - { do: remind_owner, at: "75%" }
      - { do: notify_manager, at: escalation }
      - { do: reassign, at: "breach + 4 businessHours", maxTimes: 2 }
  inside_sales_follow_up: { due: 3 businessDays }
  inside_sales_hearing: { due: 3 businessDays }
  notify_is_sales_planning: { due: 3 businessDays }
  nurture: none
`;

function issuesOf(parse: () => unknown): readonly ConfigIssue[] {
  try {
    parse();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('sla.yaml ladder', () => {
  it('reads steps, their times and the manager source', () => {
    const c = parseSlaConfig(SLA, 'sla.yaml');
    expect(c.managers).toBe('routing');
    expect(c.slas.field_sales_tossup?.ladder).toEqual([
      { do: 'remind_owner', at: { kind: 'percent', percent: 75 } },
      { do: 'notify_manager', at: { kind: 'escalation', plus: null } },
      { do: 'reassign', at: { kind: 'breach', plus: { amount: 4, unit: 'businessHours' } }, maxTimes: 2 },
    ]);
    expect(parseSlaConfig(`managers: crm\n${SLA}`, 'sla.yaml').managers).toBe('crm');
  });

  it('the shipped sla.yaml has a ladder for every next action with an SLA', () => {
    const c = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));
    for (const [action, entry] of Object.entries(c.slas))
      if (entry) expect(entry.ladder, action).toBeDefined();
  });

  it('points a bad ladder time at its line and column, with the accepted forms', () => {
    const issues = issuesOf(() =>
      parseSlaConfig(SLA.replace('at: "75%"', 'at: "soon"'), 'mappings/sla.yaml'),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      file: 'mappings/sla.yaml',
      line: 7,
      column: 33,
      path: 'slas.field_sales_tossup.ladder[0].at',
      message: '"soon" is not a ladder time',
    });
    expect(issues[0]?.hint).toContain('breach + 4 businessHours');
  });

  it('rejects a share beyond the due time, an unknown unit and an unknown action, all at once', () => {
    const text = SLA.replace('"75%"', '"120%"')
      .replace('"breach + 4 businessHours"', '"breach + 4 weeks"')
      .replace('do: notify_manager', 'do: email_boss');
    const byPath = Object.fromEntries(
      issuesOf(() => parseSlaConfig(text, 'sla.yaml')).map((i) => [i.path, i]),
    );
    expect(byPath['slas.field_sales_tossup.ladder[0].at']).toMatchObject({
      line: 7,
      message: '120% is not within the due time',
    });
    expect(byPath['slas.field_sales_tossup.ladder[1].do']).toMatchObject({ line: 8 });
    expect(byPath['slas.field_sales_tossup.ladder[1].do']?.hint).toContain('remind_owner');
    expect(byPath['slas.field_sales_tossup.ladder[2].at']).toMatchObject({ line: 9 });
  });

  it('needs escalateAfter for "escalation", one id per step, and maxTimes on reassign only', () => {
    const text = SLA.replace('    escalateAfter: 1 businessDay\n', '')
      .replace('{ do: remind_owner, at: "75%" }', '{ do: remind_owner, at: "75%", maxTimes: 1 }')
      .replace('      - { do: reassign', '      - { do: remind_owner, at: breach }\n      - { do: reassign');
    const issues = issuesOf(() => parseSlaConfig(text, 'sla.yaml'));
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [6, 'slas.field_sales_tossup.ladder[0].maxTimes', 'only a reassign step takes "maxTimes"'],
      [
        7,
        'slas.field_sales_tossup.ladder[1].at',
        '"escalation" needs an "escalateAfter" for this next action',
      ],
      [8, 'slas.field_sales_tossup.ladder[2]', 'step "remind_owner" is listed twice'],
    ]);
    expect(issues[2]?.hint).toContain('id: remind_owner_2');
  });

  it('formats like every config error: file:line:column path: message, then the fix', () => {
    try {
      parseSlaConfig(SLA.replace('at: "75%"', 'at: "soon"'), 'mappings/sla.yaml');
    } catch (e) {
      expect((e as Error).message).toMatch(
        /^mappings\/sla\.yaml:7:33 slas\.field_sales_tossup\.ladder\[0\]\.at: /,
      );
      expect((e as Error).message).toContain('hint:');
      return;
    }
    throw new Error('expected a ConfigError');
  });
});

describe('routing.yaml pool manager', () => {
  const routing = readFileSync('mappings/routing.yaml', 'utf8');
  it('must be a listed rep, with a did-you-mean', () => {
    const issues = issuesOf(() =>
      parseRoutingConfig(routing.replace('manager: u003', 'manager: u03'), 'routing.yaml'),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'pools[1].manager', message: 'unknown rep "u03"' });
    expect(issues[0]?.line).toBe(routing.split('\n').findIndex((l) => l.includes('manager: u003')) + 1);
    expect(issues[0]?.hint).toContain('did you mean');
  });
});
