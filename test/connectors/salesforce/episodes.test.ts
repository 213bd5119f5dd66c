import { describe, expect, it } from 'vitest';
import type { SalesforceConnector } from '../../../connectors/salesforce/index.ts';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import type { EpisodeRef } from '../../../src/ports/episode-crm.ts';
import { connect, insertContact, insertLead, startOrg, T0 } from './sf-kit.ts';

// The SLA sweep's reads and writes on Salesforce (connectors/salesforce/episodes.ts) through real
// jsforce against the emulator: batched facts, the first response, records gone, SLA fields, task
// closing, reassignment and managers.

const HANDOFF = T0 + 10 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const KEY_FIELD = 'TossUp_Key__c';

let userSeq = 0;
function insertUser(emu: SalesforceEmulator, fields: Record<string, unknown> = {}): string {
  userSeq += 1;
  const name = `rep${userSeq}`;
  return emu.store.insert('User', {
    Username: `${name}@example.com`,
    Email: `${name}@example.com`,
    LastName: name,
    Alias: name.slice(0, 8),
    IsActive: true,
    ...fields,
  });
}

interface Arranged {
  ref: EpisodeRef;
  taskId: string;
}

/** A lead (or contact) owned by `owner` with its open toss-up task, handed off at HANDOFF. */
function handedOff(
  emu: SalesforceEmulator,
  owner: string,
  opts: { contact?: boolean; key?: string; withTaskId?: boolean } = {},
): Arranged {
  const leadId = opts.contact
    ? insertContact(emu, T0, { OwnerId: owner })
    : insertLead(emu, T0, { OwnerId: owner });
  const key = opts.key ?? `ep-${leadId}`;
  const taskId = emu.store.insert(
    'Task',
    { Subject: 'トスアップ', WhoId: leadId, OwnerId: owner, [KEY_FIELD]: key },
    { at: HANDOFF - 1000, createdAt: HANDOFF - 1000 },
  );
  return {
    taskId,
    ref: {
      key,
      leadId,
      objectType: opts.contact ? 'Contact' : 'Lead',
      ownerId: owner,
      taskId: opts.withTaskId === false ? null : taskId,
      since: iso(HANDOFF),
    },
  };
}

function logTask(
  emu: SalesforceEmulator,
  whoId: string,
  owner: string,
  at: number,
  fields: Record<string, unknown> = {},
): string {
  return emu.store.insert(
    'Task',
    { Subject: 'logged', WhoId: whoId, OwnerId: owner, Status: 'Completed', ...fields },
    { at, createdAt: at },
  );
}

function calls(connector: SalesforceConnector): Record<string, number> {
  return { ...connector.usage().calls };
}

function delta(before: Record<string, number>, after: Record<string, number>, key: string): number {
  return (after[key] ?? 0) - (before[key] ?? 0);
}

async function org(): Promise<{
  emu: SalesforceEmulator;
  sf: SalesforceConnector;
  owner: string;
  other: string;
}> {
  const emu = await startOrg({ rateLimits: false });
  const sf = await connect(emu);
  return { emu, sf, owner: insertUser(emu), other: insertUser(emu) };
}

describe('readFacts', () => {
  it('reads 450 episodes with 3 Task and 3 Event queries (200 ids per IN) in 3 Composite calls, nothing more', async () => {
    const { emu, sf, owner } = await org();
    const refs = Array.from({ length: 450 }, () => handedOff(emu, owner).ref);
    const before = calls(sf);

    const facts = await sf.episodes.readFacts(refs);

    const after = calls(sf);
    // Page one of the Task and the Event query of each 200 ids in one Composite call.
    expect(delta(before, after, 'composite')).toBe(3);
    expect(delta(before, after, 'queryMore')).toBe(0);
    expect(Object.keys(after).filter((k) => k !== 'composite' && delta(before, after, k) !== 0)).toEqual([]);
    expect(facts.map((f) => f.key)).toEqual(refs.map((r) => r.key));
    expect(facts.every((f) => !f.recordGone && f.taskCompletedAt === null && f.firstActivity === null)).toBe(
      true,
    );
  });

  it('1,000 episodes with a call each on 1,000 leads: 5 read calls', async () => {
    const { emu, sf, owner } = await org();
    const refs = Array.from({ length: 1000 }, () => handedOff(emu, owner).ref);
    for (const r of refs) logTask(emu, r.leadId, owner, HANDOFF + 60_000, { TaskSubtype: 'Call' });
    const before = calls(sf);

    const facts = await sf.episodes.readFacts(refs);

    const after = calls(sf);
    expect(Object.keys(after).reduce((n, k) => n + delta(before, after, k), 0)).toBe(5);
    expect(sf.usage().minimum).toBe(5);
    expect(facts.every((f) => f.firstActivity?.activity === 'call')).toBe(true);
  });

  it('pages through nextRecordsUrl when one batch has more than 2,000 task rows', async () => {
    const { emu, sf, owner, other } = await org();
    const a = handedOff(emu, owner);
    for (let i = 0; i < 2100; i++) logTask(emu, a.ref.leadId, other, HANDOFF + 1000 + i);
    logTask(emu, a.ref.leadId, owner, HANDOFF + 5_000_000, { TaskSubtype: 'Email' });
    const before = calls(sf);

    const [facts] = await sf.episodes.readFacts([a.ref]);

    expect(delta(before, calls(sf), 'queryMore')).toBe(1);
    expect(facts!.firstActivity).toEqual({ at: iso(HANDOFF + 5_000_000), activity: 'email' });
  });

  it('the toss-up task completed: taskCompletedAt is its CompletedDateTime (found by id or by key)', async () => {
    const { emu, sf, owner } = await org();
    const byId = handedOff(emu, owner);
    const byKey = handedOff(emu, owner, { withTaskId: false });
    const open = handedOff(emu, owner);
    for (const a of [byId, byKey])
      emu.store.update('Task', a.taskId, { Status: 'Completed' }, { at: HANDOFF + 3_600_000 });

    const facts = await sf.episodes.readFacts([byId.ref, byKey.ref, open.ref]);

    expect(facts.map((f) => f.taskCompletedAt)).toEqual([
      iso(HANDOFF + 3_600_000),
      iso(HANDOFF + 3_600_000),
      null,
    ]);
    // Completing the toss-up task is not also an "activity".
    expect(facts.map((f) => f.firstActivity)).toEqual([null, null, null]);
    expect(facts.map((f) => f.recordGone)).toEqual([false, false, false]);
  });

  it("after a reassignment the new owner's task is the one that counts, not the first owner's task the sweep closed", async () => {
    const { emu, sf, owner, other } = await org();
    const a = handedOff(emu, owner);
    const [closed] = await sf.episodes.closeTasks([{ taskId: a.taskId, note: '再割当' }]);
    expect(closed!.ok).toBe(true);
    const [made] = await sf.episodes.createTasks([
      {
        key: `${a.ref.key}.r1`,
        leadId: a.ref.leadId,
        objectType: 'Lead',
        ownerId: other,
        subject: 's',
        body: 'b',
        dueAt: iso(HANDOFF + 86_400_000),
        dueDate: '2026-11-21',
        priority: 'high',
      },
    ]);
    const newTask = (made as { id: string }).id;
    const reassigned = { ...a.ref, ownerId: other, taskId: newTask };
    // The task id unknown (its creation failed): the first owner's task is not the new owner's.
    const withoutTask = { ...a.ref, ownerId: other, taskId: null };
    const before = await sf.episodes.readFacts([reassigned, withoutTask]);
    expect(before.map((f) => [f.taskCompletedAt, f.firstActivity, f.recordGone])).toEqual([
      [null, null, false],
      [null, null, false],
    ]);

    emu.store.update('Task', newTask, { Status: 'Completed' }, { at: HANDOFF + 7_200_000 });
    const [after] = await sf.episodes.readFacts([reassigned]);
    expect(after!.taskCompletedAt).toBe(iso(HANDOFF + 7_200_000));
  });

  it('a call logged by the owner after the hand-off counts, the earliest of several; the task itself stays open', async () => {
    const { emu, sf, owner } = await org();
    const a = handedOff(emu, owner);
    logTask(emu, a.ref.leadId, owner, HANDOFF + 7_200_000, { TaskSubtype: 'Email' });
    logTask(emu, a.ref.leadId, owner, HANDOFF + 600_000, { TaskSubtype: 'Call' });

    const [facts] = await sf.episodes.readFacts([a.ref]);

    expect(facts).toEqual({
      key: a.ref.key,
      taskCompletedAt: null,
      firstActivity: { at: iso(HANDOFF + 600_000), activity: 'call' },
      recordGone: false,
    });
  });

  it("another user's activity, one before the hand-off, an open task and the connector's own tasks do not count", async () => {
    const { emu, sf, owner, other } = await org();
    const a = handedOff(emu, owner);
    logTask(emu, a.ref.leadId, other, HANDOFF + 60_000, { TaskSubtype: 'Call' });
    logTask(emu, a.ref.leadId, owner, HANDOFF - 60_000, { TaskSubtype: 'Call' });
    logTask(emu, a.ref.leadId, owner, HANDOFF + 60_000, { TaskSubtype: 'Call', Status: 'Not Started' });
    logTask(emu, a.ref.leadId, owner, HANDOFF + 60_000, { [KEY_FIELD]: `${a.ref.key}:manager` });
    emu.store.insert(
      'Event',
      { WhoId: a.ref.leadId, OwnerId: other, StartDateTime: HANDOFF + 60_000, DurationInMinutes: 30 },
      { at: HANDOFF + 60_000 },
    );
    // Logged after the hand-off, but the meeting took place before it.
    emu.store.insert(
      'Event',
      { WhoId: a.ref.leadId, OwnerId: owner, StartDateTime: HANDOFF - 3_600_000, DurationInMinutes: 30 },
      { at: HANDOFF + 60_000 },
    );

    const [facts] = await sf.episodes.readFacts([a.ref]);

    expect(facts!.firstActivity).toBeNull();
    expect(facts!.recordGone).toBe(false);
  });

  it('a meeting (Event) of the owner counts: logged afterwards from its start, booked ahead from its booking', async () => {
    const { emu, sf, owner } = await org();
    const logged = handedOff(emu, owner);
    const booked = handedOff(emu, owner, { contact: true });
    emu.store.insert(
      'Event',
      { WhoId: logged.ref.leadId, OwnerId: owner, StartDateTime: HANDOFF + 60_000, DurationInMinutes: 60 },
      { at: HANDOFF + 7_200_000, createdAt: HANDOFF + 7_200_000 },
    );
    emu.store.insert(
      'Event',
      {
        WhoId: booked.ref.leadId,
        OwnerId: owner,
        StartDateTime: HANDOFF + 86_400_000 * 3,
        DurationInMinutes: 60,
      },
      { at: HANDOFF + 120_000, createdAt: HANDOFF + 120_000 },
    );

    const facts = await sf.episodes.readFacts([logged.ref, booked.ref]);

    expect(facts.map((f) => f.firstActivity)).toEqual([
      { at: iso(HANDOFF + 60_000), activity: 'meeting' },
      { at: iso(HANDOFF + 120_000), activity: 'meeting' },
    ]);
  });

  it('a deleted lead, a converted lead and a deleted contact are gone; a lead whose task was deleted is not — one look-up per object, only for those', async () => {
    const { emu, sf, owner } = await org();
    const deleted = handedOff(emu, owner);
    const converted = handedOff(emu, owner);
    const contact = handedOff(emu, owner, { contact: true });
    const taskDeleted = handedOff(emu, owner);
    const fine = handedOff(emu, owner);
    emu.store.delete('Lead', deleted.ref.leadId);
    emu.store.convertLead(converted.ref.leadId);
    emu.store.delete('Contact', contact.ref.leadId);
    emu.store.delete('Task', taskDeleted.taskId);
    const before = calls(sf);

    const facts = await sf.episodes.readFacts([
      deleted.ref,
      converted.ref,
      contact.ref,
      taskDeleted.ref,
      fine.ref,
    ]);

    expect(facts.map((f) => f.recordGone)).toEqual([true, true, true, false, false]);
    // Task + Event by WhoId (one Composite call), then Lead by id and Contact by id for the four whose
    // task vanished.
    expect(delta(before, calls(sf), 'composite')).toBe(1);
    expect(delta(before, calls(sf), 'query')).toBe(2);
  });

  it('ids that are not Salesforce ids are answered without breaking the batch', async () => {
    const { emu, sf, owner } = await org();
    const a = handedOff(emu, owner);
    const facts = await sf.episodes.readFacts([{ ...a.ref, key: 'bad', leadId: "00Q' OR Name != '" }, a.ref]);
    expect(facts.map((f) => [f.key, f.recordGone])).toEqual([
      ['bad', false],
      [a.ref.key, false],
    ]);
  });
});

describe('writes', () => {
  it('writes the SLA status and first-response time on leads and contacts, one outcome per input in order', async () => {
    const { emu, sf, owner } = await org();
    const lead = handedOff(emu, owner).ref.leadId;
    const contact = handedOff(emu, owner, { contact: true }).ref.leadId;
    const converted = handedOff(emu, owner).ref.leadId;
    emu.store.convertLead(converted);
    const before = calls(sf);

    const outcomes = await sf.episodes.writeSlaFields([
      { leadId: lead, objectType: 'Lead', status: 'met', firstResponseAt: iso(HANDOFF + 600_000) },
      { leadId: contact, objectType: 'Contact', status: 'overdue', firstResponseAt: null },
      { leadId: converted, objectType: 'Lead', status: 'late', firstResponseAt: null },
      { leadId: 'x', objectType: 'Account', status: 'late', firstResponseAt: null },
    ]);

    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, false]);
    expect(outcomes[2]).toMatchObject({ kind: 'invalid_record', code: 'CANNOT_UPDATE_CONVERTED_LEAD' });
    expect(outcomes[3]).toMatchObject({ kind: 'invalid_record', code: 'unsupported_object' });
    expect(emu.store.get('Lead', lead)).toMatchObject({
      TossUp_SLA_Status__c: 'met',
      TossUp_First_Response_At__c: HANDOFF + 600_000,
    });
    expect(emu.store.get('Contact', contact)).toMatchObject({
      TossUp_SLA_Status__c: 'overdue',
      TossUp_First_Response_At__c: null,
    });
    expect(delta(before, calls(sf), 'collections.update')).toBe(1);
  });

  it('a field missing in the org fails those records as config, the others still go in', async () => {
    const emu = await startOrg({
      rateLimits: false,
      schemaExtensions: [{ object: 'Contact', removeFields: ['TossUp_SLA_Status__c'] }],
    });
    const sf = await connect(emu);
    const owner = insertUser(emu);
    const lead = handedOff(emu, owner).ref.leadId;
    const contact = handedOff(emu, owner, { contact: true }).ref.leadId;
    const outcomes = await sf.episodes.writeSlaFields([
      { leadId: contact, objectType: 'Contact', status: 'on_track', firstResponseAt: null },
      { leadId: lead, objectType: 'Lead', status: 'due_soon', firstResponseAt: null },
    ]);
    expect(outcomes[0]).toMatchObject({ ok: false, kind: 'config' });
    expect(outcomes[1]).toMatchObject({ ok: true });
    expect(emu.store.get('Lead', lead)!.TossUp_SLA_Status__c).toBe('due_soon');
  });

  it('closes tasks with the note appended; closing again changes nothing; a closed or deleted task is a success', async () => {
    const { emu, sf, owner } = await org();
    const a = handedOff(emu, owner);
    emu.store.update('Task', a.taskId, { Description: '初回の説明' });
    const done = logTask(emu, a.ref.leadId, owner, HANDOFF + 1000);
    const gone = logTask(emu, a.ref.leadId, owner, HANDOFF + 1000, { Status: 'Not Started' });
    emu.store.delete('Task', gone);

    const first = await sf.episodes.closeTasks([
      { taskId: a.taskId, note: '再割当: 山田さんへ' },
      { taskId: done, note: 'x' },
      { taskId: gone, note: 'x' },
    ]);
    expect(first.map((o) => o.ok)).toEqual([true, true, true]);
    expect(emu.store.get('Task', a.taskId)).toMatchObject({
      Status: 'Completed',
      IsClosed: true,
      Description: '初回の説明\n再割当: 山田さんへ',
    });
    expect(emu.store.get('Task', done)!.Description).toBeNull();

    const before = calls(sf);
    const again = await sf.episodes.closeTasks([{ taskId: a.taskId, note: '再割当: 山田さんへ' }]);
    expect(again).toEqual([{ ok: true, id: a.taskId }]);
    expect(emu.store.get('Task', a.taskId)!.Description).toBe('初回の説明\n再割当: 山田さんへ');
    expect(delta(before, calls(sf), 'collections.update')).toBe(0);
  });

  it('reassigns leads and contacts; an inactive owner is refused for that record only', async () => {
    const { emu, sf, owner, other } = await org();
    const gone = insertUser(emu, { IsActive: false });
    const lead = handedOff(emu, owner).ref.leadId;
    const contact = handedOff(emu, owner, { contact: true }).ref.leadId;
    const outcomes = await sf.episodes.reassign([
      { leadId: lead, objectType: 'Lead', ownerId: other },
      { leadId: contact, objectType: 'Contact', ownerId: gone },
    ]);
    expect(outcomes[0]).toMatchObject({ ok: true, id: lead });
    expect(outcomes[1]).toMatchObject({ ok: false, kind: 'invalid_record', code: 'INACTIVE_OWNER_OR_USER' });
    expect(emu.store.get('Lead', lead)!.OwnerId).toBe(other);
    expect(emu.store.get('Contact', contact)!.OwnerId).toBe(owner);
  });

  it('createTasks upserts on the key like the sink: a repeated key never makes a second task', async () => {
    const { emu, sf, owner, other } = await org();
    const a = handedOff(emu, owner);
    const task = {
      key: `${a.ref.key}:manager`,
      leadId: a.ref.leadId,
      objectType: 'Lead',
      ownerId: other,
      subject: '期限超過: フォローしてください',
      body: 'body',
      dueAt: iso(HANDOFF + 86_400_000),
      dueDate: '2026-11-21',
      priority: 'high' as const,
    };
    const first = await sf.episodes.createTasks([task]);
    const second = await sf.episodes.createTasks([task]);
    expect(first[0]).toMatchObject({ ok: true, created: true });
    expect(second[0]).toMatchObject({ ok: true, created: false, id: (first[0] as { id: string }).id });
    expect(emu.store.findByValue('Task', KEY_FIELD, task.key)).toHaveLength(1);
  });
});

describe('managersOf', () => {
  it("answers each user's ManagerId (null without one) in one query per 200 users; queues and unknown ids are left out", async () => {
    const { emu, sf, owner, other } = await org();
    const boss = insertUser(emu);
    emu.store.update('User', owner, { ManagerId: boss });
    const many = Array.from({ length: 250 }, () => insertUser(emu, { ManagerId: boss }));
    const before = calls(sf);

    const managers = await sf.episodes.managersOf([
      owner,
      other,
      owner.slice(0, 15),
      '00G000000000001AAA',
      ...many,
    ]);

    expect(delta(before, calls(sf), 'query')).toBe(2);
    expect(managers.get(owner)).toBe(boss);
    expect(managers.get(owner.slice(0, 15))).toBe(boss);
    expect(managers.get(other)).toBeNull();
    expect(managers.has('00G000000000001AAA')).toBe(false);
    expect(many.every((id) => managers.get(id) === boss)).toBe(true);
  });
});
