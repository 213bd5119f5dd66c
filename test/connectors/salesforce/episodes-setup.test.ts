import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSalesforceMapping } from '../../../connectors/salesforce/mapping.ts';
import { setupSalesforce } from '../../../connectors/salesforce/setup.ts';
import { ConfigError } from '../../../src/domain/errors.ts';
import { SLA_STATUSES } from '../../../src/ports/episode-crm.ts';
import { connect, mapping, startOrg } from './sf-kit.ts';

// The SLA sweep's two fields on Lead and Contact: in the mapping, created by `tossup setup
// salesforce`, checked by `tossup validate`.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SLA fields in the mapping, setup and schema check', () => {
  it('setup writes the status picklist (English values, Japanese labels) and the first-response date/time on Lead and Contact', () => {
    const out = mkdtempSync(join(tmpdir(), 'tossup-sf-sla-setup-'));
    dirs.push(out);
    const result = setupSalesforce(mapping, { outDir: out });
    for (const object of ['Lead', 'Contact']) {
      expect(result.fields).toContain(`${object}.TossUp_SLA_Status__c`);
      expect(result.fields).toContain(`${object}.TossUp_First_Response_At__c`);
    }
    const status = readFileSync(
      join(out, 'force-app/main/default/objects/Lead/fields/TossUp_SLA_Status__c.field-meta.xml'),
      'utf8',
    );
    expect(status).toContain('<type>Picklist</type>');
    expect(status).toContain('<restricted>true</restricted>');
    const values = [
      ...status.matchAll(
        /<fullName>(\w+)<\/fullName>\s*<default>false<\/default>\s*<label>([^<]+)<\/label>/g,
      ),
    ];
    expect(values.map((m) => [m[1], m[2]])).toEqual([
      ['on_track', '期限内'],
      ['due_soon', '期限間近'],
      ['overdue', '期限超過'],
      ['escalated', 'エスカレーション済'],
      ['reassigned', '再割当済'],
      ['met', '期限内に対応'],
      ['late', '期限後に対応'],
      ['paused', '一時停止中'],
    ]);
    expect(values.map((m) => m[1])).toEqual([...SLA_STATUSES]);
    const first = readFileSync(
      join(out, 'force-app/main/default/objects/Contact/fields/TossUp_First_Response_At__c.field-meta.xml'),
      'utf8',
    );
    expect(first).toContain('<type>DateTime</type>');
    const perms = readFileSync(
      join(out, 'force-app/main/default/permissionsets/TossUp_Integration.permissionset-meta.xml'),
      'utf8',
    );
    expect(perms).toMatch(/<editable>true<\/editable>\s*<field>Lead\.TossUp_SLA_Status__c<\/field>/);
    expect(perms).toMatch(
      /<editable>true<\/editable>\s*<field>Contact\.TossUp_First_Response_At__c<\/field>/,
    );
    const pkg = readFileSync(join(out, 'package.xml'), 'utf8');
    expect(pkg).toContain('<members>Lead.TossUp_SLA_Status__c</members>');
  });

  it('the schema check names a missing SLA field, a missing status value and a read-only first-response field, with the fix', async () => {
    const emu = await startOrg({
      schemaExtensions: [
        { object: 'Lead', removeFields: ['TossUp_SLA_Status__c'] },
        {
          object: 'Contact',
          removePicklistValues: { TossUp_SLA_Status__c: ['paused'] },
          patchFields: { TossUp_First_Response_At__c: { updateable: false } },
        },
      ],
    });
    const connector = await connect(emu);
    const result = await connector.checkSchema();
    const got = result.problems.map((p) => `${p.object}.${p.field}:${p.kind}:${p.mappingPath}`).sort();
    expect(got).toEqual([
      'Contact.TossUp_First_Response_At__c:not_updateable:sla.firstResponseAt',
      'Contact.TossUp_SLA_Status__c:picklist_values_missing:sla.status',
      'Lead.TossUp_SLA_Status__c:missing_field:sla.status',
    ]);
    const missing = result.problems.find((p) => p.kind === 'missing_field')!;
    expect(missing.fix).toContain('tossup setup salesforce');
    expect(result.problems.find((p) => p.kind === 'picklist_values_missing')!.message).toContain('"paused"');
  });

  it('the schema check asks for Event access and the Task fields the sweep reads; setup grants Event read', async () => {
    const emu = await startOrg({
      objects: (await import('../../../emulators/salesforce/schema/default-schema.ts'))
        .defaultObjects()
        .filter((o) => o.name !== 'Event'),
      schemaExtensions: [{ object: 'Task', removeFields: ['CompletedDateTime'] }],
    });
    const connector = await connect(emu);
    const result = await connector.checkSchema();
    expect(result.problems.map((p) => `${p.object}.${p.field}:${p.kind}`).sort()).toEqual([
      'Event.:missing_object',
      'Task.CompletedDateTime:missing_field',
    ]);
    const out = mkdtempSync(join(tmpdir(), 'tossup-sf-sla-perm-'));
    dirs.push(out);
    setupSalesforce(mapping, { outDir: out });
    const perms = readFileSync(
      join(out, 'force-app/main/default/permissionsets/TossUp_Integration.permissionset-meta.xml'),
      'utf8',
    );
    expect(perms).toMatch(/<allowRead>true<\/allowRead>[\s\S]*?<object>Event<\/object>/);
  });

  it('mappings written before the sweep get the default field names; a field used twice is refused', () => {
    const text = readFileSync('mappings/salesforce.yaml', 'utf8');
    const without = text.replace(/^sla:\n(?:[ #].*\n|\n)*?(?=^\S)/m, '');
    expect(without).not.toContain('TossUp_SLA_Status__c');
    expect(parseSalesforceMapping(without, 'old.yaml').sla).toEqual({
      status: 'TossUp_SLA_Status__c',
      firstResponseAt: 'TossUp_First_Response_At__c',
    });
    const clash = text.replace('status: TossUp_SLA_Status__c', 'status: TossUp_Flag__c');
    expect(() => parseSalesforceMapping(clash, 'clash.yaml')).toThrow(ConfigError);
    expect(() => parseSalesforceMapping(clash, 'clash.yaml')).toThrow(
      /sla\.status.*already used for writeBack\.flag/s,
    );
  });
});
