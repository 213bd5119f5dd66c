import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSchemaReport } from '../../../connectors/salesforce/schema-check.ts';
import { setupSalesforce } from '../../../connectors/salesforce/setup.ts';
import type { FieldDef } from '../../../emulators/salesforce/index.ts';
import { connect, mapping, startOrg } from './sf-kit.ts';

// `tossup validate --crm salesforce` (checkSalesforceSchema) and `tossup setup salesforce`
// (setupSalesforce): every problem at once with its fix; metadata that makes the check pass.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const OUR_FIELDS = [
  'TossUp_Flag__c',
  'TossUp_Reason__c',
  'TossUp_Next_Action__c',
  'TossUp_Attribute_Score__c',
  'TossUp_Behaviour_Score__c',
  'TossUp_Due__c',
  'TossUp_Decision_Key__c',
  'TossUp_SLA_Status__c',
  'TossUp_First_Response_At__c',
  'TossUp_Result__c',
  'TossUp_Sent_Back_Reason__c',
  'TossUp_Feedback_Note__c',
  'TossUp_Override__c',
  'TossUp_Opportunity__c',
  'TossUp_Opportunity_Date__c',
  'TossUp_Approval__c',
  'TossUp_Rejection_Reason__c',
];

describe('schema check', () => {
  it('passes on an org that has every mapped field', async () => {
    const emu = await startOrg();
    const connector = await connect(emu);
    const result = await connector.checkSchema();
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.objects.sort()).toEqual([
      'Account',
      'CampaignMember',
      'Contact',
      'Event',
      'Lead',
      'Opportunity',
      'OpportunityContactRole',
      'Task',
    ]);
  });

  it('lists every problem at once — missing, too short, picklist value dropped, read-only, not an External ID — each with its fix', async () => {
    const emu = await startOrg({
      schemaExtensions: [
        { object: 'Lead', removeFields: ['TossUp_Decision_Key__c'] },
        {
          object: 'Contact',
          patchFields: { TossUp_Reason__c: { length: 100 }, TossUp_Due__c: { updateable: false } },
          removePicklistValues: { TossUp_Flag__c: ['一時保留'] },
        },
        { object: 'Task', patchFields: { TossUp_Key__c: { externalId: false } } },
      ],
    });
    const connector = await connect(emu);

    const result = await connector.checkSchema();

    expect(result.ok).toBe(false);
    const kinds = result.problems.map((p) => `${p.object}.${p.field}:${p.kind}`).sort();
    expect(kinds).toEqual(
      [
        'Contact.TossUp_Due__c:not_updateable',
        'Contact.TossUp_Flag__c:picklist_values_missing',
        'Contact.TossUp_Reason__c:too_short',
        'Lead.TossUp_Decision_Key__c:missing_field',
        'Task.TossUp_Key__c:not_external_id',
      ].sort(),
    );
    const byKind = Object.fromEntries(result.problems.map((p) => [p.kind, p]));
    expect(byKind.too_short!.message).toBe(
      'Contact.TossUp_Reason__c holds 100 characters, the connector writes up to 255',
    );
    expect(byKind.too_short!.fix).toContain('raise the field length to 255');
    expect(byKind.picklist_values_missing!.message).toContain('"一時保留"');
    expect(byKind.missing_field!.fix).toContain('tossup setup salesforce');
    expect(byKind.not_updateable!.fix).toContain('permission set');
    const report = formatSchemaReport(result);
    expect(report).toContain('5 problem(s)');
    expect(report).toMatch(/fix: /);
  });

  it('points each problem at the line of mappings/salesforce.yaml that names the field', async () => {
    const emu = await startOrg({ schemaExtensions: [{ object: 'Lead', removeFields: ['IS_Budget__c'] }] });
    const connector = await connect(emu, {}, { mapping: undefined });
    const result = await connector.checkSchema();
    const [p] = result.problems;
    const text = readFileSync('mappings/salesforce.yaml', 'utf8');
    expect(p).toMatchObject({
      object: 'Lead',
      field: 'IS_Budget__c',
      kind: 'missing_field',
      mappingPath: 'hearing.budget',
    });
    expect(p!.line).toBe(text.split('\n').findIndex((l) => l.includes('budget: IS_Budget__c')) + 1);
    expect(p!.fix).toContain('grant the integration user read access');
  });
});

/** The emulator's field definition for a generated `.field-meta.xml` (what a deploy would create). */
function fieldFromXml(xml: string): FieldDef {
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  const name = tag('fullName')!;
  const label = tag('label')!;
  switch (tag('type')) {
    case 'Picklist': {
      const values = [...xml.matchAll(/<value>\s*<fullName>([^<]*)<\/fullName>/g)].map((m) => ({
        value: m[1]!,
        label: m[1]!,
        active: true,
      }));
      return {
        name,
        label,
        type: 'picklist',
        length: 255,
        picklistValues: values,
        restrictedPicklist: tag('restricted') === 'true',
      };
    }
    case 'Text':
      return {
        name,
        label,
        type: 'string',
        length: Number(tag('length')),
        externalId: tag('externalId') === 'true',
        unique: tag('unique') === 'true',
      };
    case 'LongTextArea':
      return { name, label, type: 'textarea', length: Number(tag('length')) };
    case 'Number':
      return {
        name,
        label,
        type: 'double',
        precision: Number(tag('precision')),
        scale: Number(tag('scale')),
      };
    case 'DateTime':
      return { name, label, type: 'datetime' };
    case 'Date':
      return { name, label, type: 'date' };
    case 'Checkbox':
      return { name, label, type: 'boolean', nillable: false, defaultValue: false, defaultedOnCreate: true };
    case 'Summary':
      return {
        name,
        label,
        type: 'double',
        precision: 18,
        scale: 0,
        createable: false,
        updateable: false,
        calculated: true,
        defaultValue: 0,
        summary: {
          childObject: 'Opportunity',
          foreignKey: 'AccountId',
          where: { IsClosed: true, IsWon: false },
        },
      };
    default:
      throw new Error(`unexpected field type in ${name}: ${tag('type')}`);
  }
}

describe('setup', () => {
  it('writes deployable field metadata, a permission set and package.xml for the mapping', () => {
    const out = mkdtempSync(join(tmpdir(), 'tossup-sf-setup-'));
    dirs.push(out);

    const result = setupSalesforce(mapping, { outDir: out, apiVersion: '62.0' });

    expect(result.fields.sort()).toEqual(
      [
        ...OUR_FIELDS.flatMap((f) => [`Lead.${f}`, `Contact.${f}`]),
        'Activity.TossUp_Key__c',
        'Account.TossUp_Lost_Opportunities__c',
      ].sort(),
    );
    const flag = readFileSync(
      join(out, 'force-app/main/default/objects/Lead/fields/TossUp_Flag__c.field-meta.xml'),
      'utf8',
    );
    expect(flag).toContain('<type>Picklist</type>');
    expect(flag).toContain('<restricted>true</restricted>');
    for (const v of ['はい', 'いいえ', '一時保留']) expect(flag).toContain(`<fullName>${v}</fullName>`);
    const key = readFileSync(
      join(out, 'force-app/main/default/objects/Activity/fields/TossUp_Key__c.field-meta.xml'),
      'utf8',
    );
    expect(key).toMatch(
      /<externalId>true<\/externalId>[\s\S]*<length>80<\/length>[\s\S]*<unique>true<\/unique>/,
    );
    const pkg = readFileSync(join(out, 'package.xml'), 'utf8');
    expect(pkg).toContain('<members>Lead.TossUp_Reason__c</members>');
    expect(pkg).toContain('<members>TossUp_Integration</members>');
    expect(pkg).toContain('<version>62.0</version>');
    const perms = readFileSync(
      join(out, 'force-app/main/default/permissionsets/TossUp_Integration.permissionset-meta.xml'),
      'utf8',
    );
    // Task custom fields are granted as Task.*, not Activity.* (Salesforce refuses the latter).
    expect(perms).toContain('<field>Task.TossUp_Key__c</field>');
    expect(perms).not.toContain('<field>Activity.');
    expect(JSON.parse(readFileSync(join(out, 'sfdx-project.json'), 'utf8'))).toMatchObject({
      sourceApiVersion: '62.0',
    });
  });

  it('what it writes is exactly what the schema check needs: an org without our fields passes once they are deployed', async () => {
    const emu = await startOrg({
      schemaExtensions: [
        { object: 'Lead', removeFields: OUR_FIELDS },
        { object: 'Contact', removeFields: OUR_FIELDS },
        { object: 'Task', removeFields: ['TossUp_Key__c'] },
        { object: 'Account', removeFields: ['TossUp_Lost_Opportunities__c'] },
      ],
    });
    const connector = await connect(emu);
    const before = await connector.checkSchema();
    expect(before.problems.map((p) => p.kind).every((k) => k === 'missing_field')).toBe(true);
    expect(before.problems).toHaveLength(2 * OUR_FIELDS.length + 2);

    const out = mkdtempSync(join(tmpdir(), 'tossup-sf-setup-'));
    dirs.push(out);
    const result = setupSalesforce(mapping, { outDir: out });
    for (const file of result.files.filter((f) => f.endsWith('.field-meta.xml'))) {
      const object = file.split('/objects/')[1]!.split('/')[0]!;
      emu.store.schema.addField(
        object === 'Activity' ? 'Task' : object,
        fieldFromXml(readFileSync(file, 'utf8')),
      );
    }

    const after = await connector.checkSchema();
    expect(after.problems).toEqual([]);
  });
});
