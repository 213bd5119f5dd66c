import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import { describe, expect, it } from 'vitest';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** crm-apis.md B3: task create with an inline 204 association; owners (not users) as hubspot_owner_id. */

describe('Tasks', () => {
  it('creates a task associated to a contact (204) and reads the association back both ways', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const ownerId = hs.seedSummary!.ids.owners.get('u001')!;
    const task = await client.crm.objects.tasks.basicApi.create({
      properties: {
        hs_timestamp: String(Date.parse('2025-04-02T09:00:00Z')),
        hs_task_subject: 'トスアップ: 田中 一郎 [decision-1001]',
        hs_task_body: '行動スコア 120',
        hs_task_priority: 'HIGH',
        hubspot_owner_id: ownerId,
        tossup_task_key: 'decision-1001',
      },
      associations: [
        {
          to: { id: '1001' },
          types: [
            {
              associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
              associationTypeId: 204,
            },
          ],
        },
      ],
    });
    expect(task.properties).toMatchObject({
      hs_timestamp: '2025-04-02T09:00:00.000Z',
      hs_task_priority: 'HIGH',
      hubspot_owner_id: ownerId,
    });
    const read = await client.crm.objects.tasks.basicApi.getById(
      task.id,
      ['hs_task_status', 'hs_task_type'],
      undefined,
      ['contacts'],
    );
    expect(read.properties).toMatchObject({ hs_task_status: 'NOT_STARTED', hs_task_type: 'TODO' });
    expect(read.associations?.contacts?.results).toEqual([{ id: '1001', type: 'task_to_contact' }]);

    const fromContact = await client.crm.associations.v4.basicApi.getPage('contacts', '1001', 'tasks');
    expect(fromContact.results).toEqual([
      {
        toObjectId: Number(task.id),
        associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 203, label: null }],
      },
    ]);
    expect(hs.app.counters.get('hs.tasks.create')).toBe(1);
  });

  it('requires hs_timestamp, a real contact and an owner id (not a user id)', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const assoc = (id: string) => [
      { to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] },
    ];
    const noDue = await rawFetch(hs, '/crm/v3/objects/tasks', {
      method: 'POST',
      body: { properties: { hs_task_subject: 'x' }, associations: assoc('1001') },
    });
    expect(noDue.status).toBe(400);
    const ghost = await rawFetch(hs, '/crm/v3/objects/tasks', {
      method: 'POST',
      body: { properties: { hs_timestamp: '2025-04-02T00:00:00Z' }, associations: assoc('777') },
    });
    expect(ghost.status).toBe(400);
    const wrongType = await rawFetch(hs, '/crm/v3/objects/tasks', {
      method: 'POST',
      body: {
        properties: { hs_timestamp: '2025-04-02T00:00:00Z' },
        associations: [
          { to: { id: '1001' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] },
        ],
      },
    });
    expect(wrongType.status).toBe(400);
    const owner = hs.store.owners.get(hs.seedSummary!.ids.owners.get('u001')!)!;
    const byUserId = await rawFetch(hs, '/crm/v3/objects/tasks', {
      method: 'POST',
      body: { properties: { hs_timestamp: '2025-04-02T00:00:00Z', hubspot_owner_id: String(owner.userId) } },
    });
    expect(byUserId.status).toBe(400);
    expect((byUserId.body as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('INVALID_OPTION');
    expect(hs.store.count('tasks')).toBe(0);
  });

  it('batch-creates tasks with inline associations', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const inputs = ['1001', '1002', '1003'].map((id) => ({
      properties: { hs_timestamp: '2025-04-02T00:00:00Z', hs_task_subject: `follow up ${id}` },
      associations: [
        {
          to: { id },
          types: [
            {
              associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
              associationTypeId: 204,
            },
          ],
        },
      ],
    }));
    const res = await client.crm.objects.tasks.batchApi.create({ inputs });
    expect(res.results).toHaveLength(3);
    for (const id of ['1001', '1002', '1003'])
      expect(hs.store.associationsOf('contacts', id, 'tasks')).toHaveLength(1);
    expect(hs.app.counters.get('hs.tasks.batch.create')).toBe(1);
  });
});

describe('Associations', () => {
  it('returns the primary company on v3 reads and through v4 list and batch read', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const alpha = hs.seedSummary!.ids.companies.get('c1')!;
    const contact = await client.crm.contacts.basicApi.getById('1001', undefined, undefined, [
      'companies',
      'deals',
    ]);
    expect(contact.associations?.companies?.results).toEqual([
      { id: alpha, type: 'contact_to_company' },
      { id: alpha, type: 'contact_to_company_unlabeled' },
    ]);
    expect(contact.associations?.deals?.results).toEqual([
      { id: hs.seedSummary!.ids.deals.get('o1'), type: 'contact_to_deal' },
    ]);

    const v4 = await rawFetch(hs, '/crm/v4/objects/contacts/1001/associations/companies');
    expect(v4.body).toEqual({
      results: [
        {
          toObjectId: Number(alpha),
          associationTypes: [
            { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
            { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
          ],
        },
      ],
    });

    // A contact created through the API without a company shows up as a per-input error.
    const lone = await client.crm.contacts.basicApi.create({
      properties: { email: 'lone@nowhere.example' },
      associations: [],
    });
    const batch = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: [{ id: '1001' }, { id: '1003' }, { id: lone.id }],
    });
    expect(batch.results.map((r) => [r._from.id, r.to.map((t) => String(t.toObjectId))])).toEqual([
      ['1001', [alpha]],
      ['1003', [hs.seedSummary!.ids.companies.get('c2')]],
    ]);
    const errors = (batch as { errors?: Array<Record<string, unknown>> }).errors!;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { fromObjectId: [lone.id] } });
  });

  it('moves the primary flag when another company becomes primary', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const gamma = hs.seedSummary!.ids.companies.get('c3')!;
    hs.store.associate('contacts', '1001', 'companies', gamma, true);
    const edges = hs.store.associationsOf('contacts', '1001', 'companies');
    expect(edges.filter((e) => e.primary).map((e) => e.to)).toEqual([gamma]);
    expect(edges).toHaveLength(2);
  });
});
