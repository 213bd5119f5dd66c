import {
  PropertyCreateFieldTypeEnum,
  PropertyCreateTypeEnum,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { describe, expect, it } from 'vitest';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** crm-apis.md B4: properties list/create with 409 on duplicates; owners via `/crm/v3/owners/`. */

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  const error = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: number; body?: Record<string, unknown> } | undefined;
  expect(error, 'expected the SDK call to throw').toBeDefined();
  return { code: error!.code!, body: error!.body! };
}

describe('Properties API', () => {
  it('lists the schema in HubSpot shape, including the custom toss-up properties by default', async () => {
    const hs = await startEmulator({ rateLimits: { enabled: false } });
    const client = sdk(hs);
    const all = await client.crm.properties.coreApi.getAll('contacts');
    const byName = new Map(all.results.map((p) => [p.name, p]));
    expect(byName.get('email')).toMatchObject({ type: 'string', fieldType: 'text', hubspotDefined: true });
    expect(byName.get('lastmodifieddate')?.modificationMetadata?.readOnlyValue).toBe(true);
    const flag = byName.get('tossup_flag')!;
    expect(flag).toMatchObject({ type: 'enumeration', fieldType: 'select', groupName: 'tossup' });
    expect(flag.hubspotDefined).toBeUndefined();
    expect(flag.options.map((o) => [o.value, o.label])).toEqual([
      ['yes', 'はい'],
      ['no', 'いいえ'],
      ['hold', '一時保留'],
    ]);
    expect(byName.get('is_budget')!.options.map((o) => [o.value, o.label])).toEqual([
      ['yes', 'あり'],
      ['no', 'なし'],
      ['unknown', '不明'],
    ]);
    const taskKey = await client.crm.properties.coreApi.getByName('tasks', 'tossup_task_key');
    expect(taskKey.hasUniqueValue).toBe(true);
    const strategic = await client.crm.properties.coreApi.getByName('companies', 'strategic_target');
    expect(strategic.type).toBe('bool');
    const missing = await apiError(client.crm.properties.coreApi.getByName('contacts', 'nope'));
    expect(missing.code).toBe(404);
  });

  it('creates properties and groups, answering 409 with a conflict body for duplicates', async () => {
    const hs = await startEmulator({ withCustomProperties: 'inputs-only', rateLimits: { enabled: false } });
    const client = sdk(hs);
    const names = (await client.crm.properties.coreApi.getAll('contacts')).results.map((p) => p.name);
    expect(names).toContain('is_budget');
    expect(names).not.toContain('tossup_flag');
    // Writing a property the portal lacks fails until it is created.
    const before = await apiError(
      client.crm.contacts.basicApi.create({ properties: { tossup_flag: 'yes' }, associations: [] }),
    );
    expect((before.body.errors as Array<{ code: string }>)[0]!.code).toBe('PROPERTY_DOESNT_EXIST');

    const noGroup = await apiError(
      client.crm.properties.coreApi.create('contacts', {
        name: 'tossup_flag',
        label: 'トスアップ対象フラグ',
        type: PropertyCreateTypeEnum.Enumeration,
        fieldType: PropertyCreateFieldTypeEnum.Select,
        groupName: 'tossup',
        options: [{ label: 'はい', value: 'yes', hidden: false }],
      }),
    );
    expect(noGroup.code).toBe(400);

    const group = await client.crm.properties.groupsApi.create('contacts', {
      name: 'tossup',
      label: 'Toss-up',
    });
    expect(group).toMatchObject({ name: 'tossup', archived: false });
    expect(
      (await apiError(client.crm.properties.groupsApi.create('contacts', { name: 'tossup', label: 'again' })))
        .code,
    ).toBe(409);

    const spec = {
      name: 'tossup_flag',
      label: 'トスアップ対象フラグ',
      type: PropertyCreateTypeEnum.Enumeration,
      fieldType: PropertyCreateFieldTypeEnum.Select,
      groupName: 'tossup',
      options: [
        { label: 'はい', value: 'yes', hidden: false, displayOrder: 0 },
        { label: 'いいえ', value: 'no', hidden: false, displayOrder: 1 },
        { label: '一時保留', value: 'hold', hidden: false, displayOrder: 2 },
      ],
    };
    const created = await client.crm.properties.coreApi.create('contacts', spec);
    expect(created).toMatchObject({ name: 'tossup_flag', type: 'enumeration', groupName: 'tossup' });
    expect(created.createdAt).toBeInstanceOf(Date);

    const conflict = await apiError(client.crm.properties.coreApi.create('contacts', spec));
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({
      status: 'error',
      category: 'OBJECT_ALREADY_EXISTS',
      message: "Property named 'tossup_flag' already exists.",
    });

    const contact = await client.crm.contacts.basicApi.create({
      properties: { tossup_flag: 'hold' },
      associations: [],
    });
    expect(contact.properties.tossup_flag).toBe('hold');
    expect(hs.app.counters.get('hs.properties.create')).toBe(3);
  });

  it('validates property definitions', async () => {
    const hs = await startEmulator({ withCustomProperties: false, rateLimits: { enabled: false } });
    const post = (body: unknown) => rawFetch(hs, '/crm/v3/properties/contacts', { method: 'POST', body });
    const base = {
      name: 'x_prop',
      label: 'X',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
    };
    expect((await post(base)).status).toBe(201);
    expect((await post({ ...base, name: 'Bad Name' })).status).toBe(400);
    expect((await post({ ...base, name: 'hs_mine' })).status).toBe(400);
    expect((await post({ ...base, name: 'y', type: 'number', fieldType: 'select' })).status).toBe(400);
    expect((await post({ ...base, name: 'z', type: 'enumeration', fieldType: 'select' })).status).toBe(400);
    expect((await rawFetch(hs, '/crm/v3/properties/widgets')).status).toBe(400);
  });
});

describe('Owners API', () => {
  it('serves owners with and without the trailing slash; owner ids are not user ids', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const page = await client.crm.owners.ownersApi.getPage();
    expect(page.results.map((o) => o.email)).toEqual(['sato@seller.example', 'suzuki@seller.example']);
    const sato = page.results[0]!;
    expect(sato).toMatchObject({ type: 'PERSON', firstName: '花子', lastName: '佐藤', archived: false });
    expect(sato.id).not.toBe(String(sato.userId));
    expect(sato.userIdIncludingInactive).toBe(sato.userId);
    expect(page.results[1]!.teams).toEqual([{ id: '500001', name: 'IS/Sales planning', primary: true }]);

    const noSlash = await rawFetch(hs, '/crm/v3/owners?limit=1');
    const slash = await rawFetch(hs, '/crm/v3/owners/?limit=1');
    expect(noSlash.status).toBe(200);
    expect(slash.body).toEqual(noSlash.body);
    expect((noSlash.body as { paging: { next: { after: string } } }).paging.next.after).toBe('1');

    const archived = await client.crm.owners.ownersApi.getPage(undefined, undefined, 100, true);
    expect(archived.results.map((o) => [o.email, o.userId, (o.userIdIncludingInactive ?? 0) > 0])).toEqual([
      ['takahashi@seller.example', undefined, true],
    ]);
    const byEmail = await client.crm.owners.ownersApi.getPage('SUZUKI@seller.example');
    expect(byEmail.results).toHaveLength(1);
    const one = await client.crm.owners.ownersApi.getById(Number(sato.id));
    expect(one.email).toBe('sato@seller.example');
    expect(hs.app.counters.get('hs.owners')).toBe(5);
  });
});
