import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';

const VALID = `version: 1
slas:
  field_sales_tossup:
    due: 24 hours
    escalateAfter: { amount: 4, unit: businessHours }
  inside_sales_follow_up: { due: 3 businessDays }
  inside_sales_hearing: { due: 1 businessDay }
  notify_is_sales_planning: { due: 3 days }
  nurture: none
`;

function issuesOf(text: string) {
  try {
    parseSlaConfig(text, 'sla.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseSlaConfig', () => {
  it('reads durations written as text or as objects and fills calendar defaults', () => {
    const c = parseSlaConfig(VALID, 'sla.yaml');
    expect(c.timeZone).toBe('Asia/Tokyo');
    expect(c.businessHours).toEqual({ start: '09:00', end: '18:00' });
    expect(c.workingDays).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(c.nationalHolidays).toBe(true);
    expect(c.slas.field_sales_tossup).toEqual({
      due: { amount: 24, unit: 'hours' },
      escalateAfter: { amount: 4, unit: 'businessHours' },
    });
    expect(c.slas.inside_sales_hearing?.due).toEqual({ amount: 1, unit: 'businessDays' });
    expect(c.slas.notify_is_sales_planning?.due).toEqual({ amount: 3, unit: 'days' });
    expect(c.slas.nurture).toBeNull();
  });

  it('points an unknown unit at its line with a hint', () => {
    const issues = issuesOf(VALID.replace('due: 3 businessDays', 'due: 3 weeks'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'sla.yaml', line: 6, path: 'slas.inside_sales_follow_up.due' });
    expect(issues[0]?.message).toContain('not a duration');
  });

  it('requires every next action to be listed, with a hint to write "none"', () => {
    const issues = issuesOf(VALID.replace('  nurture: none\n', ''));
    expect(issues[0]).toMatchObject({ path: 'slas.nurture', line: 3 });
    expect(issues[0]?.message).toContain('"nurture" is required');
    expect(issues[0]?.hint).toContain('nurture: none');
  });

  it('reports an unknown key at the key itself', () => {
    const issues = issuesOf(VALID.replace('  nurture: none', '  nurture: none\n  nuture: none'));
    expect(issues[0]).toMatchObject({ line: 10, column: 3, path: 'slas.nuture' });
  });

  it('rejects bad time zones, times, dates and ranges, all in one pass', () => {
    const text = `version: 1
timeZone: Asia/Tokio
businessHours: { start: "9:00", end: "18:00" }
companyHolidays:
  - { date: "2026-02-30" }
  - { from: "12-29", to: "2027-01-03" }
  - { name: lone }
${VALID.split('\n').slice(1).join('\n')}`;
    const issues = issuesOf(text);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(byPath.timeZone?.line).toBe(2);
    expect(byPath['businessHours.start']?.line).toBe(3);
    expect(byPath['companyHolidays[0].date']?.line).toBe(5);
    expect(byPath['companyHolidays[1].to']?.message).toContain('both be');
    expect(byPath['companyHolidays[2]']?.line).toBe(7);
    expect(issues.every((i) => i.file === 'sla.yaml')).toBe(true);
  });

  it('rejects business hours that end before they start', () => {
    const issues = issuesOf(`businessHours: { start: "18:00", end: "09:00" }\n${VALID}`);
    expect(issues[0]).toMatchObject({ path: 'businessHours.end', line: 1 });
  });

  it('reports YAML syntax errors with a line number', () => {
    const issues = issuesOf('version: 1\nslas: [\n');
    expect(issues[0]?.line).toBeGreaterThan(0);
    expect(issues[0]?.message).toMatch(/YAML syntax error/);
  });

  it('rejects an empty file with a hint', () => {
    expect(issuesOf('')[0]?.message).toBe('the file is empty');
  });

  it('formats the error so that an admin can read it without code', () => {
    try {
      parseSlaConfig(VALID.replace('due: 3 businessDays', 'due: 3 weeks'), 'mappings/sla.yaml');
    } catch (e) {
      expect(String((e as Error).message)).toMatch(
        /^mappings\/sla\.yaml:6:\d+ slas\.inside_sales_follow_up\.due: /,
      );
      expect(String((e as Error).message)).toContain('hint:');
      return;
    }
    throw new Error('expected a ConfigError');
  });
});
