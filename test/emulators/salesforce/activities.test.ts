import './no-proxy.ts';
import { describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import { login, startEmu } from './sf-test-kit.ts';

// Activities and the user hierarchy as the SLA sweep reads them: Task.CompletedDateTime and
// TaskSubtype, Event, User.ManagerId, and what deleting or converting a lead does to its activities.

const T = Date.parse('2026-11-20T01:00:00.000Z');

describe('activities', () => {
  it('stamps CompletedDateTime when a task closes and clears it when reopened; TaskSubtype defaults to Task and is create-only', async () => {
    const emu = await startEmu();
    emu.clock.pin(new Date(T).toISOString());
    const conn = await login(emu);
    const lead = emu.store.insert('Lead', { LastName: 'L', Company: 'C' });
    const made = (await conn.sobject('Task').create([
      { Subject: 'a', WhoId: lead },
      { Subject: 'call', WhoId: lead, TaskSubtype: 'Call', Status: 'Completed' },
    ])) as unknown as { id: string; success: boolean }[];
    expect(made.map((r) => r.success)).toEqual([true, true]);
    const open = emu.store.get('Task', made[0]!.id)!;
    expect(open).toMatchObject({ TaskSubtype: 'Task', IsClosed: false, CompletedDateTime: null });
    expect(emu.store.get('Task', made[1]!.id)).toMatchObject({ TaskSubtype: 'Call', CompletedDateTime: T });

    emu.clock.pin(new Date(T + 60_000).toISOString());
    await conn.sobject('Task').update({ Id: made[0]!.id, Status: 'Completed' });
    const rows = await conn.query<{ CompletedDateTime: string; IsClosed: boolean }>(
      `SELECT CompletedDateTime, IsClosed FROM Task WHERE Id = '${made[0]!.id}'`,
    );
    expect(rows.records[0]).toMatchObject({
      IsClosed: true,
      CompletedDateTime: '2026-11-20T01:01:00.000+0000',
    });
    await conn.sobject('Task').update({ Id: made[0]!.id, Status: 'In Progress' });
    expect(emu.store.get('Task', made[0]!.id)!.CompletedDateTime).toBeNull();

    const refused = (await conn
      .sobject('Task')
      .update([{ Id: made[1]!.id, TaskSubtype: 'Email' }])) as unknown as {
      success: boolean;
      errors: { statusCode: string }[];
    }[];
    expect(refused[0]!.errors[0]!.statusCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  });

  it('Events: StartDateTime required, end and duration derive each other, queryable by WhoId', async () => {
    const emu = await startEmu();
    emu.clock.pin(new Date(T).toISOString());
    const conn = await login(emu);
    const lead = emu.store.insert('Lead', { LastName: 'L', Company: 'C' });
    const made = (await conn.sobject('Event').create([
      { Subject: 'meeting', WhoId: lead, StartDateTime: '2026-11-21T02:00:00Z', DurationInMinutes: 30 },
      { Subject: 'no start', WhoId: lead },
    ])) as unknown as { id: string; success: boolean; errors: { statusCode: string }[] }[];
    expect(made[0]!.success).toBe(true);
    expect(made[0]!.id.startsWith('00U')).toBe(true);
    expect(made[1]!.errors[0]!.statusCode).toBe('REQUIRED_FIELD_MISSING');
    const rows = await conn.query<Record<string, unknown>>(
      `SELECT Id, OwnerId, StartDateTime, EndDateTime, ActivityDate, EventSubtype FROM Event WHERE WhoId IN ('${lead}')`,
    );
    expect(rows.records).toHaveLength(1);
    expect(rows.records[0]).toMatchObject({
      StartDateTime: '2026-11-21T02:00:00.000+0000',
      EndDateTime: '2026-11-21T02:30:00.000+0000',
      ActivityDate: '2026-11-21',
      EventSubtype: 'Event',
      OwnerId: emu.store.integrationUserId,
    });
  });

  it('deleting a lead deletes its tasks and events (queryAll still sees them); undeleting brings them back', async () => {
    const emu = await startEmu();
    emu.clock.pin(new Date(T).toISOString());
    const conn = await login(emu);
    const lead = emu.store.insert('Lead', { LastName: 'L', Company: 'C' });
    const other = emu.store.insert('Lead', { LastName: 'M', Company: 'C' });
    emu.store.insert('Task', { Subject: 't', WhoId: lead });
    emu.store.insert('Event', { Subject: 'e', WhoId: lead, StartDateTime: T, DurationInMinutes: 10 });
    emu.store.insert('Task', { Subject: 'kept', WhoId: other });

    emu.clock.pin(new Date(T + 1000).toISOString());
    await conn.sobject('Lead').destroy(lead);
    const live = await conn.query<{ Subject: string }>('SELECT Subject FROM Task');
    expect(live.records.map((r) => r.Subject)).toEqual(['kept']);
    expect((await conn.query('SELECT Id FROM Event')).totalSize).toBe(0);
    expect(
      (await conn.query('SELECT Id FROM Task WHERE IsDeleted = true', { scanAll: true })).totalSize,
    ).toBe(1);

    emu.store.undelete('Lead', lead);
    expect((await conn.query('SELECT Id FROM Task')).totalSize).toBe(2);
    expect((await conn.query('SELECT Id FROM Event')).totalSize).toBe(1);
  });

  it('converting a lead moves its activities to the contact and leaves the lead queryable with IsConverted', async () => {
    const emu = await startEmu();
    emu.clock.pin(new Date(T).toISOString());
    const conn = await login(emu);
    const lead = emu.store.insert('Lead', { LastName: '佐藤', Company: 'アルファ' });
    const task = emu.store.insert('Task', { Subject: 't', WhoId: lead });
    const { contactId, accountId } = emu.store.convertLead(lead);
    expect(emu.store.get('Task', task)!.WhoId).toBe(contactId);
    expect(emu.store.get('Contact', contactId)).toMatchObject({ LastName: '佐藤', AccountId: accountId });
    const rows = await conn.query<{ IsConverted: boolean; ConvertedContactId: string }>(
      `SELECT IsConverted, ConvertedContactId FROM Lead WHERE Id = '${lead}'`,
    );
    expect(rows.records[0]).toMatchObject({ IsConverted: true, ConvertedContactId: contactId });
  });
});

describe('User.ManagerId', () => {
  it("is seeded from the world's managerKey", () => {
    const world = generateWorld({ seed: 7, leads: 200, asOf: '2026-11-20T00:00:00Z' });
    const emu = createSalesforceEmulator({ world });
    const ids = emu.seeded!.users;
    expect(world.users.some((u) => u.managerKey)).toBe(true);
    for (const u of world.users) {
      const managerId = emu.store.get('User', ids.get(u.key)!)!.ManagerId;
      expect(managerId).toBe(u.managerKey ? ids.get(u.managerKey) : null);
    }
  });

  it('is a User lookup the API reads and writes (relationship Manager)', async () => {
    const emu = await startEmu();
    const conn = await login(emu);
    const boss = emu.store.integrationUserId;
    const rep = emu.store.insert('User', {
      Username: 'rep@example.com',
      LastName: 'Rep',
      Email: 'rep@example.com',
      Alias: 'rep',
      IsActive: true,
    });
    await conn.sobject('User').update({ Id: rep, ManagerId: boss });
    const rows = await conn.query<{ Id: string; ManagerId: string }>(
      `SELECT Id, ManagerId FROM User WHERE Id IN ('${rep}', '${boss}') ORDER BY Username`,
    );
    expect(rows.records.map((r) => r.ManagerId)).toContain(boss);
    expect(rows.records.find((r) => r.Id === rep)!.ManagerId).toBe(boss);
  });
});
