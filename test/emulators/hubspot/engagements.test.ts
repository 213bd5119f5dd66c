import { describe, expect, it } from 'vitest';
import { completeTask, logEngagement } from '../../../emulators/hubspot/index.ts';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** Calls, e-mails and meetings as HubSpot objects (v3 CRUD/batch, v4 associations) and the rep actions. */

describe('Engagements: calls, e-mails, meetings', () => {
  it('creates a call with the SDK, batch-reads it and reads contact→calls through v4 batch associations', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const ownerId = hs.seedSummary!.ids.owners.get('u001')!;
    const call = await client.crm.objects.calls.basicApi.create({
      properties: {
        hs_timestamp: '2025-04-02T01:00:00Z',
        hs_call_title: '初回架電',
        hubspot_owner_id: ownerId,
      },
      associations: [
        { to: { id: '1001' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] },
      ] as never,
    });
    const read = await client.crm.objects.calls.batchApi.read({
      inputs: [{ id: call.id }],
      properties: ['hs_timestamp', 'hubspot_owner_id', 'hs_createdate'],
      propertiesWithHistory: [],
    });
    expect(read.results[0]!.properties).toMatchObject({
      hs_timestamp: '2025-04-02T01:00:00.000Z',
      hubspot_owner_id: ownerId,
    });
    const assoc = await client.crm.associations.v4.batchApi.getPage('contacts', 'calls', {
      inputs: [{ id: '1001' }, { id: '1002' }],
    });
    expect(assoc.results.map((r) => [r._from.id, r.to.map((t) => t.toObjectId)])).toEqual([
      ['1001', [Number(call.id)]],
    ]);
    expect(assoc.results[0]!.to[0]!.associationTypes).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: 193, label: null },
    ]);
    // 1002 has no calls: a per-input 207 error, as for every other pair.
    expect(
      (assoc as unknown as { errors: { context: { fromObjectId: string[] } }[] }).errors[0]!.context,
    ).toMatchObject({ fromObjectId: ['1002'] });
  });

  it('refuses an engagement without hs_timestamp, and serves the 0-47/0-48/0-49 type ids', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const res = await rawFetch(hs, '/crm/v3/objects/meetings', {
      method: 'POST',
      body: { properties: { hs_meeting_title: 'x' } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('REQUIRED_PROPERTY');
    for (const id of ['0-47', '0-48', '0-49']) {
      const list = await rawFetch(hs, `/crm/v3/objects/${id}?limit=1`);
      expect(list.status, id).toBe(200);
    }
  });

  it('pages a record with more than 500 associations through {id, after}', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const ownerId = hs.seedSummary!.ids.owners.get('u001')!;
    for (let i = 0; i < 501; i++) logEngagement(hs.store, { kind: 'email', contactId: '1001', ownerId });
    const client = sdk(hs);
    const first = await client.crm.associations.v4.batchApi.getPage('contacts', 'emails', {
      inputs: [{ id: '1001' }],
    });
    expect(first.results[0]!.to).toHaveLength(500);
    const after = first.results[0]!.paging?.next?.after;
    expect(after).toBe('500');
    const rest = await client.crm.associations.v4.batchApi.getPage('contacts', 'emails', {
      inputs: [{ id: '1001', after: after! }],
    });
    expect(rest.results[0]!.to).toHaveLength(1);
    expect(rest.results[0]!.paging).toBeUndefined();
  });

  it('rep actions: log a meeting and complete a task at the emulator clock, in process and over HTTP', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    hs.clock.pin('2025-04-02T03:00:00Z');
    const ownerId = hs.seedSummary!.ids.owners.get('u001')!;
    const meeting = logEngagement(hs.store, { kind: 'meeting', contactId: '1001', ownerId });
    expect(meeting.props).toMatchObject({
      hs_timestamp: '2025-04-02T03:00:00.000Z',
      hubspot_owner_id: ownerId,
    });
    expect(hs.store.associationsOf('contacts', '1001', 'meetings').map((e) => e.to)).toEqual([meeting.id]);

    const task = hs.store.create(
      'tasks',
      { hs_timestamp: '2025-04-03T00:00:00Z', hubspot_owner_id: ownerId },
      { associations: [{ toType: 'contacts', toId: '1001', primary: false }] },
    );
    hs.clock.advance(3_600_000);
    const done = await rawFetch(hs, `/__admin/hubspot/tasks/${task.id}/complete`, {
      method: 'POST',
      body: {},
    });
    expect(done.status).toBe(200);
    expect(hs.store.get('tasks', task.id)!.props).toMatchObject({
      hs_task_status: 'COMPLETED',
      hs_task_completion_date: '2025-04-02T04:00:00.000Z',
    });
    // Completing it again changes nothing (the completion time stays).
    hs.clock.advance(60_000);
    completeTask(hs.store, task.id);
    expect(hs.store.get('tasks', task.id)!.props.hs_task_completion_date).toBe('2025-04-02T04:00:00.000Z');

    const call = await rawFetch(hs, '/__admin/hubspot/engagements/calls', {
      method: 'POST',
      body: { contactId: '1001', ownerId, at: '2025-04-02T04:30:00+09:00' },
    });
    expect(call.status).toBe(201);
    expect(call.body).toMatchObject({ properties: { hs_timestamp: '2025-04-01T19:30:00.000Z' } });
    const unknown = await rawFetch(hs, '/__admin/hubspot/engagements/calls', {
      method: 'POST',
      body: { contactId: '999', ownerId },
    });
    expect(unknown.status).toBe(404);
  });
});
