import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FollowUpTask } from '../../../src/ports/lead-sink.ts';
import { connect, seedContacts, startPortal, T0 } from './harness.ts';

/**
 * The owner list and the task-key check kept in the portal cache file: trusted for a day (so a
 * sweep the next morning pays for neither), yet never the reason a new rep is refused or a task is
 * lost when the key property is gone.
 */

const dir = mkdtempSync(join(tmpdir(), 'hs-memo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HOUR = 3_600_000;

async function portal(options: Parameters<typeof startPortal>[0] = {}) {
  const hs = await startPortal(options);
  const [contact] = seedContacts(hs.store, 1, (i) => T0 + i);
  const owner = hs.store.owners.add({ email: 'rep@seller.example', firstName: '花子', lastName: '佐藤' });
  return { hs, contact: contact!, ownerId: owner.id };
}

function task(key: string, contact: string, ownerId: string): FollowUpTask {
  return {
    key,
    leadId: contact,
    objectType: 'contact',
    ownerId,
    subject: 's',
    body: 'b',
    dueAt: '2025-04-02T00:00:00Z',
    dueDate: '2025-04-02',
    priority: 'low',
  };
}

const memoOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')).memo;

describe('HubSpot portal memo (owner list, task-key check)', () => {
  it('trusts an 18-hour-old owner list and key check; an owner missing from it costs one fresh read', async () => {
    const { hs, contact, ownerId } = await portal();
    const file = join(dir, 'owners.json');
    const run1 = await connect(hs, { factsCacheFile: file });
    await run1.sink.createTasks([task('k1', contact, ownerId)]);
    await run1.close();
    expect(run1.usage().calls).toMatchObject({ 'owners.list': 1, 'properties.get': 1 });

    hs.clock.advance(18 * HOUR);
    const run2 = await connect(hs, { factsCacheFile: file });
    expect(await run2.sink.createTasks([task('k2', contact, ownerId)])).toMatchObject([
      { ok: true, created: true },
    ]);
    expect(run2.usage().calls).toEqual({ 'tasks.batch.create': 1 });
    // A rep added after the list was kept is matched, at the price of one read.
    const newcomer = hs.store.owners.add({ email: 'new@seller.example', firstName: '新', lastName: '人' });
    expect(await run2.sink.createTasks([task('k3', contact, newcomer.id)])).toMatchObject([
      { ok: true, created: true },
    ]);
    expect(run2.usage().calls).toEqual({ 'tasks.batch.create': 2, 'owners.list': 1 });
    await run2.close();

    // Past a day both are read again.
    hs.clock.advance(25 * HOUR);
    const run3 = await connect(hs, { factsCacheFile: file });
    await run3.sink.createTasks([task('k4', contact, ownerId)]);
    expect(run3.usage().calls).toEqual({ 'tasks.batch.create': 1, 'owners.list': 1, 'properties.get': 1 });
  });

  it('refuses an owner the kept read did not hold without reading the list again (a departed account owner)', async () => {
    const { hs, contact, ownerId } = await portal();
    const departed = hs.store.owners.add({
      email: 'left@seller.example',
      firstName: '退職',
      lastName: '者',
      active: false,
    });
    const file = join(dir, 'departed.json');
    const run1 = await connect(hs, { factsCacheFile: file });
    const [refused] = await run1.sink.createTasks([task('d1', contact, departed.id)]);
    expect(refused).toMatchObject({ ok: false, code: 'invalid_owner' });
    await run1.close();
    expect(run1.usage().calls).toEqual({ 'owners.list': 1, 'properties.get': 1 });

    // The next run routes to the same departed owner: refused from the kept read, no list read.
    hs.clock.advance(2 * HOUR);
    const run2 = await connect(hs, { factsCacheFile: file });
    expect(
      await run2.sink.createTasks([task('d2', contact, departed.id), task('d3', contact, ownerId)]),
    ).toEqual([
      expect.objectContaining({ ok: false, code: 'invalid_owner' }),
      expect.objectContaining({ ok: true }),
    ]);
    expect(run2.usage().calls).toEqual({ 'tasks.batch.create': 1 });
    // A rep added since is still matched at once: an id the kept read was never asked for is read.
    const newcomer = hs.store.owners.add({ email: 'new2@seller.example', firstName: '新', lastName: '人' });
    expect(await run2.sink.createTasks([task('d4', contact, newcomer.id)])).toMatchObject([{ ok: true }]);
    expect(run2.usage().calls).toEqual({ 'tasks.batch.create': 2, 'owners.list': 1 });
    await run2.close();
    // That read did not hold the departed owner either: still known as missing, no read for it.
    const run2b = await connect(hs, { factsCacheFile: file });
    expect(await run2b.sink.createTasks([task('d4b', contact, departed.id)])).toMatchObject([{ ok: false }]);
    expect(run2b.usage().calls).toEqual({});

    // Past a day the list is read again (the departed owner could have come back).
    hs.clock.advance(25 * HOUR);
    const run3 = await connect(hs, { factsCacheFile: file });
    await run3.sink.createTasks([task('d5', contact, departed.id)]);
    expect(run3.usage().calls['owners.list']).toBe(1);
  });

  it('a create refused because the remembered key property is gone forgets the check and says how to fix it', async () => {
    // The same portal id (one cache file) first with the key property, then without it.
    const file = join(dir, 'key.json');
    const before = await portal();
    const run1 = await connect(before.hs, { factsCacheFile: file, portalId: '1357' });
    await run1.sink.createTasks([task('k1', before.contact, before.ownerId)]);
    await run1.close();
    expect(memoOf(file).taskKey).toMatchObject({ property: 'tossup_task_key' });

    const { hs, contact, ownerId } = await portal({ withCustomProperties: 'inputs-only' });
    const many = Array.from({ length: 3 }, (_, i) => task(`m${i}`, contact, ownerId));
    const run2 = await connect(hs, { factsCacheFile: file, portalId: '1357' });
    await expect(run2.sink.createTasks(many)).rejects.toMatchObject({
      kind: 'config',
      code: 'task_key_missing',
      message: expect.stringContaining('tossup setup hubspot'),
    });
    // One refused request (the kept owner list fits this portal too): not split record by record.
    expect(run2.usage().calls).toEqual({ 'tasks.batch.create': 1 });
    expect(hs.store.list('tasks')).toHaveLength(0);
    await run2.close();
    expect(memoOf(file).taskKey).toBeUndefined();

    // The next run checks the property again before sending anything.
    const run3 = await connect(hs, { factsCacheFile: file, portalId: '1357' });
    await expect(run3.sink.createTasks(many)).rejects.toMatchObject({ code: 'task_key_missing' });
    expect(run3.usage().calls).toEqual({ 'properties.get': 1 });
    expect(hs.store.list('tasks')).toHaveLength(0);
  });
});
