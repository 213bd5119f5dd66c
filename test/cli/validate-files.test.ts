import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.ts';
import { captureOutput } from '../support/capture-output.ts';

/**
 * `tossup validate` checks every admin-edited file offline (rules, routing, SLA and both CRM
 * mappings), reports every problem of a file at once in line order, and with `--crm` only adds
 * the live-schema check.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tossup-validate-'));
const shippedSf = readFileSync(join(ROOT, 'mappings/salesforce.yaml'), 'utf8');
const shippedRouting = readFileSync(join(ROOT, 'mappings/routing.yaml'), 'utf8');

/** No TOSSUP_* from the caller's shell and no profiles file: only what a test passes. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TOSSUP_') && v) env[k] = v;
  return { ...env, HOME: dir, ...extra };
}

function tossup(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: ROOT, env: cleanEnv(env) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** In-process run (the exit code and both streams), for the cases that need no fresh process. */
async function validate(
  files: string[],
  opts: { crm?: 'salesforce' | 'hubspot' },
  env: Record<string, string> = {},
) {
  const io = captureOutput();
  try {
    const code = await validateCommand(files, opts, env, []);
    return { code, out: io.out(), err: io.err() };
  } finally {
    vi.restoreAllMocks();
  }
}

const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

/** The five breaks of the issue, each a [from, to] replacement in the shipped Salesforce mapping. */
const BREAKS = {
  keyTypo: [
    '  employees: NumberOfEmployees\n  employeesText',
    '  employes: NumberOfEmployees\n  employeesText',
  ],
  label: ['  title: Title\n  department: Department__c', '  title: 役職\n  department: Department__c'],
  duplicatePicklist: ['    hold: 一時保留', '    hold: はい'],
  lengthWithUnit: ['  reasonMaxLength: 255', '  reasonMaxLength: 255文字'],
  badRegex: ['{ match: "資料|', '{ match: "資料(|'],
} as const;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('offline validate checks the CRM mappings', () => {
  it('catches all five breaks of salesforce.yaml without --crm, in line order, each with its fix', () => {
    let text = shippedSf;
    for (const [from, to] of Object.values(BREAKS)) {
      expect(text).toContain(from);
      text = text.replace(from, to);
    }
    const file = write('salesforce-broken.yaml', text);
    const r = tossup(['validate'], { TOSSUP_SALESFORCE_MAPPING: file });
    expect(r.code).toBe(2);
    expect(r.out).not.toContain('salesforce-broken.yaml: ok');
    const located = [
      ...r.err.matchAll(/salesforce-broken\.yaml:(\d+):(\d+) (\S+): (.*)\n {2}hint: (.*)/g),
    ].map((m) => ({ line: Number(m[1]), path: m[3], message: m[4], hint: m[5] }));
    expect(located.map((i) => [i.line, i.path])).toEqual([
      [lineOf(text, '  employes:'), 'lead.employes'],
      [lineOf(text, '  title: 役職'), 'lead.title'],
      [lineOf(text, 'match: "資料('), 'behaviour.campaignMembers.names[1].match'],
      [lineOf(text, 'reasonMaxLength'), 'writeBack.reasonMaxLength'],
      [lineOf(text, '    hold: はい'), 'writeBack.flagValues.hold'],
    ]);
    expect(located[0]!.hint).toContain('did you mean "employees"?');
    expect(located[1]!.hint).toContain('"役職" looks like a field label');
    expect(located[2]!.message).toContain('Unterminated group');
    expect(located[3]!).toMatchObject({ message: '"255文字" is not a number' });
    expect(located[3]!.hint).toContain('write 255 as a plain number');
    expect(located[4]!.message).toBe('"hold" uses the same picklist value "はい" as "yes"');
    // The typo is reported once, at the typo, not again as `"employees" is required`.
    expect(r.err).not.toContain('is required');
    // The other files are still checked and reported.
    expect(r.out).toContain('mappings/hubspot.yaml: ok');
  });

  it('catches each break on its own (none prints ok)', async () => {
    for (const [name, [from, to]] of Object.entries(BREAKS)) {
      const file = write(`sf-${name}.yaml`, shippedSf.replace(from, to));
      const { code, out, err } = await validate([], {}, { TOSSUP_SALESFORCE_MAPPING: file });
      expect({ name, code }).toEqual({ name, code: 2 });
      expect(out).not.toContain(`sf-${name}.yaml: ok`);
      expect(err).toContain(`sf-${name}.yaml:${lineOf(shippedSf, from.trim().split('\n')[0]!)}:`);
    }
  });

  it('with --crm, reports the same file problems precisely before connecting to anything', async () => {
    const file = write('sf-crm.yaml', shippedSf.replace(...BREAKS.lengthWithUnit));
    // No credentials at all: the file problems come first, and no connection is tried.
    const r = await validate([], { crm: 'salesforce' }, { TOSSUP_SALESFORCE_MAPPING: file });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `sf-crm.yaml:${lineOf(shippedSf, 'reasonMaxLength')}:20 writeBack.reasonMaxLength: "255文字" is not a number`,
    );
    expect(r.err).toContain('(salesforce was not checked: fix the files above first)');
    expect(r.err).not.toContain('credentials');
  });

  it('checks the HubSpot mapping offline too', async () => {
    const hs = readFileSync(join(ROOT, 'mappings/hubspot.yaml'), 'utf8').replace(
      '  title: jobtitle',
      '  title: Job Title',
    );
    const r = await validate([], {}, { TOSSUP_HUBSPOT_MAPPING: write('hubspot.yaml', hs) });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/hubspot\.yaml:\d+:\d+ contact\.title: not a HubSpot internal property name/);
    expect(r.err).toContain('"Job Title" looks like a property label');
  });
});

describe('validate reports every problem at once', () => {
  it('lists shape and rule problems of one file together, sorted by line', () => {
    const file = write(
      'seven.yaml',
      `version: 1
name: Seven
thresholds: { behaviour: 100 }
otherwise: { flag: no, nextAction: nurture }
rules:
  - id: first
    when: { fact: score.behavior, op: gte, threshold: behaviour }
    flag: maybe
    nextAction: field_sales_tossup
  - id: second
    when:
      all:
        - { fact: company.employes, op: gte, value: 50 }
        - { fact: company.employees, op: gte, value: "50名" }
        - { fact: score.attribute, op: gte, threshold: behavior }
    flag: yes
    nextAction: field_sales_tosup
  - id: first
    when: { fact: score.attribute, op: gte, value: 1 }
    flag: yes
    nextAction: nurture
`,
    );
    const r = tossup(['validate', file]);
    expect(r.code).toBe(2);
    const lines = [...r.err.matchAll(/seven\.yaml:(\d+):\d+ (\S+):/g)].map((m) => [Number(m[1]), m[2]]);
    expect(lines).toEqual([
      [2, 'name'],
      [7, 'rules[0].when.fact'],
      [8, 'rules[0].flag'],
      [13, 'rules[1].when.all[0].fact'],
      [14, 'rules[1].when.all[1].value'],
      [15, 'rules[1].when.all[2].threshold'],
      [17, 'rules[1].nextAction'],
      [18, 'rules[2].id'],
    ]);
    // A fact typo gets a did-you-mean, like the routing file's unknown keys.
    expect(r.err).toContain('unknown fact "score.behavior"\n  hint: did you mean "score.behaviour"?');
    expect(r.err).toContain('unknown fact "company.employes"\n  hint: did you mean "company.employees"?');
    expect(r.err).toContain('unknown threshold "behavior"\n  hint: did you mean "behaviour"?');
  });

  it('says that a YAML indentation error is one, at the line that is off', async () => {
    const file = write(
      'indent.yaml',
      `version: 1
name: t
otherwise: { flag: no, nextAction: nurture }
rules:
  - id: first
    when: { fact: score.behaviour, op: gte, value: 1 }
     flag: yes
    nextAction: field_sales_tossup
`,
    );
    const r = await validate([file], {});
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:7:6 indentation error: this line is indented by 5 spaces`);
    expect(r.err).toContain('hint: indent it by 4 spaces');
  });

  it('lists routing.yaml shape errors and unknown names together (seven problems, one run)', async () => {
    const file = write(
      'routing7.yaml',
      `version: 1
reps:
  - { key: u001, name: A, dailyCapacity: "10件" }
  - { key: u002, name: B, away: [{ from: "2026-08-21", to: "2026-08-10" }] }
  - { key: u003, nmae: C }
queues:
  - { key: is_queue, name: IS }
pools:
  - id: kanto
    members:
      - { rep: u001 }
      - { rep: u00l }
rules:
  - { id: r1, when: { territory: kantoo }, pool: kanto }
  - { id: r2, pool: kantou }
overflow: { queue: is_queeu }
`,
    );
    const r = await validate([], {}, { TOSSUP_ROUTING: file });
    expect(r.code).toBe(2);
    const found = [...r.err.matchAll(/routing7\.yaml:(\d+):\d+ (\S+): (.*)\n {2}hint: (.*)/g)].map((m) => [
      Number(m[1]),
      m[2],
      m[4],
    ]);
    expect(found.map(([line, path]) => [line, path])).toEqual([
      [3, 'reps[0].dailyCapacity'],
      [4, 'reps[1].away[0].to'],
      [5, 'reps[2].nmae'],
      [12, 'pools[0].members[1].rep'],
      [14, 'rules[0].when.territory[0]'],
      [15, 'rules[1].pool'],
      [16, 'overflow.queue'],
    ]);
    expect(found[3]![2]).toBe('did you mean "u001"?');
    expect(found[6]![2]).toBe('did you mean "is_queue"?');
  });

  it('gives a reversed absence range in routing.yaml a hint', async () => {
    const routing = shippedRouting.replace(
      '{ from: "2026-08-10", to: "2026-08-21" }',
      '{ from: "2026-08-21", to: "2026-08-10" }',
    );
    expect(routing).not.toBe(shippedRouting);
    const r = await validate([], {}, { TOSSUP_ROUTING: write('routing.yaml', routing) });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`routing.yaml:${lineOf(routing, '{ from: "2026-08-21"')}:`);
    expect(r.err).toContain('"to" (2026-08-10) is before "from" (2026-08-21)');
    expect(r.err).toContain('hint: swap the dates: { from: 2026-08-10, to: 2026-08-21 }');
  });
});

describe('validate checks notifications.yaml', () => {
  const shipped = readFileSync(join(ROOT, 'mappings/notifications.yaml'), 'utf8');

  it('passes the shipped file and says what is sent', async () => {
    const r = await validate([], {});
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'mappings/notifications.yaml: ok (toss-up, reminder, escalation, reassignment, approval_requested; ja)',
    );
  });

  it('lists every problem with file, line, field and fix (unknown pool against routing.yaml too)', async () => {
    const text = shipped
      .replace('language: ja', 'language: jp')
      .replace('reminder: { team: false, dm: [owner] }', 'reminder: { team: false, dm: [boss] }')
      .replace('    fs_kansai: "#field-sales"', '    fs_kansia: "#field-sales"')
      .replace('  defaultChannel: "#inside-sales"', '  defaultChannel: "Inside Sales"')
      .replace('  escalation: {', '  escalaton: {');
    const file = write('notifications.yaml', text);
    const r = await validate([], {}, { TOSSUP_NOTIFICATIONS: file });
    expect(r.code).toBe(2);
    const found = [...r.err.matchAll(/notifications\.yaml:(\d+):\d+ (\S+): (.*)\n {2}hint: (.*)/g)].map(
      (m) => [Number(m[1]), m[2], m[3], m[4]],
    );
    expect(found.map(([line, path]) => [line, path])).toEqual([
      [lineOf(text, 'language: jp'), 'language'],
      [lineOf(text, 'dm: [boss]'), 'events.reminder.dm[0]'],
      [lineOf(text, 'escalaton'), 'events.escalaton'],
      [lineOf(text, 'fs_kansia'), 'slack.channels.fs_kansia'],
      [lineOf(text, 'Inside Sales'), 'slack.defaultChannel'],
    ]);
    expect(found[3]![3]).toBe('did you mean "fs_kansai"?');
    expect(found[2]![3]).toBe(
      'did you mean "escalation"? the events are toss-up, reminder, escalation, reassignment, approval_requested',
    );
    expect(found[4]![3]).toContain('use the channel id');
    expect(r.out).not.toContain('notifications.yaml: ok');
  });

  it('the bundled file with another routing file: its unknown pools are a warning (as in sync and sweep); a copy of it is checked strictly', async () => {
    const routingFile = write(
      'routing-one-pool.yaml',
      'version: 1\ntimeZone: Asia/Tokyo\nreps:\n  - { key: r1, name: Rep One, salesforceId: "005000000000001AAA" }\npools:\n  - id: fs\n    members: [{ rep: r1 }]\noverflow: { rep: r1 }\n',
    );
    const bundled = await validate([], {}, { TOSSUP_ROUTING: routingFile });
    expect(bundled.code, bundled.err).toBe(0);
    expect(bundled.out).toContain(
      'mappings/notifications.yaml: ok (toss-up, reminder, escalation, reassignment, approval_requested; ja)',
    );
    expect(bundled.out).toMatch(
      /warning: .*name pools your routing file does not have \(fs_kanto_enterprise, /,
    );
    const copy = write('notifications-copy.yaml', shipped);
    const own = await validate([], {}, { TOSSUP_ROUTING: routingFile, TOSSUP_NOTIFICATIONS: copy });
    expect(own.code).toBe(2);
    expect(own.err).toContain('unknown pool "fs_kanto_enterprise"');
  });

  it('refuses an event sent to the team with no channel or webhook, and a DM without Slack', async () => {
    const file = write(
      'notifications-nowhere.yaml',
      'version: 1\nevents:\n  toss-up: { team: true }\n  reminder: { dm: owner }\n',
    );
    const r = await validate([], {}, { TOSSUP_NOTIFICATIONS: file });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'notifications-nowhere.yaml:3:20 events.toss-up.team: "toss-up" is sent to the team, but no team channel or webhook is configured',
    );
    expect(r.err).toContain(
      'notifications-nowhere.yaml:4:19 events.reminder.dm: "reminder" is sent as a direct message, which needs Slack',
    );
  });

  it("refuses a rep's e-mail in routing.yaml that is not an e-mail address", async () => {
    const routing = shippedRouting.replace('email: ken.sato@example.co.jp', 'email: ken.sato');
    expect(routing).not.toBe(shippedRouting);
    const r = await validate([], {}, { TOSSUP_ROUTING: write('routing-email.yaml', routing) });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`routing-email.yaml:${lineOf(routing, 'email: ken.sato }')}:`);
    expect(r.err).toContain("reps[0].email: not an e-mail address; write the rep's work e-mail");
    // The value is not echoed back (it is personal data).
    expect(r.err).not.toContain('ken.sato"');
  });
});

describe('validate --crm without credentials', () => {
  it('names the missing credentials and their variables, not "sync settings"', async () => {
    const r = await validate([], { crm: 'salesforce' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('validate --crm salesforce connects to Salesforce and needs its credentials');
    expect(r.err).toContain('TOSSUP_SALESFORCE_CLIENT_ID');
    expect(r.err).toContain('TOSSUP_SALESFORCE_USERNAME + TOSSUP_SALESFORCE_PASSWORD');
    expect(r.err).not.toContain('sync settings');
    expect(r.err).not.toContain('--rules');
  });
});
