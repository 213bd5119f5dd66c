import { describe, expect, it } from 'vitest';
import type { HubspotEmulator } from '../../../emulators/hubspot/index.ts';
import type { FollowUpTask } from '../../../src/ports/lead-sink.ts';
import { connect, seedContacts, startPortal, T0 } from './harness.ts';

/** Exactly one follow-up task per toss-up key, whatever is retried, redelivered or raced. */

function portalWithContacts(n: number) {
  return startPortal().then((hs) => {
    const ids = seedContacts(hs.store, n, (i) => T0 + i);
    const owner = hs.store.owners.add({ email: 'rep@seller.example', firstName: '花子', lastName: '佐藤' });
    return { hs, ids, ownerId: owner.id };
  });
}

function taskFor(contactId: string, ownerId: string, n = 0): FollowUpTask {
  return {
    key: `tu-${contactId}-${n}`,
    leadId: contactId,
    objectType: 'contact',
    ownerId,
    subject: '【トスアップ】株式会社アルファ 佐藤様',
    body: '理由: 属性スコア 72\n<次のアクション> 24時間以内に架電',
    dueAt: '2025-04-02T09:00:00+09:00',
    dueDate: '2025-04-02',
    priority: 'high',
  };
}

function tasksByKey(hs: HubspotEmulator): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of hs.store.list('tasks')) {
    const key = t.props.tossup_task_key ?? '';
    out.set(key, [...(out.get(key) ?? []), t.id]);
  }
  return out;
}

function expectOnePerKey(hs: HubspotEmulator, keys: string[]): void {
  const byKey = tasksByKey(hs);
  expect([...byKey.keys()].sort()).toEqual([...keys].sort());
  for (const k of keys) expect(byKey.get(k), k).toHaveLength(1);
}

describe('HubSpot sink: follow-up tasks', () => {
  it('creates the task with its properties and the task→contact association (204)', async () => {
    const { hs, ids, ownerId } = await portalWithContacts(1);
    const connector = await connect(hs);
    const [outcome] = await connector.sink.createTasks([taskFor(ids[0]!, ownerId)]);
    expect(outcome).toMatchObject({ ok: true, created: true });
    const task = hs.store.get('tasks', (outcome as { id: string }).id)!;
    expect(task.props).toMatchObject({
      hs_task_subject: '【トスアップ】株式会社アルファ 佐藤様',
      hs_task_body: '<p>理由: 属性スコア 72</p><p>&lt;次のアクション&gt; 24時間以内に架電</p>',
      hs_timestamp: '2025-04-02T00:00:00.000Z',
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: 'HIGH',
      hs_task_type: 'TODO',
      hubspot_owner_id: ownerId,
      tossup_task_key: `tu-${ids[0]}-0`,
    });
    expect(hs.store.associationsOf('tasks', task.id, 'contacts').map((e) => e.to)).toEqual([ids[0]]);
    // The key property is checked once (exists, unique) before the first create.
    expect(connector.usage().calls).toEqual({
      'properties.get': 1,
      'owners.list': 1,
      'tasks.batch.create': 1,
    });
  });

  it('answers a redelivered key with the existing task, never a second one', async () => {
    const { hs, ids, ownerId } = await portalWithContacts(150);
    const tasks = ids.map((id) => taskFor(id, ownerId));
    const connector = await connect(hs);
    const first = await connector.sink.createTasks(tasks);
    expect(first.every((o) => o.ok && o.created === true)).toBe(true);
    // Redelivery: the same keys again (plus a key twice in one call).
    const again = await connector.sink.createTasks([...tasks, tasks[0]!]);
    expect(again.map((o) => (o.ok ? o.id : null))).toEqual([
      ...first.map((o) => (o.ok ? o.id : null)),
      first[0]!.ok ? first[0]!.id : null,
    ]);
    expect(again.every((o) => o.ok && o.created === false)).toBe(true);
    expectOnePerKey(
      hs,
      tasks.map((t) => t.key),
    );
    expect(connector.usage().calls['tasks.batch.create']).toBe(4);
  });

  it('crash between task creation and flag write, then a new run: still one task per key', async () => {
    const { hs, ids, ownerId } = await portalWithContacts(30);
    const tasks = ids.map((id) => taskFor(id, ownerId));
    // Run 1 creates the tasks and dies before writing the flags (nothing else survives).
    const run1 = await connect(hs);
    await run1.sink.createTasks(tasks);
    // Run 2 re-reads the same contacts (their flags were never written) and repeats the episode.
    const run2 = await connect(hs);
    const outcomes = await run2.sink.createTasks(tasks);
    expect(outcomes.every((o) => o.ok && o.created === false)).toBe(true);
    const written = await run2.sink.writeTossUp(
      ids.map((id) => ({ leadId: id, objectType: 'contact', fields: { decisionKey: `tu-${id}-0` } })),
    );
    expect(written.every((o) => o.ok)).toBe(true);
    expectOnePerKey(
      hs,
      tasks.map((t) => t.key),
    );
  });

  it('two runs creating the same tasks at the same time make one task per key', async () => {
    const { hs, ids, ownerId } = await portalWithContacts(250);
    const tasks = ids.map((id) => taskFor(id, ownerId));
    const [a, b] = await Promise.all([connect(hs), connect(hs)]);
    const [ra, rb] = await Promise.all([a.sink.createTasks(tasks), b.sink.createTasks([...tasks].reverse())]);
    expect(ra.every((o) => o.ok)).toBe(true);
    expect(rb.every((o) => o.ok)).toBe(true);
    // Both runs agree on which task is the one.
    expect(ra.map((o) => (o.ok ? o.id : ''))).toEqual([...rb].reverse().map((o) => (o.ok ? o.id : '')));
    const created = [...ra, ...rb].filter((o) => o.ok && o.created).length;
    expect(created).toBe(250);
    expectOnePerKey(
      hs,
      tasks.map((t) => t.key),
    );
  });

  it('a 5xx on a create that did succeed in HubSpot is retried into the existing tasks', async () => {
    const { hs, ids, ownerId } = await portalWithContacts(120);
    let lost = 0;
    // The gateway loses the answer of the first batch create after HubSpot applied it.
    hs.app.decorate((req, res) => {
      if (req.route === 'hs.tasks.batch.create' && lost === 0) {
        lost += 1;
        res.status = 502;
        res.body = {
          status: 'error',
          message: 'Bad Gateway',
          correlationId: 'x',
          category: 'INTERNAL_ERROR',
        };
      }
    });
    const connector = await connect(hs);
    const tasks = ids.map((id) => taskFor(id, ownerId));
    const outcomes = await connector.sink.createTasks(tasks);
    expect(lost).toBe(1);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expectOnePerKey(
      hs,
      tasks.map((t) => t.key),
    );
    // Every outcome names the task that exists in HubSpot.
    const byKey = tasksByKey(hs);
    expect(outcomes.map((o) => (o.ok ? o.id : ''))).toEqual(tasks.map((t) => byKey.get(t.key)![0]));
    // Two batches of 100 + 20; one of them went twice.
    expect(connector.usage().calls['tasks.batch.create']).toBe(3);
  });

  it('a create whose answer never arrives (timeout) is retried safely', async () => {
    const { hs, ids, ownerId } = await portalWithContacts(10);
    hs.app.faults.add({ route: 'hs.tasks.batch.create', count: 1, fault: { kind: 'latency', delayMs: 600 } });
    const connector = await connect(hs, { requestTimeoutMs: 200 });
    const tasks = ids.map((id) => taskFor(id, ownerId));
    const outcomes = await connector.sink.createTasks(tasks);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // Wait for the slow first attempt to finish server-side too: still one task per key.
    await new Promise((r) => setTimeout(r, 500));
    expectOnePerKey(
      hs,
      tasks.map((t) => t.key),
    );
  });

  it('reports a task for a deleted contact alone and creates the others', async () => {
    const { hs, ids, ownerId } = await portalWithContacts(3);
    hs.store.archive('contacts', ids[1]!);
    const connector = await connect(hs);
    const outcomes = await connector.sink.createTasks(ids.map((id) => taskFor(id, ownerId)));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ id: ids[1], kind: 'invalid_record' });
    expect(hs.store.count('tasks')).toBe(2);
  });

  it('refuses to create tasks when the key property is missing or not unique', async () => {
    const hs = await startPortal({ withCustomProperties: 'inputs-only' });
    const [id] = seedContacts(hs.store, 1, () => T0);
    const owner = hs.store.owners.add({ email: 'a@b.example', firstName: 'a', lastName: 'b' });
    const connector = await connect(hs);
    await expect(connector.sink.createTasks([taskFor(id!, owner.id)])).rejects.toMatchObject({
      kind: 'config',
      code: 'task_key_missing',
    });
    hs.store.properties.create('tasks', {
      name: 'tossup_task_key',
      label: 'k',
      type: 'string',
      fieldType: 'text',
      groupName: 'task',
    });
    await expect((await connect(hs)).sink.createTasks([taskFor(id!, owner.id)])).rejects.toMatchObject({
      kind: 'config',
      code: 'task_key_not_unique',
    });
    expect(hs.store.count('tasks')).toBe(0);
  });
});
