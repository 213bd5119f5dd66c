import { describe, expect, it } from 'vitest';
import { completeTask, logEngagement } from '../../../emulators/hubspot/index.ts';
import { callsBetween, HANDOFF, HOUR, handedOff, total } from './episodes-kit.ts';
import { connect, TEN_SECONDLY } from './harness.ts';

/** `connector.episodes.readFacts` against the emulator with the real SDK (issue 13, first response). */

const iso = (ms: number) => new Date(ms).toISOString();

describe('HubSpot episodes: readFacts', () => {
  it('a completed toss-up task gives taskCompletedAt at the completion time and no other activity', async () => {
    const { hs, refs } = await handedOff(2);
    hs.clock.advance(5 * HOUR);
    completeTask(hs.store, refs[0]!.taskId!);
    const connector = await connect(hs);
    const facts = await connector.episodes.readFacts(refs);
    expect(facts).toEqual([
      { key: refs[0]!.key, taskCompletedAt: iso(HANDOFF + 5 * HOUR), firstActivity: null, recordGone: false },
      { key: refs[1]!.key, taskCompletedAt: null, firstActivity: null, recordGone: false },
    ]);
  });

  it('a call logged by the owner after the hand-off counts; by another owner, or before, it does not', async () => {
    const { hs, refs, rep, other } = await handedOff(3);
    const [a, b, c] = refs.map((r) => r.leadId);
    logEngagement(hs.store, { kind: 'call', contactId: a!, ownerId: rep, at: HANDOFF - HOUR }); // before
    logEngagement(hs.store, { kind: 'call', contactId: b!, ownerId: other, at: HANDOFF + HOUR }); // someone else
    logEngagement(hs.store, { kind: 'call', contactId: c!, ownerId: rep, at: HANDOFF + 3 * HOUR });
    logEngagement(hs.store, { kind: 'call', contactId: c!, ownerId: rep, at: HANDOFF + 2 * HOUR });
    const connector = await connect(hs);
    const facts = await connector.episodes.readFacts(refs);
    expect(facts.map((f) => f.firstActivity)).toEqual([
      null,
      null,
      { at: iso(HANDOFF + 2 * HOUR), activity: 'call' },
    ]);
    // The task is still open: a call is a first response on its own.
    expect(facts[2]!.taskCompletedAt).toBeNull();
  });

  it('meetings count (a meeting booked ahead from its booking), sent e-mails count, replies do not', async () => {
    const { hs, refs, rep } = await handedOff(3);
    const [a, b, c] = refs.map((r) => r.leadId);
    hs.clock.advance(HOUR);
    // Booked one hour after the hand-off for next week.
    logEngagement(hs.store, { kind: 'meeting', contactId: a!, ownerId: rep, at: HANDOFF + 7 * 24 * HOUR });
    logEngagement(hs.store, {
      kind: 'email',
      contactId: b!,
      ownerId: rep,
      properties: { hs_email_direction: 'INCOMING_EMAIL' },
    });
    hs.clock.advance(HOUR);
    logEngagement(hs.store, { kind: 'email', contactId: c!, ownerId: rep });
    const connector = await connect(hs);
    const facts = await connector.episodes.readFacts(refs);
    expect(facts.map((f) => f.firstActivity)).toEqual([
      { at: iso(HANDOFF + HOUR), activity: 'meeting' },
      null,
      { at: iso(HANDOFF + 2 * HOUR), activity: 'email' },
    ]);
  });

  it("another task the owner completed is 'other'; the connector's own keyed tasks are not", async () => {
    const { hs, refs, rep } = await handedOff(2);
    const [a, b] = refs.map((r) => r.leadId);
    const mine = hs.store.create(
      'tasks',
      { hs_timestamp: iso(HANDOFF), hubspot_owner_id: rep },
      { associations: [{ toType: 'contacts', toId: a!, primary: false }] },
    );
    const keyed = hs.store.create(
      'tasks',
      { hs_timestamp: iso(HANDOFF), hubspot_owner_id: rep, tossup_task_key: 'older-episode' },
      { associations: [{ toType: 'contacts', toId: b!, primary: false }] },
    );
    hs.clock.advance(4 * HOUR);
    completeTask(hs.store, mine.id);
    completeTask(hs.store, keyed.id);
    const connector = await connect(hs);
    const facts = await connector.episodes.readFacts(refs);
    expect(facts.map((f) => f.firstActivity)).toEqual([
      { at: iso(HANDOFF + 4 * HOUR), activity: 'other' },
      null,
    ]);
  });

  it('finds the toss-up task by its key when the episode does not name it', async () => {
    const { hs, refs } = await handedOff(1);
    hs.clock.advance(HOUR);
    completeTask(hs.store, refs[0]!.taskId!);
    const connector = await connect(hs);
    const [facts] = await connector.episodes.readFacts([{ ...refs[0]!, taskId: null }]);
    expect(facts!.taskCompletedAt).toBe(iso(HANDOFF + HOUR));
    expect(connector.usage().calls['tasks.search']).toBeUndefined();
  });

  it('a deleted contact is recordGone; a live contact without any activity is not', async () => {
    const { hs, refs } = await handedOff(3);
    hs.store.archive('contacts', refs[0]!.leadId);
    // The second contact's toss-up task was deleted: no association left, but the contact lives.
    hs.store.archive('tasks', refs[1]!.taskId!);
    const connector = await connect(hs);
    const facts = await connector.episodes.readFacts(refs);
    expect(facts.map((f) => f.recordGone)).toEqual([true, false, false]);
    expect(facts[1]!.taskCompletedAt).toBeNull();
    // Only the two contacts without associations are read, in one call.
    expect(connector.usage().calls['contacts.batch.read']).toBe(1);
  });

  it('250 episodes: association reads once per type, activities 100 per call, facts per episode', async () => {
    const { hs, refs, rep, other } = await handedOff(250);
    hs.clock.advance(30_000); // meetings are booked (logged) now
    for (const [i, ref] of refs.entries()) {
      if (i % 5 === 0)
        logEngagement(hs.store, {
          kind: 'call',
          contactId: ref.leadId,
          ownerId: rep,
          at: HANDOFF + (i + 1) * 60_000,
        });
      if (i % 7 === 0)
        logEngagement(hs.store, { kind: 'email', contactId: ref.leadId, ownerId: other, at: HANDOFF + HOUR });
      if (i % 11 === 0)
        logEngagement(hs.store, {
          kind: 'meeting',
          contactId: ref.leadId,
          ownerId: rep,
          at: HANDOFF + 30_000,
        });
    }
    const connector = await connect(hs);
    const before = connector.usage().calls;
    const facts = await connector.episodes.readFacts(refs);
    const calls = callsBetween(before, connector.usage().calls);
    expect(calls).toEqual({
      'associations.contacts-tasks.batch.read': 1,
      'associations.contacts-calls.batch.read': 1,
      'associations.contacts-emails.batch.read': 1,
      'associations.contacts-meetings.batch.read': 1,
      'tasks.batch.read': 3, // 250 toss-up tasks
      'calls.batch.read': 1, // 50 calls
      'emails.batch.read': 1, // 36 e-mails
      'meetings.batch.read': 1, // 23 meetings
      'owners.list': 1,
    });
    expect(facts).toHaveLength(250);
    for (const [i, f] of facts.entries()) {
      expect(f.key).toBe(refs[i]!.key);
      const expected =
        i % 11 === 0
          ? { at: iso(HANDOFF + 30_000), activity: 'meeting' }
          : i % 5 === 0
            ? { at: iso(HANDOFF + (i + 1) * 60_000), activity: 'call' }
            : null;
      expect(f.firstActivity, `episode ${i}`).toEqual(expected);
    }
  });

  it('1,000 episodes with modest activity cost ≤ 20 calls (4 + ⌈tasks/100⌉ + one read per 100 activities + owners)', async () => {
    const { hs, refs, rep } = await handedOff(1000);
    for (const [i, ref] of refs.entries()) {
      if (i % 10 === 0) logEngagement(hs.store, { kind: 'call', contactId: ref.leadId, ownerId: rep });
      if (i % 20 === 0) logEngagement(hs.store, { kind: 'email', contactId: ref.leadId, ownerId: rep });
      if (i % 20 === 5) logEngagement(hs.store, { kind: 'meeting', contactId: ref.leadId, ownerId: rep });
    }
    const connector = await connect(hs);
    await connector.episodes.readFacts(refs);
    const calls = connector.usage().calls;
    expect(total(calls)).toBe(4 + 10 + 1 + 1 + 1 + 1); // + the owner list, once per connector
    expect(total(calls)).toBeLessThanOrEqual(20);
    // …when the sweep asks in batches of the size the connector names.
    expect(connector.episodes.batchSize).toBe(1000);
  });

  it('follows a contact whose e-mails do not fit one association answer (paging.next.after)', async () => {
    const { hs, refs, rep, other } = await handedOff(2);
    // 500 e-mails by someone else first; the owner's only e-mail is the 501st association.
    for (let i = 0; i < 500; i++)
      logEngagement(hs.store, {
        kind: 'email',
        contactId: refs[0]!.leadId,
        ownerId: other,
        at: HANDOFF + HOUR,
      });
    logEngagement(hs.store, {
      kind: 'email',
      contactId: refs[0]!.leadId,
      ownerId: rep,
      at: HANDOFF + 2 * HOUR,
    });
    const connector = await connect(hs);
    const facts = await connector.episodes.readFacts(refs);
    expect(facts[0]!.firstActivity).toEqual({ at: iso(HANDOFF + 2 * HOUR), activity: 'email' });
    expect(connector.usage().calls).toMatchObject({
      'associations.contacts-emails.batch.read': 2,
      'emails.batch.read': 6,
    });
  });

  it('an episode owned by a user id (as routing may name it) matches the owner id HubSpot writes on activities', async () => {
    const { hs, refs } = await handedOff(1);
    const rep = hs.store.owners.add({
      email: 'u@seller.example',
      firstName: 'U',
      lastName: 'U',
      userId: 9100777,
    });
    logEngagement(hs.store, {
      kind: 'call',
      contactId: refs[0]!.leadId,
      ownerId: rep.id,
      at: HANDOFF + HOUR,
    });
    const connector = await connect(hs);
    const [facts] = await connector.episodes.readFacts([{ ...refs[0]!, ownerId: '9100777' }]);
    expect(facts!.firstActivity).toEqual({ at: iso(HANDOFF + HOUR), activity: 'call' });
  });

  it('a 429 on a read is absorbed by the rate budget: retried, the facts complete', async () => {
    const { hs, refs, rep } = await handedOff(3);
    logEngagement(hs.store, { kind: 'call', contactId: refs[0]!.leadId, ownerId: rep, at: HANDOFF + HOUR });
    hs.app.faults.set([
      { route: 'hs.calls.batch.read', count: 1, fault: { kind: 'status', status: 429, body: TEN_SECONDLY } },
      {
        route: 'hs.associations.v4.batch.read',
        count: 1,
        fault: { kind: 'status', status: 429, body: TEN_SECONDLY },
      },
    ]);
    const connector = await connect(hs);
    const facts = await connector.episodes.readFacts(refs);
    expect(facts[0]!.firstActivity).toEqual({ at: iso(HANDOFF + HOUR), activity: 'call' });
    expect(hs.app.faults.fired()).toHaveLength(2);
    expect(connector.usage().calls['calls.batch.read']).toBe(2);
  });
});
