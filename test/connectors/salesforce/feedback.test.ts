import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSalesforceMapping } from '../../../connectors/salesforce/mapping.ts';
import { setupSalesforce } from '../../../connectors/salesforce/setup.ts';
import type { EmuRequest } from '../../../emulators/shared/http-app.ts';
import { ConfigError } from '../../../src/domain/errors.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { RESULT_OPTIONS, SENT_BACK_REASON_OPTIONS } from '../../support/feedback-options.ts';
import { syncOptions, worldOrg } from './pipeline-kit.ts';
import { connect, insertLead, mapping, readAll, startOrg, T0 } from './sf-kit.ts';

/**
 * The rep's feedback fields on Salesforce (issue 14, first slice): created by `tossup setup
 * salesforce`, checked by the schema check, read into `lead.current.feedback` in the same query,
 * never written by a sync.
 */

const FEEDBACK_FIELDS = ['TossUp_Result__c', 'TossUp_Sent_Back_Reason__c', 'TossUp_Feedback_Note__c'];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Salesforce feedback fields', () => {
  it('the mapping section: shipped names, the same defaults for a mapping written before it, no sharing with a written field', () => {
    const text = readFileSync('mappings/salesforce.yaml', 'utf8');
    expect(mapping.feedback).toEqual({
      result: 'TossUp_Result__c',
      sentBackReason: 'TossUp_Sent_Back_Reason__c',
      note: 'TossUp_Feedback_Note__c',
    });
    const without = text.replace(/\nfeedback:\n(?:(?: {2}.*)?\n)+?(?=\n#)/, '\n');
    expect(without).not.toContain('TossUp_Result__c');
    expect(parseSalesforceMapping(without, 'old.yaml').feedback).toEqual(mapping.feedback);
    const clash = text.replace('  result: TossUp_Result__c', '  result: TossUp_Flag__c');
    try {
      parseSalesforceMapping(clash, 'clash.yaml');
      expect.unreachable('a feedback field shared with the flag must be refused');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.path)).toContain('feedback.result');
    }
  });

  it('setup writes the two picklists (English values, Japanese labels) and the note, read-only for the integration user', () => {
    const out = mkdtempSync(join(tmpdir(), 'tossup-sf-feedback-'));
    dirs.push(out);
    const result = setupSalesforce(mapping, { outDir: out });
    for (const object of ['Lead', 'Contact']) {
      for (const f of FEEDBACK_FIELDS) expect(result.fields).toContain(`${object}.${f}`);
    }
    const field = (name: string) =>
      readFileSync(join(out, `force-app/main/default/objects/Lead/fields/${name}.field-meta.xml`), 'utf8');
    const result_ = field('TossUp_Result__c');
    expect(result_).toContain('<label>トスアップ結果</label>');
    expect(result_).toContain('<restricted>true</restricted>');
    for (const [value, label] of RESULT_OPTIONS) {
      expect(result_).toContain(`<fullName>${value}</fullName>`);
      expect(result_).toContain(`<label>${label}</label>`);
    }
    const reason = field('TossUp_Sent_Back_Reason__c');
    for (const [value, label] of SENT_BACK_REASON_OPTIONS) {
      expect(reason).toContain(`<fullName>${value}</fullName>`);
      expect(reason).toContain(`<label>${label}</label>`);
    }
    expect(field('TossUp_Feedback_Note__c')).toContain('<type>LongTextArea</type>');

    const perms = readFileSync(
      join(out, 'force-app/main/default/permissionsets/TossUp_Integration.permissionset-meta.xml'),
      'utf8',
    );
    for (const object of ['Lead', 'Contact']) {
      for (const f of FEEDBACK_FIELDS) {
        expect(perms).toContain(
          `<editable>false</editable>\n        <field>${object}.${f}</field>\n        <readable>true</readable>`,
        );
      }
    }
    expect(perms).toContain('<editable>true</editable>\n        <field>Lead.TossUp_Flag__c</field>');
    // Idempotent: a second run writes the same files.
    const again = setupSalesforce(mapping, { outDir: out });
    expect(again.fields).toEqual(result.fields);
  });

  it('the schema check names each missing feedback field, its mapping path and the fix', async () => {
    const emu = await startOrg({
      schemaExtensions: [
        { object: 'Lead', removeFields: FEEDBACK_FIELDS },
        { object: 'Contact', removeFields: FEEDBACK_FIELDS },
      ],
    });
    const connector = await connect(emu);
    const check = await connector.checkSchema();
    const problems = check.problems.map((p) => `${p.kind} ${p.object}.${p.field} ${p.mappingPath}`);
    expect(problems.sort()).toEqual(
      [
        'missing_field Contact.TossUp_Feedback_Note__c feedback.note',
        'missing_field Contact.TossUp_Result__c feedback.result',
        'missing_field Contact.TossUp_Sent_Back_Reason__c feedback.sentBackReason',
        'missing_field Lead.TossUp_Feedback_Note__c feedback.note',
        'missing_field Lead.TossUp_Result__c feedback.result',
        'missing_field Lead.TossUp_Sent_Back_Reason__c feedback.sentBackReason',
      ].sort(),
    );
    for (const p of check.problems) expect(p.fix).toContain('tossup setup salesforce');
  });

  it('the schema check reports a result picklist lacking one of our values', async () => {
    const emu = await startOrg({
      schemaExtensions: [
        {
          object: 'Lead',
          patchFields: {
            TossUp_Result__c: {
              picklistValues: ['accepted', 'sent_back', 'opportunity'].map((value) => ({
                value,
                label: value,
                active: true,
              })),
            },
          },
        },
      ],
    });
    const check = await (await connect(emu)).checkSchema();
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]).toMatchObject({ object: 'Lead', field: 'TossUp_Result__c' });
    expect(check.problems[0]!.message).toContain('lost');
  });

  it("reads the rep's verdict into lead.current.feedback in the same query; unknown values become data issues", async () => {
    const emu = await startOrg();
    const sentBack = insertLead(emu, T0, {
      TossUp_Result__c: 'sent_back',
      TossUp_Sent_Back_Reason__c: 'too_early',
      TossUp_Feedback_Note__c: '来期予算で再検討とのこと',
    });
    const accepted = insertLead(emu, T0 + 1, { TossUp_Result__c: 'accepted' });
    const nothing = insertLead(emu, T0 + 2);
    const odd = insertLead(emu, T0 + 3, {
      TossUp_Result__c: 'maybe',
      TossUp_Sent_Back_Reason__c: 'too_early',
    });
    const connector = await connect(emu);
    const queriesBefore = emu.app.apiRequests();
    const leads = new Map((await readAll(connector, null)).flatMap((p) => p.leads).map((l) => [l.id, l]));
    // One query for the four leads (plus the contacts' and responses' reads the source always makes).
    const calls = emu.app.apiRequests() - queriesBefore;

    expect(leads.get(sentBack)!.current.feedback).toEqual({
      result: 'sent_back',
      sentBackReason: 'too_early',
      note: '来期予算で再検討とのこと',
    });
    expect(leads.get(accepted)!.current.feedback).toEqual({
      result: 'accepted',
      sentBackReason: null,
      note: null,
    });
    expect(leads.get(nothing)!.current.feedback).toBeUndefined();
    expect(leads.get(odd)!.current.feedback).toEqual({
      result: null,
      sentBackReason: 'too_early',
      note: null,
    });
    expect(leads.get(odd)!.dataIssues).toContainEqual({
      field: 'current.feedback.result',
      raw: 'maybe',
      problem: 'unknown_value',
    });

    // The same read without any feedback set makes exactly as many calls.
    const plain = await startOrg();
    for (let i = 0; i < 4; i++) insertLead(plain, T0 + i);
    const plainConnector = await connect(plain);
    const plainBefore = plain.app.apiRequests();
    await readAll(plainConnector, null);
    expect(calls).toBe(plain.app.apiRequests() - plainBefore);
  });

  it('a sync never writes the feedback fields: payloads never name them and the rep’s values survive two runs', async () => {
    const { emu, routing } = await worldOrg(40);
    const leads = emu.store.all('Lead').slice(0, 6);
    const verdicts = [
      {
        TossUp_Result__c: 'sent_back',
        TossUp_Sent_Back_Reason__c: 'no_budget',
        TossUp_Feedback_Note__c: '予算なし',
      },
      { TossUp_Result__c: 'accepted' },
      { TossUp_Result__c: 'opportunity', TossUp_Feedback_Note__c: '商談化しました' },
      { TossUp_Result__c: 'lost' },
      { TossUp_Result__c: 'sent_back', TossUp_Sent_Back_Reason__c: 'duplicate' },
      { TossUp_Feedback_Note__c: 'メモのみ' },
    ];
    leads.forEach((l, i) => {
      emu.store.update('Lead', l.Id as string, verdicts[i]!, { at: T0 });
    });
    const bodies: { route: string; body: string }[] = [];
    emu.app.guard((req: EmuRequest) => {
      if (req.method !== 'GET') bodies.push({ route: req.route, body: req.body.toString('utf8') });
      return undefined;
    });
    const connector = await connect(emu);
    const options = syncOptions(emu, connector, routing);
    const first = await runSync(options);
    expect(first.status).toBe('completed');
    expect(first.counts.written).toBe(40);
    emu.clock.advance(10_000);
    for (const l of leads) emu.store.update('Lead', l.Id as string, { TossUp_Reason__c: 'edited' });
    emu.clock.advance(10_000);
    // A later run (its clock after the edits), same state: the edited leads are read and rewritten.
    const second = await runSync(syncOptions(emu, connector, routing, { state: options.state }));
    expect(second.status).toBe('completed');
    expect(second.counts.written).toBeGreaterThanOrEqual(6);

    const writes = bodies.filter(
      (b) => b.route.startsWith('sf.collections') || b.route.startsWith('sf.sobject'),
    );
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.some((w) => w.body.includes('TossUp_Flag__c'))).toBe(true);
    for (const w of writes) for (const f of FEEDBACK_FIELDS) expect(w.body).not.toContain(f);
    leads.forEach((l, i) => {
      const now = emu.store.get('Lead', l.Id as string)!;
      for (const [k, v] of Object.entries(verdicts[i]!)) expect(now[k]).toBe(v);
    });
  });
});
