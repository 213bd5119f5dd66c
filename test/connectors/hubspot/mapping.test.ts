import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHubspotMapping, optionMaps, parseHubspotMapping } from '../../../connectors/hubspot/mapping.ts';
import { ConfigError } from '../../../src/domain/errors.ts';

/** mappings/hubspot.yaml: parsed with zod, every problem reported with file:line, field and fix. */

const FILE = 'mappings/hubspot.yaml';
const text = readFileSync(FILE, 'utf8');

function issuesOf(yaml: string) {
  try {
    parseHubspotMapping(yaml, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

function lineOf(yaml: string, needle: string): number {
  return yaml.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('HubSpot mapping', () => {
  it('loads the shipped mapping with the flag options はい/いいえ/一時保留', () => {
    const m = loadHubspotMapping();
    expect(m.writeBack.flagOptions).toEqual({
      yes: { value: 'yes', label: 'はい' },
      no: { value: 'no', label: 'いいえ' },
      hold: { value: 'hold', label: '一時保留' },
    });
    const maps = optionMaps(m);
    expect(maps.flagFromPortal.get('hold')).toBe('hold');
    expect(maps.nextActionToPortal.nurture).toBe('nurture');
    expect(maps.answerFromPortal.get('unknown')).toBe('unknown');
    expect(m.tasks.keyProperty).toBe('tossup_task_key');
  });

  it('SLA fields (issue 13): the shipped section, the same defaults when a mapping predates it, one value per status', () => {
    const shipped = loadHubspotMapping().sla;
    expect(shipped.status).toBe('tossup_sla_status');
    expect(shipped.firstResponseAt).toBe('tossup_first_response_at');
    expect(shipped.statusOptions.escalated).toEqual({ value: 'escalated', label: 'エスカレーション済' });
    const withoutSla = text.replace(/\nsla:\n(?: {2}.*\n)+/, '\n');
    expect(withoutSla).not.toContain('tossup_sla_status');
    expect(parseHubspotMapping(withoutSla, FILE).sla).toEqual(shipped);

    const twice = text.replace('late: { value: late,', 'late: { value: met,');
    const [issue, ...rest] = issuesOf(twice);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({
      path: 'sla.statusOptions.late.value',
      line: lineOf(twice, 'late: { value: met'),
    });
  });

  it('points a wrong property name at its line, with the field and how to fix it', () => {
    const broken = text.replace('  title: jobtitle', '  title: Job Title');
    const [issue, ...rest] = issuesOf(broken);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({
      file: FILE,
      line: lineOf(broken, 'title: Job Title'),
      path: 'contact.title',
    });
    expect(issue!.message).toContain('not a HubSpot internal property name');
    expect(issue!.hint).toContain('internal name');
  });

  it('reports every problem of the file at once, typos with a suggestion', () => {
    const broken = text
      .replace('  lostStages: [closedlost]', '  lostStage: [closedlost]')
      .replace('  reasonMaxLength: 255', '  reasonMaxLength: "long"')
      .replace('    otherwise: form_submission', '    otherwise: brochure');
    const issues = issuesOf(broken);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    // The typo is reported once, at the misspelt key (not again as "lostStages is required").
    expect(Object.keys(byPath).sort()).toEqual(
      ['behaviour.conversions.otherwise', 'deals.lostStage', 'writeBack.reasonMaxLength'].sort(),
    );
    expect(byPath['deals.lostStage']).toMatchObject({
      line: lineOf(broken, 'lostStage:'),
      message: 'unknown key "lostStage"',
    });
    expect(byPath['deals.lostStage']!.hint).toContain('did you mean "lostStages"');
    expect(byPath['writeBack.reasonMaxLength']!.line).toBe(lineOf(broken, 'reasonMaxLength'));
    expect(byPath['behaviour.conversions.otherwise']!.hint).toContain('document_request');
    // The formatted error is what an admin sees: file:line:column path: message, then the hint.
    expect(() => parseHubspotMapping(broken, FILE)).toThrow(
      new RegExp(`${FILE}:${lineOf(broken, 'lostStage:')}:\\d+ deals.lostStage: unknown key`),
    );
  });

  it('refuses two of our values on one portal option, and writing to an input property', () => {
    const broken = text
      .replace('hold: { value: hold, label: 一時保留 }', 'hold: { value: "no", label: 一時保留 }')
      .replace('  reason: tossup_reason', '  reason: jobtitle');
    const issues = issuesOf(broken);
    expect(issues.map((i) => i.path).sort()).toEqual([
      'writeBack.flagOptions.hold.value',
      'writeBack.reason',
    ]);
    expect(issues.find((i) => i.path === 'writeBack.reason')!.message).toContain('also read as a lead input');
  });

  it('reports a bad regular expression in the conversion types', () => {
    const broken = text.replace('match: "ウェビナー|webinar"', 'match: "ウェビナー(webinar"');
    const [issue] = issuesOf(broken);
    expect(issue).toMatchObject({
      path: 'behaviour.conversions.types[1].match',
      line: lineOf(broken, 'ウェビナー(webinar'),
    });
    expect(issue!.message).toContain('regular expression');
  });

  it('says so when the mapping file is missing', () => {
    expect(() => loadHubspotMapping('mappings/no-such.yaml')).toThrow(
      /mappings\/no-such.yaml cannot read the HubSpot mapping \(ENOENT\)/,
    );
  });
});
