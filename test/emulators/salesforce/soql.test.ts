import './no-proxy.ts';
import { describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { parseSoql } from '../../../emulators/salesforce/soql/parser.ts';
import { type Connection, login, raw, rejection, startEmu } from './sf-test-kit.ts';

// Expectations follow crm-apis.md A2 (query shapes, literals, formats) and A5 (error envelope).

interface Org {
  emu: SalesforceEmulator;
  conn: Connection;
  ids: Record<string, string>;
}

/** A small org arranged through the store API (no API calls). */
async function org(): Promise<Org> {
  const emu = await startEmu({ clock: undefined });
  emu.clock.pin('2026-11-20T12:00:00Z');
  const s = emu.store;
  const ids: Record<string, string> = {};
  ids.rep = s.defaultActorId;
  ids.queue = s.insert('Group', { Name: 'IS Queue', Type: 'Queue', DeveloperName: 'IS_Queue' });
  ids.acme = s.insert('Account', { Name: 'Acme', Type: 'Customer', Industry: 'Manufacturing' });
  ids.beta = s.insert('Account', { Name: 'Beta', Type: 'Prospect' });
  ids.won = s.insert('Opportunity', {
    Name: 'Acme deal',
    StageName: 'Closed Won',
    CloseDate: '2026-01-31',
    AccountId: ids.acme,
  });
  ids.lost = s.insert('Opportunity', {
    Name: 'Acme lost',
    StageName: 'Closed Lost',
    CloseDate: '2025-06-30',
    AccountId: ids.acme,
  });
  ids.webinar = s.insert('Campaign', { Name: 'Webinar', Type: 'Webinar', StartDate: '2026-10-01' });
  ids.mail = s.insert('Campaign', { Name: 'Mail', Type: 'Email', StartDate: '2026-09-01' });
  const lead = (key: string, f: Record<string, unknown>, at: string) => {
    ids[key] = s.insert('Lead', { Company: 'X', ...f }, { at });
  };
  lead(
    'l1',
    {
      LastName: 'Sato',
      FirstName: 'Ichiro',
      Company: 'Acme',
      NumberOfEmployees: 1200,
      pi__score__c: 120,
      Email: 'sato@acme.example',
      Title: "O'Brien 部長",
      TossUp_Due__c: '2026-11-20T01:00:00Z',
      IS_Heard_At__c: '2026-11-19T15:30:00+09:00',
      Strategic_Target__c: true,
    },
    '2026-11-20T01:00:00Z',
  );
  lead(
    'l2',
    {
      LastName: 'Suzuki',
      Company: 'Beta',
      NumberOfEmployees: 40,
      pi__score__c: 45,
      Email: 'suzuki@beta.example',
      Title: '課長',
      OwnerId: ids.queue,
    },
    '2026-11-19T00:00:00Z',
  );
  lead(
    'l3',
    {
      LastName: 'tanaka',
      Company: 'Gamma 100%',
      NumberOfEmployees: null,
      Employees_Text__c: '50-99',
      pi__score__c: null,
      Email: null,
      Title: null,
    },
    '2026-11-10T00:00:00Z',
  );
  lead(
    'l4',
    {
      LastName: 'Ito',
      Company: 'Delta_Co',
      NumberOfEmployees: 300,
      pi__score__c: 80,
      Status: 'Closed - Not Converted',
    },
    '2026-10-01T00:00:00Z',
  );
  ids.c1 = s.insert('Contact', { LastName: 'Yamada', AccountId: ids.acme, Email: 'yamada@acme.example' });
  ids.c2 = s.insert('Contact', { LastName: 'Orphan' });
  ids.m1 = s.insert('CampaignMember', {
    CampaignId: ids.webinar,
    LeadId: ids.l1,
    Status: 'Responded',
    FirstRespondedDate: '2026-10-05',
  });
  ids.m2 = s.insert('CampaignMember', { CampaignId: ids.mail, LeadId: ids.l1, Status: 'Sent' });
  ids.m3 = s.insert('CampaignMember', { CampaignId: ids.webinar, ContactId: ids.c1, Status: 'Responded' });
  const conn = await login(emu);
  return { emu, conn, ids };
}

const ids = <T extends { Id: string }>(rs: T[]) => rs.map((r) => r.Id);

describe('SOQL subset through jsforce', () => {
  it('filters with comparison operators, IN/NOT IN, null, booleans and AND/OR/NOT', async () => {
    const { conn, ids: k } = await org();
    const q = async (where: string) =>
      ids(
        (await conn.query<{ Id: string }>(`SELECT Id FROM Lead WHERE ${where} ORDER BY LastName`)).records,
      ).sort();
    const sorted = (...xs: string[]) => xs.map((x) => k[x]!).sort();
    expect(await q('NumberOfEmployees >= 300')).toEqual(sorted('l1', 'l4'));
    expect(await q('NumberOfEmployees < 300')).toEqual(sorted('l2'));
    expect(await q('NumberOfEmployees <= 300 AND NumberOfEmployees > 40')).toEqual(sorted('l4'));
    expect(await q('NumberOfEmployees = null')).toEqual(sorted('l3'));
    expect(await q('NumberOfEmployees != null')).toEqual(sorted('l1', 'l2', 'l4'));
    expect(await q("Company != 'Acme'")).toEqual(sorted('l2', 'l3', 'l4'));
    expect(await q("LastName = 'TANAKA'")).toEqual(sorted('l3')); // case-insensitive like SOQL
    expect(await q("Company IN ('Acme', 'Beta')")).toEqual(sorted('l1', 'l2'));
    expect(await q("Company NOT IN ('Acme', 'Beta')")).toEqual(sorted('l3', 'l4'));
    expect(await q('Strategic_Target__c = true')).toEqual(sorted('l1'));
    expect(await q('NOT Strategic_Target__c = true')).toEqual(sorted('l2', 'l3', 'l4'));
    expect(await q("(pi__score__c > 100 OR Company = 'Beta') AND NumberOfEmployees != null")).toEqual(
      sorted('l1', 'l2'),
    );
    expect(await q("NOT (Company = 'Acme' OR Company = 'Beta')")).toEqual(sorted('l3', 'l4'));
    expect(await q(`OwnerId = '${k.queue!.slice(0, 15)}'`)).toEqual(sorted('l2')); // 15-char ids match
    expect(await q(`Id IN ('${k.l1}', '${k.l4}')`)).toEqual(sorted('l1', 'l4'));
    expect(await q("Title = 'O\\'Brien 部長'")).toEqual(sorted('l1'));
    expect(await q('pi__score__c = 45.0')).toEqual(sorted('l2'));
  });

  it('LIKE supports % and _ with escapes, case-insensitively', async () => {
    const { conn, ids: k } = await org();
    const q = async (pattern: string) =>
      ids(
        (await conn.query<{ Id: string }>(`SELECT Id FROM Lead WHERE Company LIKE '${pattern}'`)).records,
      ).sort();
    expect(await q('acm%')).toEqual([k.l1]);
    expect(await q('_eta')).toEqual([k.l2]);
    expect(await q('%100\\%')).toEqual([k.l3]);
    expect(await q('Delta\\_%')).toEqual([k.l4]);
    expect(await q('Delta_Co%')).toEqual([k.l4]);
    expect(await q('%')).toHaveLength(4);
  });

  it('compares date and datetime literals (Z and offsets) with the right field types', async () => {
    const { conn, ids: k } = await org();
    const q = async (soql: string) => ids((await conn.query<{ Id: string }>(soql)).records).sort();
    expect(await q('SELECT Id FROM Lead WHERE SystemModstamp >= 2026-11-19T00:00:00Z')).toEqual(
      [k.l1, k.l2].sort(),
    );
    expect(await q('SELECT Id FROM Lead WHERE SystemModstamp > 2026-11-19T09:00:00+09:00')).toEqual([k.l1]);
    expect(await q('SELECT Id FROM Lead WHERE IS_Heard_At__c = 2026-11-19T06:30:00Z')).toEqual([k.l1]);
    expect(await q('SELECT Id FROM Lead WHERE TossUp_Due__c = 2026-11-20T01:00:00.000Z')).toEqual([k.l1]);
    expect(await q('SELECT Id FROM Opportunity WHERE CloseDate < 2026-01-01')).toEqual([k.lost]);
    expect(await q('SELECT Id FROM Lead WHERE SystemModstamp = TODAY')).toEqual([k.l1]);
    expect(await q('SELECT Id FROM Lead WHERE SystemModstamp = LAST_N_DAYS:1')).toEqual([k.l1, k.l2].sort());
    expect(await q('SELECT Id FROM Lead WHERE SystemModstamp < LAST_N_DAYS:30')).toEqual([k.l4]);
    expect(await q('SELECT Id FROM Opportunity WHERE CloseDate = THIS_MONTH')).toEqual([]);
    const wrongType = await rejection(conn.query('SELECT Id FROM Lead WHERE SystemModstamp > 2026-11-19'));
    expect(wrongType.errorCode).toBe('INVALID_FIELD');
    expect(wrongType.message).toContain(
      "value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes",
    );
    const quoted = await rejection(
      conn.query("SELECT Id FROM Lead WHERE SystemModstamp > '2026-11-19T00:00:00Z'"),
    );
    expect(quoted.errorCode).toBe('INVALID_FIELD');
    const dateVsDatetime = await rejection(
      conn.query('SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z'),
    );
    expect(dateVsDatetime.message).toContain('must be of type date');
    const numberQuoted = await rejection(conn.query("SELECT Id FROM Lead WHERE NumberOfEmployees > '5'"));
    expect(numberQuoted.message).toContain(
      "field 'NumberOfEmployees' must be of type int and should not be enclosed in quotes",
    );
    const stringUnquoted = await rejection(conn.query('SELECT Id FROM Lead WHERE Company = 5'));
    expect(stringUnquoted.message).toContain('must be of type string and should be enclosed in quotes');
  });

  it('returns Salesforce formats: attributes, datetimes with +0000, dates, numbers, booleans, nulls', async () => {
    const { conn, ids: k } = await org();
    const res = await conn.query<Record<string, unknown>>(
      `SELECT Id, TossUp_Due__c, IS_Heard_At__c, Strategic_Target__c, NumberOfEmployees, Email, CreatedDate FROM Lead WHERE Id = '${k.l1}'`,
    );
    expect(res).toMatchObject({ totalSize: 1, done: true });
    const r = res.records[0]!;
    expect(Object.keys(r)).toEqual([
      'attributes',
      'Id',
      'TossUp_Due__c',
      'IS_Heard_At__c',
      'Strategic_Target__c',
      'NumberOfEmployees',
      'Email',
      'CreatedDate',
    ]);
    expect(r.attributes).toEqual({ type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${k.l1}` });
    expect(r.TossUp_Due__c).toBe('2026-11-20T01:00:00.000+0000');
    expect(r.IS_Heard_At__c).toBe('2026-11-19T06:30:00.000+0000');
    expect(r.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(r.Strategic_Target__c).toBe(true);
    expect(r.NumberOfEmployees).toBe(1200);
    expect(r.Id).toHaveLength(18);
    const opp = await conn.query<Record<string, unknown>>(
      `SELECT CloseDate, Amount, IsClosed, IsWon FROM Opportunity WHERE Id = '${k.won}'`,
    );
    expect(opp.records[0]).toMatchObject({
      CloseDate: '2026-01-31',
      Amount: null,
      IsClosed: true,
      IsWon: true,
    });
    const empty = await conn.query("SELECT Id FROM Lead WHERE Company = 'nobody'");
    expect(empty).toMatchObject({ totalSize: 0, done: true, records: [] });
  });

  it('orders by several keys with ASC/DESC and NULLS FIRST/LAST, with LIMIT and OFFSET', async () => {
    const { conn, ids: k } = await org();
    const q = async (tail: string) =>
      ids((await conn.query<{ Id: string }>(`SELECT Id FROM Lead ${tail}`)).records);
    expect(await q('ORDER BY pi__score__c')).toEqual([k.l3, k.l2, k.l4, k.l1]); // nulls first ascending
    expect(await q('ORDER BY pi__score__c DESC')).toEqual([k.l1, k.l4, k.l2, k.l3]); // nulls last descending
    expect(await q('ORDER BY pi__score__c ASC NULLS LAST')).toEqual([k.l2, k.l4, k.l1, k.l3]);
    expect(await q('ORDER BY pi__score__c DESC NULLS FIRST')).toEqual([k.l3, k.l1, k.l4, k.l2]);
    // 'Open - Not Contacted' sorts after 'Closed - Not Converted'; LastName breaks ties case-insensitively.
    expect(await q('ORDER BY Status DESC, LastName ASC')).toEqual([k.l1, k.l2, k.l3, k.l4]);
    expect(await q('ORDER BY LastName LIMIT 2')).toEqual([k.l4, k.l1]);
    expect(await q('ORDER BY LastName LIMIT 2 OFFSET 1')).toEqual([k.l1, k.l2]);
    expect(await q('ORDER BY LastName OFFSET 3')).toEqual([k.l3]);
    const tooFar = await rejection(conn.query('SELECT Id FROM Lead OFFSET 2001'));
    expect(tooFar.errorCode).toBe('NUMBER_OUTSIDE_VALID_RANGE');
  });

  it('nests parent relationship fields, including polymorphic owners, and null parents', async () => {
    const { conn, ids: k } = await org();
    const contacts = await conn.query<Record<string, unknown>>(
      'SELECT Id, Account.OwnerId, Account.Type, Account.Owner.Name FROM Contact ORDER BY LastName DESC',
    );
    const [yamada, orphan] = contacts.records;
    expect(yamada!.Account).toEqual({
      attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${k.acme}` },
      OwnerId: k.rep,
      Type: 'Customer',
      Owner: {
        attributes: { type: 'User', url: `/services/data/v62.0/sobjects/User/${k.rep}` },
        Name: 'Org Admin',
      },
    });
    expect(orphan!.Account).toBeNull();
    const leads = await conn.query<Record<string, unknown>>(
      `SELECT Owner.Name FROM Lead WHERE Id IN ('${k.l1}', '${k.l2}') ORDER BY LastName`,
    );
    expect(leads.records.map((r) => r.Owner)).toEqual([
      { attributes: { type: 'User', url: expect.stringContaining('/User/') }, Name: 'Org Admin' },
      { attributes: { type: 'Group', url: expect.stringContaining('/Group/') }, Name: 'IS Queue' },
    ]);
    const byParent = await conn.query<{ Id: string }>(
      "SELECT Id FROM Contact WHERE Account.Type = 'Customer'",
    );
    expect(ids(byParent.records)).toEqual([k.c1]);
    const orderedByParent = await conn.query<{ Id: string }>(
      'SELECT Id FROM Contact ORDER BY Account.Name NULLS LAST',
    );
    expect(ids(orderedByParent.records)).toEqual([k.c1, k.c2]);
  });

  it('returns child subqueries as {totalSize, done, records} or null', async () => {
    const { conn, ids: k } = await org();
    const res = await conn.query<Record<string, unknown>>(
      `SELECT Id, (SELECT Id, Status, HasResponded, FirstRespondedDate, Campaign.Type FROM CampaignMembers ORDER BY Status) FROM Lead WHERE Id IN ('${k.l1}', '${k.l2}') ORDER BY LastName`,
    );
    const [l1, l2] = res.records;
    expect(l1!.CampaignMembers).toEqual({
      totalSize: 2,
      done: true,
      records: [
        {
          attributes: { type: 'CampaignMember', url: `/services/data/v62.0/sobjects/CampaignMember/${k.m1}` },
          Id: k.m1,
          Status: 'Responded',
          HasResponded: true,
          FirstRespondedDate: '2026-10-05',
          Campaign: {
            attributes: { type: 'Campaign', url: `/services/data/v62.0/sobjects/Campaign/${k.webinar}` },
            Type: 'Webinar',
          },
        },
        {
          attributes: { type: 'CampaignMember', url: `/services/data/v62.0/sobjects/CampaignMember/${k.m2}` },
          Id: k.m2,
          Status: 'Sent',
          HasResponded: false,
          FirstRespondedDate: null,
          Campaign: {
            attributes: { type: 'Campaign', url: `/services/data/v62.0/sobjects/Campaign/${k.mail}` },
            Type: 'Email',
          },
        },
      ],
    });
    expect(l2!.CampaignMembers).toBeNull();
    const acc = await conn.query<Record<string, unknown>>(
      `SELECT Name, (SELECT StageName FROM Opportunities WHERE IsClosed = true ORDER BY CloseDate DESC LIMIT 1) FROM Account WHERE Id = '${k.acme}'`,
    );
    expect(
      (acc.records[0]!.Opportunities as { records: Array<{ StageName: string }> }).records.map(
        (o) => o.StageName,
      ),
    ).toEqual(['Closed Won']);
    const contacts = await conn.query<Record<string, unknown>>(
      `SELECT (SELECT Id FROM CampaignMembers) FROM Contact WHERE Id = '${k.c1}'`,
    );
    expect((contacts.records[0]!.CampaignMembers as { totalSize: number }).totalSize).toBe(1);
  });

  it('supports COUNT()', async () => {
    const { conn } = await org();
    const res = await conn.query('SELECT COUNT() FROM Lead WHERE NumberOfEmployees > 100');
    expect(res.totalSize).toBe(2);
    expect(res.records).toEqual([]);
  });

  it.each([
    [
      'SELECT Foo__c FROM Lead',
      'INVALID_FIELD',
      "No such column 'Foo__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.",
    ],
    ['SELECT Id FROM Leed', 'INVALID_TYPE', "sObject type 'Leed' is not supported."],
    [
      'SELECT Acount.Name FROM Contact',
      'INVALID_FIELD',
      "Didn't understand relationship 'Acount' in field path.",
    ],
    ['SELECT Account.Nme FROM Contact', 'INVALID_FIELD', "No such column 'Nme' on entity 'Account'."],
    [
      'SELECT (SELECT Id FROM Contactz) FROM Account',
      'INVALID_TYPE',
      "Didn't understand relationship 'Contactz' in FROM part of query call.",
    ],
    [
      'SELECT Id FROM Lead WHERE Description = null',
      'INVALID_FIELD',
      "field 'Description' can not be filtered in a query call",
    ],
    ["SELECT Id FROM Lead WHERE Id = 'abc'", 'INVALID_QUERY_FILTER_OPERATOR', 'invalid ID field: abc'],
    ['SELECT Id FROM Lead WHERE', 'MALFORMED_QUERY', 'unexpected token'],
    ['SELECT Id, FROM Lead', 'MALFORMED_QUERY', "unexpected token: 'FROM'"],
    [
      "SELECT Id FROM Lead WHERE Company = 'a' AND LastName = 'b' OR Title = 'c'",
      'MALFORMED_QUERY',
      "unexpected token: 'OR'",
    ],
    [
      'SELECT Industry, COUNT(Id) FROM Lead GROUP BY Industry',
      'MALFORMED_QUERY',
      'not supported by the Salesforce emulator',
    ],
    [
      'SELECT Id FROM Lead GROUP BY Industry',
      'MALFORMED_QUERY',
      'GROUP BY is not supported by the Salesforce emulator',
    ],
    ['SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM CampaignMember)', 'MALFORMED_QUERY', 'semi-join'],
    ['SELECT toLabel(Status) FROM Lead', 'MALFORMED_QUERY', "function 'toLabel(...)' is not supported"],
    [
      'SELECT Id FROM Lead WHERE CreatedDate = LAST_90_MINUTES',
      'MALFORMED_QUERY',
      "unexpected token: 'LAST_90_MINUTES'",
    ],
    ["SELECT Id FROM Lead WHERE Company = 'unterminated", 'MALFORMED_QUERY', 'unterminated string'],
    ['SELECT Id, Id FROM Lead', 'MALFORMED_QUERY', 'duplicate field selected: Id'],
    ['SELECT Id FROM Lead WHERE CreatedDate > 2026-02-30T00:00:00Z', 'MALFORMED_QUERY', 'invalid dateTime'],
  ])('%s → %s', async (soql, code, text) => {
    const { emu, conn } = await org();
    const err = await rejection(conn.query(soql));
    expect(err.errorCode).toBe(code);
    expect(err.message).toContain(text);
    expect(err.message).toMatch(/ERROR at Row:1:Column:\d+/);
    const wire = await raw(
      emu,
      conn.accessToken!,
      'GET',
      `/services/data/v62.0/query?q=${encodeURIComponent(soql)}`,
    );
    expect(wire.status).toBe(400);
    expect(wire.headers.get('content-type')).toMatch(/^application\/json/);
    expect(wire.json).toEqual([{ message: expect.any(String), errorCode: code }]);
  });

  it('answers 400 MALFORMED_QUERY when q is missing', async () => {
    const { emu, conn } = await org();
    const res = await raw(emu, conn.accessToken!, 'GET', '/services/data/v62.0/query');
    expect(res.status).toBe(400);
    expect((res.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('MALFORMED_QUERY');
  });
});

describe('SOQL parser', () => {
  it('produces an AST with paths, subqueries, literals and order keys', () => {
    const ast = parseSoql(
      "SELECT Id, Account.Owner.Name, (SELECT Status FROM CampaignMembers LIMIT 5) FROM Contact WHERE (Email LIKE '%@x.jp' OR Email = null) AND CreatedDate >= 2026-11-20T01:00:00+09:00 AND Score__c > -1.5 ORDER BY LastName DESC NULLS LAST, Id LIMIT 10 OFFSET 5",
    );
    expect(ast.select.map((s) => s.kind)).toEqual(['field', 'field', 'subquery']);
    expect(ast.select[1]).toMatchObject({ kind: 'field', ref: { path: ['Account', 'Owner', 'Name'] } });
    expect(ast.from.name).toBe('Contact');
    expect(ast.where).toMatchObject({
      kind: 'and',
      items: [
        { kind: 'or' },
        { kind: 'compare', op: '>=', value: { kind: 'datetime', value: Date.parse('2026-11-19T16:00:00Z') } },
        { kind: 'compare', op: '>', value: { kind: 'number', value: -1.5 } },
      ],
    });
    expect(ast.orderBy).toMatchObject([
      { field: { path: ['LastName'] }, descending: true, nullsFirst: false },
      { field: { path: ['Id'] }, descending: false, nullsFirst: undefined },
    ]);
    expect([ast.limit, ast.offset]).toEqual([10, 5]);
  });

  it('keywords are case-insensitive and <> means !=', () => {
    const ast = parseSoql(
      "select id from lead where status <> 'x' order by createddate asc nulls first limit 1",
    );
    expect(ast.where).toMatchObject({ kind: 'compare', op: '!=' });
    expect(ast.orderBy[0]!.nullsFirst).toBe(true);
  });
});
