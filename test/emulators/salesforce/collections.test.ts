import './no-proxy.ts';
import { describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { type Connection, login, raw, rejection, startEmu } from './sf-test-kit.ts';

// Expectations follow crm-apis.md A3 (collections), A5 (errors), A8 (Task, converted leads).

const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

interface Result {
  id?: string;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
  created?: boolean;
}

async function setup(
  options: Parameters<typeof startEmu>[0] = {},
): Promise<{ emu: SalesforceEmulator; conn: Connection; leads: string[] }> {
  const emu = await startEmu(options);
  const leads = [0, 1, 2, 3].map((i) => emu.store.insert('Lead', { LastName: `L${i}`, Company: 'Acme' }));
  return { emu, conn: await login(emu), leads };
}

const patch = (emu: SalesforceEmulator, conn: Connection, body: unknown) =>
  raw(emu, conn.accessToken!, 'PATCH', '/services/data/v62.0/composite/sobjects', body);

describe('sObject Collections', () => {
  it('creates with defaults and returns per-record results in input order', async () => {
    const { emu, conn } = await setup();
    const res = (await conn
      .sobject('Lead')
      .create([
        { LastName: '佐藤', Company: 'アルファ', TossUp_Flag__c: '一時保留' },
        { LastName: 'NoCompany' },
        { LastName: 'Ok', Company: 'Beta', Email: 'ok@beta.example' },
      ])) as unknown as Result[];
    expect(res.map((r) => r.success)).toEqual([true, false, true]);
    expect(res[0]!.id).toMatch(/^00Q[A-Za-z0-9]{15}$/);
    expect(res[0]!.errors).toEqual([]);
    expect(res[1]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [Company]',
          fields: ['Company'],
        },
      ],
    });
    const rec = emu.store.get('Lead', res[0]!.id!)!;
    expect(rec).toMatchObject({
      Status: 'Open - Not Contacted',
      OwnerId: emu.store.integrationUserId,
      Name: '佐藤',
      IsDeleted: false,
    });
    expect(emu.app.counters.get('sf.collections.create')).toBe(1);
  });

  it('updates records and answers HTTP 200 even when some records fail', async () => {
    const { emu, conn, leads } = await setup();
    const res = await patch(emu, conn, {
      allOrNone: false,
      records: [
        {
          attributes: { type: 'Lead' },
          id: leads[0],
          TossUp_Flag__c: 'はい',
          TossUp_Reason__c: 'score ≥ 100',
        },
        { attributes: { type: 'Lead' }, id: leads[1], TossUp_Flag__c: 'maybe' },
        { attributes: { type: 'Lead' }, id: leads[2], TossUp_Attribute_Score__c: 77 },
      ],
    });
    expect(res.status).toBe(200);
    const body = res.json as Result[];
    expect(body[0]).toEqual({ id: leads[0], success: true, errors: [] });
    expect(body[1]).toEqual({
      id: leads[1],
      success: false,
      errors: [
        {
          statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          message: 'Toss-up Flag: bad value for restricted picklist field: maybe',
          fields: ['TossUp_Flag__c'],
        },
      ],
    });
    expect(body[2]!.success).toBe(true);
    expect(emu.store.get('Lead', leads[0]!)!.TossUp_Flag__c).toBe('はい');
    expect(emu.store.get('Lead', leads[2]!)!.TossUp_Attribute_Score__c).toBe(77);
    // jsforce's update() returns the same per-record results.
    const viaJsforce = (await conn.sobject('Lead').update([
      { Id: leads[3]!, TossUp_Next_Action__c: 'nurture' },
      { Id: leads[3]!.slice(0, 15), TossUp_Due__c: '2026-11-21T09:00:00+09:00' },
    ])) as unknown as Result[];
    expect(viaJsforce.map((r) => r.success)).toEqual([true, true]);
    expect(emu.store.get('Lead', leads[3]!)!.TossUp_Due__c).toBe(Date.parse('2026-11-21T00:00:00Z'));
  });

  it('allOrNone=true rolls every record back and marks the valid ones ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
    const { emu, conn, leads } = await setup();
    const before = emu.store.get('Lead', leads[0]!);
    const res = (await conn.sobject('Lead').update(
      [
        { Id: leads[0]!, TossUp_Reason__c: 'a' },
        { Id: leads[1]!, TossUp_Reason__c: 'x'.repeat(256) },
        { Id: leads[2]!, TossUp_Reason__c: 'c' },
      ],
      { allOrNone: true },
    )) as unknown as Result[];
    expect(res).toEqual([
      { id: leads[0], success: false, errors: [ROLLED_BACK] },
      {
        id: leads[1],
        success: false,
        errors: [
          {
            statusCode: 'STRING_TOO_LONG',
            message: `Toss-up Reason: data value too large: ${'x'.repeat(256)} (max length=255)`,
            fields: ['TossUp_Reason__c'],
          },
        ],
      },
      { id: leads[2], success: false, errors: [ROLLED_BACK] },
    ]);
    expect(emu.store.get('Lead', leads[0]!)).toBe(before);
    const q = await conn.query('SELECT Id FROM Lead WHERE TossUp_Reason__c != null');
    expect(q.totalSize).toBe(0);
    // A rolled-back create leaves no record and reports no id.
    const count = emu.store.count('Lead');
    const created = (await conn.sobject('Lead').create([{ LastName: 'A', Company: 'A' }, { LastName: 'B' }], {
      allOrNone: true,
    })) as unknown as Result[];
    expect(created[0]).toEqual({ success: false, errors: [ROLLED_BACK] });
    expect(emu.store.count('Lead')).toBe(count);
  });

  it('rejects more than 200 records with a top-level 400 EXCEEDED_ID_LIMIT', async () => {
    const { emu, conn, leads } = await setup();
    const records = Array.from({ length: 201 }, () => ({ Id: leads[0]!, TossUp_Reason__c: 'x' }));
    const err = await rejection(conn.sobject('Lead').update(records));
    expect(err.errorCode).toBe('EXCEEDED_ID_LIMIT');
    expect(err.message).toBe('record limit reached. cannot submit more than 200 records into this call');
    const wire = await patch(emu, conn, {
      records: records.map((r) => ({ attributes: { type: 'Lead' }, id: r.Id })),
    });
    expect(wire.status).toBe(400);
    expect(wire.headers.get('content-type')).toMatch(/^application\/json/);
    expect(emu.store.get('Lead', leads[0]!)!.TossUp_Reason__c).toBeNull();
    // 200 is fine.
    const ok = (await conn.sobject('Lead').update(records.slice(0, 200))) as unknown as Result[];
    expect(ok.every((r) => r.success)).toBe(true);
  });

  it('reports each validation kind per record', async () => {
    const { emu, conn, leads } = await setup();
    const s = emu.store;
    const converted = s.insert('Lead', {
      LastName: 'Conv',
      Company: 'X',
      IsConverted: true,
      Status: 'Closed - Converted',
    });
    const deleted = s.insert('Lead', { LastName: 'Del', Company: 'X' });
    s.delete('Lead', deleted);
    const inactive = s.insert('User', {
      Username: 'gone@x.example',
      LastName: 'Gone',
      Email: 'gone@x.example',
      Alias: 'gone',
      IsActive: false,
    });
    const account = s.insert('Account', { Name: 'Acme' });
    s.addValidationRule({
      name: 'block_l3',
      object: 'Lead',
      message: 'Leads in review cannot be changed',
      field: 'TossUp_Flag__c',
      when: (r) => r.Id === leads[3],
    });
    const res = (await conn.sobject('Lead').update([
      { Id: leads[0]!, IsConverted: true, Name: 'x' },
      { Id: leads[1]!, LastName: null },
      { Id: deleted, TossUp_Reason__c: 'x' },
      { Id: converted, TossUp_Reason__c: 'x' },
      { Id: leads[3]!, TossUp_Flag__c: 'はい' },
      { Id: 'not-an-id', TossUp_Reason__c: 'x' },
      { Id: '00Q000000000001', TossUp_Reason__c: 'x' },
      { Id: leads[2]!, Email: 'not an email' },
      { Id: leads[2]!, TossUp_Attribute_Score__c: 1000 },
      { Id: leads[2]!, OwnerId: inactive },
      { Id: leads[2]!, OwnerId: account },
      { Id: leads[2]!, Status: null },
    ])) as unknown as Result[];
    const codes = res.map((r) => r.errors.map((e) => e.statusCode));
    expect(codes).toEqual([
      ['INVALID_FIELD_FOR_INSERT_UPDATE'],
      ['REQUIRED_FIELD_MISSING'],
      ['ENTITY_IS_DELETED'],
      ['CANNOT_UPDATE_CONVERTED_LEAD'],
      ['FIELD_CUSTOM_VALIDATION_EXCEPTION'],
      ['MALFORMED_ID'],
      ['INVALID_CROSS_REFERENCE_KEY'],
      ['INVALID_EMAIL_ADDRESS'],
      ['NUMBER_OUTSIDE_VALID_RANGE'],
      ['INACTIVE_OWNER_OR_USER'],
      ['FIELD_INTEGRITY_EXCEPTION'],
      ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'],
    ]);
    expect(res[0]!.errors[0]).toEqual({
      statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      message:
        'Unable to create/update fields: IsConverted, Name. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
      fields: ['IsConverted', 'Name'],
    });
    expect(res[1]!.errors[0]).toMatchObject({
      message: 'Required fields are missing: [LastName]',
      fields: ['LastName'],
    });
    expect(res[2]!.errors[0]).toMatchObject({ message: 'entity is deleted' });
    expect(res[4]!.errors[0]).toEqual({
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Leads in review cannot be changed',
      fields: ['TossUp_Flag__c'],
    });
    expect(res[5]).toEqual({
      success: false,
      errors: [{ statusCode: 'MALFORMED_ID', message: 'malformed id not-an-id', fields: [] }],
    });
    expect(s.get('Lead', leads[2]!)!.OwnerId).toBe(s.defaultActorId);
  });

  it('fails the whole request for unknown fields, uncoercible values and malformed JSON', async () => {
    const { emu, conn, leads } = await setup();
    const unknown = await rejection(conn.sobject('Lead').update([{ Id: leads[0]!, Foo__c: 1 }]));
    expect(unknown.errorCode).toBe('INVALID_FIELD');
    expect(unknown.message).toBe("No such column 'Foo__c' on sobject of type Lead");
    const wrongType = await patch(emu, conn, {
      records: [{ attributes: { type: 'Lead' }, id: leads[0], NumberOfEmployees: 'many' }],
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json).toEqual([
      {
        message: expect.stringContaining('Cannot deserialize instance of int from VALUE_STRING value many'),
        errorCode: 'JSON_PARSER_ERROR',
      },
    ]);
    const badJson = await raw(
      emu,
      conn.accessToken!,
      'PATCH',
      '/services/data/v62.0/composite/sobjects',
      '{"records": [',
    );
    expect(badJson.status).toBe(400);
    expect((badJson.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('JSON_PARSER_ERROR');
    expect(badJson.headers.get('content-type')).toMatch(/^application\/json/);
    // Coercible values are accepted as Salesforce's deserializer does.
    const ok = (await conn
      .sobject('Lead')
      .update([
        { Id: leads[0]!, NumberOfEmployees: '12', Strategic_Target__c: 'true' },
      ])) as unknown as Result[];
    expect(ok[0]!.success).toBe(true);
    expect(emu.store.get('Lead', leads[0]!)).toMatchObject({
      NumberOfEmployees: 12,
      Strategic_Target__c: true,
    });
  });

  it('upserts Tasks on the TossUp_Key__c external id and reports created', async () => {
    const { emu, conn, leads } = await setup();
    const account = emu.store.insert('Account', { Name: 'Acme' });
    const contact = emu.store.insert('Contact', { LastName: 'Y', AccountId: account });
    const task = (key: string, extra: Record<string, unknown> = {}) => ({
      TossUp_Key__c: key,
      Subject: `Toss-up ${key}`,
      ActivityDate: '2026-11-25',
      OwnerId: emu.store.integrationUserId,
      ...extra,
    });
    const first = (await conn
      .sobject('Task')
      .upsert(
        [task('k1', { WhoId: leads[0] }), task('k2', { WhoId: contact, Priority: 'High' })],
        'TossUp_Key__c',
      )) as unknown as Result[];
    expect(first.map((r) => [r.success, r.created])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(first[0]!.id).toMatch(/^00T/);
    const second = (await conn
      .sobject('Task')
      .upsert(
        [task('K1', { Status: 'Completed' }), task('k3'), task('k3')],
        'TossUp_Key__c',
      )) as unknown as Result[];
    expect(second[0]).toEqual({ id: first[0]!.id, success: true, errors: [], created: false });
    expect(second[1]!.errors[0]!.statusCode).toBe('DUPLICATE_EXTERNAL_ID');
    expect(second[2]!.errors[0]!.statusCode).toBe('DUPLICATE_EXTERNAL_ID');
    const tasks = await conn.query<Record<string, unknown>>(
      'SELECT TossUp_Key__c, IsClosed, IsHighPriority, AccountId, ActivityDate, Who.Name FROM Task ORDER BY TossUp_Key__c',
    );
    expect(
      tasks.records.map((t) => [t.TossUp_Key__c, t.IsClosed, t.IsHighPriority, t.AccountId, t.ActivityDate]),
    ).toEqual([
      // The upsert wrote the key as sent (matching is case-insensitive).
      ['K1', true, false, null, '2026-11-25'],
      ['k2', false, true, account, '2026-11-25'],
    ]);
    expect(emu.app.counters.get('sf.collections.upsert')).toBe(2);
    // A plain create with an existing unique key is DUPLICATE_VALUE.
    const dup = (await conn.sobject('Task').create([task('k2')])) as unknown as Result[];
    expect(dup[0]!.errors[0]).toEqual({
      statusCode: 'DUPLICATE_VALUE',
      message: `duplicate value found: TossUp_Key__c duplicates value on record with id: ${first[1]!.id}`,
      fields: [],
    });
    // A single-record upsert goes through PATCH /sobjects/Task/TossUp_Key__c/{value}.
    const single = (await conn.sobject('Task').upsert(task('k9'), 'TossUp_Key__c')) as unknown as Result;
    expect(single).toMatchObject({ success: true, created: true });
    const again = (await conn
      .sobject('Task')
      .upsert(task('k9', { Subject: 'again' }), 'TossUp_Key__c')) as unknown as Result;
    expect(again).toMatchObject({ success: true, created: false });
    expect(emu.app.counters.get('sf.sobject.upsert')).toBe(2);
    const notExt = await raw(
      emu,
      conn.accessToken!,
      'PATCH',
      '/services/data/v62.0/composite/sobjects/Task/Subject',
      { records: [] },
    );
    expect(notExt.status).toBe(400);
  });

  it('deletes and retrieves through collections', async () => {
    const { emu, conn, leads } = await setup();
    const del = (await conn.sobject('Lead').destroy([leads[0]!, leads[0]!, 'bogus'])) as unknown as Result[];
    expect(del.map((r) => r.errors.map((e) => e.statusCode))).toEqual([
      [],
      ['ENTITY_IS_DELETED'],
      ['MALFORMED_ID'],
    ]);
    const got = (await conn.retrieve('Lead', [leads[1]!, leads[0]!], {
      fields: ['Id', 'LastName'],
    })) as unknown as Array<Record<string, unknown> | null>;
    expect(got[0]).toEqual({
      attributes: { type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${leads[1]}` },
      Id: leads[1],
      LastName: 'L1',
    });
    expect(got[1]).toBeNull();
    expect(emu.app.counters.get('sf.collections.delete')).toBe(1);
  });
});

describe('single-record sObject resources', () => {
  it('create 201, retrieve, update 204, delete 204, then ENTITY_IS_DELETED', async () => {
    const { emu, conn } = await setup();
    const created = (await conn
      .sobject('Lead')
      .create({ LastName: 'Solo', Company: 'S' })) as unknown as Result;
    expect(created).toEqual({ id: expect.stringMatching(/^00Q/), success: true, errors: [] });
    const id = created.id!;
    const token = conn.accessToken!;
    const wire = await raw(emu, token, 'POST', '/services/data/v62.0/sobjects/Lead', {
      LastName: 'Wire',
      Company: 'W',
    });
    expect(wire.status).toBe(201);
    const got = (await conn.sobject('Lead').retrieve(id)) as unknown as Record<string, unknown>;
    expect(got).toMatchObject({
      attributes: { type: 'Lead' },
      Id: id,
      LastName: 'Solo',
      Status: 'Open - Not Contacted',
    });
    expect(got.SystemModstamp).toMatch(/\+0000$/);
    const few = await raw(
      emu,
      token,
      'GET',
      `/services/data/v62.0/sobjects/Lead/${id}?fields=LastName,Company`,
    );
    expect(Object.keys(few.json as object)).toEqual(['attributes', 'LastName', 'Company']);
    const upd = await raw(emu, token, 'PATCH', `/services/data/v62.0/sobjects/Lead/${id}`, {
      TossUp_Flag__c: 'いいえ',
    });
    expect(upd.status).toBe(204);
    const bad = await raw(emu, token, 'PATCH', `/services/data/v62.0/sobjects/Lead/${id}`, {
      TossUp_Flag__c: 'nope',
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual([
      {
        message: 'Toss-up Flag: bad value for restricted picklist field: nope',
        errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        fields: ['TossUp_Flag__c'],
      },
    ]);
    const unknownField = await raw(emu, token, 'PATCH', `/services/data/v62.0/sobjects/Lead/${id}`, {
      Nope__c: 1,
    });
    expect(unknownField.json).toEqual([
      { message: "No such column 'Nope__c' on sobject of type Lead", errorCode: 'INVALID_FIELD' },
    ]);
    expect((await raw(emu, token, 'DELETE', `/services/data/v62.0/sobjects/Lead/${id}`)).status).toBe(204);
    const gone = await raw(emu, token, 'GET', `/services/data/v62.0/sobjects/Lead/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual([{ message: 'entity is deleted', errorCode: 'ENTITY_IS_DELETED' }]);
    const missing = await raw(emu, token, 'GET', '/services/data/v62.0/sobjects/Lead/00Q000000000001');
    expect(missing.json).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    const err = await rejection(conn.sobject('Lead').retrieve('00Q000000000001'));
    expect(err.errorCode).toBe('NOT_FOUND');
  });
});
