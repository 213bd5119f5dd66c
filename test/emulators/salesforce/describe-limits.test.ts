import './no-proxy.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../emulators/salesforce/schema/schema-registry.ts';
import { login, raw, rejection, startEmu } from './sf-test-kit.ts';

// Expectations follow crm-apis.md A4 (describe), A6 (limits) and docs/crm-fields.md (field names).

interface DescribedField {
  name: string;
  type: string;
  length: number;
  externalId: boolean;
  unique: boolean;
  restrictedPicklist: boolean;
  updateable: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  picklistValues: Array<{
    active: boolean;
    defaultValue: boolean;
    label: string;
    value: string;
    validFor: null;
  }>;
}

describe('describe', () => {
  it('describeGlobal lists the org objects with key prefixes', async () => {
    const emu = await startEmu();
    const conn = await login(emu);
    const g = await conn.describeGlobal();
    expect(g).toMatchObject({ encoding: 'UTF-8', maxBatchSize: 200 });
    const prefixes = Object.fromEntries(g.sobjects.map((s) => [s.name, s.keyPrefix]));
    expect(prefixes).toMatchObject({
      Lead: '00Q',
      Contact: '003',
      Account: '001',
      Opportunity: '006',
      Task: '00T',
      User: '005',
      Group: '00G',
      Campaign: '701',
      CampaignMember: '00v',
    });
    expect(emu.app.counters.get('sf.describeGlobal')).toBe(1);
  });

  it('describes fields with the documented keys and the connector custom fields', async () => {
    const emu = await startEmu();
    const conn = await login(emu);
    const lead = await conn.describe('Lead');
    expect(lead).toMatchObject({
      name: 'Lead',
      keyPrefix: '00Q',
      createable: true,
      updateable: true,
      queryable: true,
      custom: false,
    });
    expect(lead.childRelationships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          childSObject: 'CampaignMember',
          field: 'LeadId',
          relationshipName: 'CampaignMembers',
        }),
      ]),
    );
    const documentedKeys = [
      'name',
      'type',
      'label',
      'length',
      'updateable',
      'createable',
      'nillable',
      'custom',
      'externalId',
      'unique',
      'picklistValues',
      'referenceTo',
      'relationshipName',
      'soapType',
      'restrictedPicklist',
      'byteLength',
      'precision',
      'scale',
      'digits',
      'defaultedOnCreate',
      'calculated',
      'idLookup',
      'filterable',
    ];
    for (const f of lead.fields)
      for (const k of documentedKeys) expect(f, `${f.name}.${k}`).toHaveProperty(k);
    const field = (name: string) => lead.fields.find((f) => f.name === name) as unknown as DescribedField;
    expect(field('TossUp_Flag__c')).toMatchObject({
      type: 'picklist',
      restrictedPicklist: true,
      custom: true,
    });
    expect(field('TossUp_Flag__c').picklistValues.map((p) => p.value)).toEqual([
      'はい',
      'いいえ',
      '一時保留',
    ]);
    expect(field('TossUp_Flag__c').picklistValues[0]).toEqual({
      active: true,
      defaultValue: false,
      label: 'はい',
      validFor: null,
      value: 'はい',
    });
    expect(field('IS_Budget__c').picklistValues.map((p) => p.value)).toEqual(['あり', 'なし', '不明']);
    expect(field('TossUp_Reason__c')).toMatchObject({ type: 'string', length: 255 });
    expect(field('TossUp_Attribute_Score__c')).toMatchObject({
      type: 'double',
      precision: 3,
      scale: 0,
      soapType: 'xsd:double',
    });
    expect(field('TossUp_Due__c')).toMatchObject({ type: 'datetime', soapType: 'xsd:dateTime' });
    expect(field('Sales_TossUp_Requested_By__c')).toMatchObject({
      type: 'reference',
      referenceTo: ['User'],
      relationshipName: 'Sales_TossUp_Requested_By__r',
      soapType: 'tns:ID',
    });
    expect(field('OwnerId')).toMatchObject({ referenceTo: ['Group', 'User'], relationshipName: 'Owner' });
    expect(field('Name')).toMatchObject({ updateable: false, createable: false });
    expect(field('Status').picklistValues.find((p) => p.defaultValue)?.value).toBe('Open - Not Contacted');
    const task = await conn.describe('Task');
    expect(task.fields.find((f) => f.name === 'TossUp_Key__c')).toMatchObject({
      type: 'string',
      length: 80,
      externalId: true,
      unique: true,
      idLookup: true,
    });
    const missing = await rejection(conn.describe('Nope__c'));
    expect(missing.errorCode).toBe('NOT_FOUND');
  });

  it('has every Salesforce field docs/crm-fields.md names, on the objects it names', () => {
    const schema = new SchemaRegistry();
    const doc = readFileSync(new URL('../../../docs/crm-fields.md', import.meta.url), 'utf8');
    const has = (obj: string, f: string) => schema.object(obj)?.fieldByLower.has(f.toLowerCase()) ?? false;
    // Written fields live on Lead and Contact; Task.TossUp_Key__c on Task.
    for (const f of [
      'TossUp_Flag__c',
      'TossUp_Reason__c',
      'TossUp_Next_Action__c',
      'TossUp_Attribute_Score__c',
      'TossUp_Behaviour_Score__c',
      'TossUp_Due__c',
      'TossUp_Decision_Key__c',
    ]) {
      expect(doc).toContain(f);
      expect(has('Lead', f) && has('Contact', f), f).toBe(true);
    }
    for (const f of [
      'IS_Heard_At__c',
      'IS_Budget__c',
      'IS_Decision_Maker__c',
      'IS_Decision_Involved__c',
      'IS_Clear_Problem__c',
      'IS_Timeline_Months__c',
      'IS_Hearing_Notes__c',
      'pi__score__c',
      'Sales_TossUp_Request__c',
      'Sales_TossUp_Requested_By__c',
    ]) {
      expect(doc).toContain(f);
      expect(has('Lead', f) && has('Contact', f), f).toBe(true);
    }
    for (const f of [
      'Company',
      'NumberOfEmployees',
      'AnnualRevenue',
      'Industry',
      'State',
      'Employees_Text__c',
      'Title',
      'Department__c',
      'Email',
      'Strategic_Target__c',
      'Status',
    ]) {
      expect(has('Lead', f), `Lead.${f}`).toBe(true);
    }
    expect(has('Contact', 'Department')).toBe(true);
    expect(has('Account', 'Strategic_Target__c') && has('Account', 'Type') && has('Account', 'OwnerId')).toBe(
      true,
    );
    expect(has('Task', 'TossUp_Key__c')).toBe(true);
    expect(has('CampaignMember', 'HasResponded') && has('CampaignMember', 'FirstRespondedDate')).toBe(true);
    expect(has('Campaign', 'Type')).toBe(true);
  });

  it('applies schema extensions at start and schema changes at run time to describe, SOQL and writes', async () => {
    const emu = await startEmu({
      schemaExtensions: [
        { object: 'Lead', addFields: [{ name: 'Extra__c', label: 'Extra', type: 'string', length: 5 }] },
      ],
    });
    const lead = emu.store.insert('Lead', { LastName: 'A', Company: 'A' });
    const conn = await login(emu);
    expect((await conn.describe('Lead')).fields.some((f) => f.name === 'Extra__c')).toBe(true);
    const write = async (fields: Record<string, unknown>) =>
      (
        (await conn.sobject('Lead').update([{ Id: lead, ...fields }])) as unknown as Array<{
          errors: Array<{ statusCode: string }>;
        }>
      )[0]!.errors.map((e) => e.statusCode);
    expect(await write({ Extra__c: 'abcde' })).toEqual([]);
    expect(await write({ Extra__c: 'abcdef' })).toEqual(['STRING_TOO_LONG']);
    const schema = emu.store.schema;
    schema.patchField('Lead', 'TossUp_Reason__c', { length: 10 });
    expect(await write({ TossUp_Reason__c: 'x'.repeat(11) })).toEqual(['STRING_TOO_LONG']);
    schema.removePicklistValue('Lead', 'TossUp_Flag__c', '一時保留');
    expect(await write({ TossUp_Flag__c: '一時保留' })).toEqual(['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST']);
    expect(await write({ TossUp_Flag__c: 'はい' })).toEqual([]);
    schema.patchField('Lead', 'TossUp_Due__c', { updateable: false });
    expect(await write({ TossUp_Due__c: '2026-11-20T00:00:00Z' })).toEqual([
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    ]);
    schema.removeField('Lead', 'TossUp_Decision_Key__c');
    const q = await rejection(conn.query('SELECT TossUp_Decision_Key__c FROM Lead'));
    expect(q.errorCode).toBe('INVALID_FIELD');
    const w = await rejection(conn.sobject('Lead').update([{ Id: lead, TossUp_Decision_Key__c: 'k' }]));
    expect(w.errorCode).toBe('INVALID_FIELD');
    const described = await raw(emu, conn.accessToken!, 'GET', '/services/data/v62.0/sobjects/Lead/describe');
    const fields = (described.json as { fields: DescribedField[] }).fields;
    expect(fields.some((f) => f.name === 'TossUp_Decision_Key__c')).toBe(false);
    expect(fields.find((f) => f.name === 'TossUp_Reason__c')!.length).toBe(10);
    expect(() => schema.addField('Lead', { name: 'Extra__c', label: 'dup', type: 'string' })).toThrow(
      /already has a field 'Extra__c'/,
    );
    expect(() => schema.removeField('Leed', 'X')).toThrow(/unknown object 'Leed'/);
  });
});

describe('API limits', () => {
  it('sends Sforce-Limit-Info on every REST response, success or error, but not on token calls', async () => {
    const emu = await startEmu({ dailyApiAllowance: 5000 });
    const conn = await login(emu);
    const token = conn.accessToken!;
    const ok = await raw(emu, token, 'GET', '/services/data/v62.0/limits');
    expect(ok.headers.get('sforce-limit-info')).toBe('api-usage=1/5000');
    const bad = await raw(emu, token, 'GET', '/services/data/v62.0/query?q=SELEC');
    expect(bad.headers.get('sforce-limit-info')).toBe('api-usage=2/5000');
    const notFound = await raw(emu, token, 'GET', '/services/data/v62.0/nothing-here');
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/5000$/);
    const tokenRes = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      body: 'grant_type=password',
    });
    expect(tokenRes.headers.get('sforce-limit-info')).toBeNull();
    await conn.query('SELECT Id FROM Lead');
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 3, limit: 5000 } });
    const limits = await conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 5000, Remaining: 5000 - 4 });
    expect(limits).toHaveProperty('DailyBulkV2QueryJobs');
    expect(emu.app.counters.get('sf.limits')).toBe(2);
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED when the allowance is spent; jsforce does not retry it', async () => {
    const emu = await startEmu({ dailyApiAllowance: 3 });
    const conn = await login(emu);
    for (let i = 0; i < 3; i++) await conn.query('SELECT Id FROM Lead');
    const err = await rejection(conn.query('SELECT Id FROM Lead'));
    expect(err.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(err.message).toBe('TotalRequests Limit exceeded.');
    expect(emu.app.counters.get('sf.query')).toBe(4);
    const wire = await raw(emu, conn.accessToken!, 'GET', '/services/data/v62.0/limits');
    expect(wire.status).toBe(403);
    expect(wire.headers.get('content-type')).toMatch(/^application\/json/);
    expect(wire.json).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect(wire.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
  });

  it('frees the allowance over a rolling 24 hours, via admin reset, or when limits are switched off', async () => {
    const emu = await startEmu({ dailyApiAllowance: 2 });
    const conn = await login(emu);
    await conn.limits();
    emu.clock.advance(12 * 3_600_000);
    await conn.limits();
    expect((await rejection(conn.limits())).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    emu.clock.advance(12 * 3_600_000 + 60_000); // the first call left the 24 h window
    await conn.limits();
    expect((await rejection(conn.limits())).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    const reset = await fetch(`${emu.url}/__admin/sf/limits/usage`, { method: 'DELETE' });
    expect(reset.status).toBe(204);
    await conn.limits();
    await conn.limits();
    const off = await fetch(`${emu.url}/__admin/rate-limits`, {
      method: 'PUT',
      body: JSON.stringify({ enabled: false }),
    });
    expect(off.status).toBe(204);
    for (let i = 0; i < 3; i++) await conn.limits();
    expect(conn.limitInfo.apiUsage).toEqual({ used: 5, limit: 2 });
    emu.setRateLimits(true);
    expect((await rejection(conn.limits())).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    await fetch(`${emu.url}/__admin/sf/limits`, {
      method: 'PUT',
      body: JSON.stringify({ max: 100, used: 99 }),
    });
    await conn.limits();
    expect((await rejection(conn.limits())).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
  });
});
