import './no-proxy.ts';
import * as streamingModule from 'jsforce/lib/api/streaming.js';
import { describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { type Connection, login, raw, startEmu } from './sf-test-kit.ts';

// Change Data Capture over CometD, through jsforce's own Streaming API client (faye).

interface Delivered {
  payload: { ChangeEventHeader: Record<string, unknown> } & Record<string, unknown>;
  event: { replayId: number; EventUuid: string };
}

interface FayeClient {
  subscribe(channel: string, cb: (m: Delivered) => void): PromiseLike<unknown> & { cancel(): void };
  disconnect(): void;
}

const mod = streamingModule as unknown as {
  Streaming?: new (c: Connection) => { createClient(ext: unknown[]): FayeClient };
  StreamingExtension?: { Replay: new (channel: string, replayId: number) => unknown };
  default?: typeof streamingModule;
};
const api = (mod.Streaming ? mod : mod.default) as Required<
  Pick<typeof mod, 'Streaming' | 'StreamingExtension'>
>;

const AT = '2026-12-01T01:00:00.000Z';

async function setup(): Promise<{ emu: SalesforceEmulator; conn: Connection }> {
  const clock = new EmulatorClock();
  clock.pin(AT);
  const emu = await startEmu({
    clock,
    cometd: { connectTimeoutMs: 300 },
    changeDataCapture: { capture: 'always' },
  });
  return { emu, conn: await login(emu) };
}

/** Subscribes with jsforce's streaming client; `events` fills as they arrive. */
async function listen(conn: Connection, channel: string, replayFrom: number) {
  const client = new api.Streaming(conn).createClient([
    new api.StreamingExtension.Replay(channel, replayFrom),
  ]);
  const events: Delivered[] = [];
  const sub = client.subscribe(channel, (m) => events.push(m));
  await sub;
  return {
    events,
    async waitFor(n: number): Promise<Delivered[]> {
      for (let i = 0; i < 500 && events.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      expect(events.length).toBeGreaterThanOrEqual(n);
      return events;
    },
    close: () => client.disconnect(),
  };
}

const header = (e: Delivered) => e.payload.ChangeEventHeader;

describe('Change Data Capture (CometD, jsforce streaming)', () => {
  it('publishes create, update, delete and undelete of a Lead with the documented header', async () => {
    const { emu, conn } = await setup();
    const sub = await listen(conn, '/data/LeadChangeEvent', -1);
    const created = (await conn.sobject('Lead').create({ LastName: '佐藤', Company: 'アルファ' })) as {
      id: string;
    };
    await sub.waitFor(1);
    await conn.sobject('Lead').update({ Id: created.id, Title: '部長', State: '東京都' });
    await sub.waitFor(2);
    await conn.sobject('Lead').destroy(created.id);
    await sub.waitFor(3);
    emu.store.undelete('Lead', created.id);
    const [c, u, d, un] = await sub.waitFor(4);
    sub.close();

    const us = emu.store.integrationUserId;
    expect(header(c!)).toMatchObject({
      entityName: 'Lead',
      recordIds: [created.id],
      changeType: 'CREATE',
      commitUser: us,
      commitTimestamp: Date.parse(AT),
      changedFields: [],
      sequenceNumber: 1,
    });
    expect(c!.payload).toMatchObject({ Company: 'アルファ', Name: { LastName: '佐藤' } });
    expect(header(u!)).toMatchObject({ changeType: 'UPDATE', commitUser: us });
    // Compound fields are named by component; LastModifiedDate is always there.
    expect([...(header(u!).changedFields as string[])].sort()).toEqual([
      'Address.State',
      'LastModifiedDate',
      'Title',
    ]);
    expect(u!.payload).toMatchObject({ Title: '部長', Address: { State: '東京都' } });
    expect(header(d!)).toMatchObject({ changeType: 'DELETE', recordIds: [created.id] });
    expect(Object.keys(d!.payload)).toEqual(['ChangeEventHeader']);
    // A person's change (the store acts as the org admin) names that person as commitUser.
    expect(header(un!)).toMatchObject({ changeType: 'UNDELETE', commitUser: emu.store.defaultActorId });
    const replayIds = [c, u, d, un].map((e) => e!.event.replayId);
    expect(replayIds).toEqual([...replayIds].sort((a, b) => a - b));
    expect(new Set([c, u, d, un].map((e) => e!.event.EventUuid)).size).toBe(4);
  });

  it('names every record of one Collections call making the same change in ONE event', async () => {
    const { emu, conn } = await setup();
    const ids = [0, 1, 2].map((i) => emu.store.insert('Lead', { LastName: `L${i}`, Company: 'Acme' }));
    const sub = await listen(conn, '/data/ChangeEvents', -1);
    const res = await raw(emu, conn.accessToken!, 'PATCH', '/services/data/v62.0/composite/sobjects', {
      allOrNone: false,
      records: [
        ...ids.map((Id) => ({ attributes: { type: 'Lead' }, Id, Title: 'CTO' })),
        { attributes: { type: 'Lead' }, Id: ids[0], Title: 'CTO' },
      ],
    });
    expect(res.status).toBe(200);
    const [e] = await sub.waitFor(1);
    await new Promise((r) => setTimeout(r, 50));
    sub.close();
    expect(sub.events).toHaveLength(1);
    expect(header(e!)).toMatchObject({ changeType: 'UPDATE', recordIds: ids });
  });

  it('gives one transaction one instant: records changed the same way while time passes share ONE event', async () => {
    const { emu } = await setup();
    const ids = [0, 1, 2].map((i) => emu.store.insert('Lead', { LastName: `L${i}`, Company: 'Acme' }));
    const cdc = emu.changeEvents!;
    const before = cdc.latestReplayId();
    // As on a loaded machine: the clock moves between the transaction's writes.
    emu.store.inChangeScope(emu.store.defaultActorId, () => {
      for (const id of ids) {
        emu.store.update('Lead', id, { Title: 'CTO' });
        emu.store.clock.advance(5);
      }
    });
    const events = cdc.eventsAfter('/data/ChangeEvents', before, 10);
    expect(events.map((e) => e.payload.ChangeEventHeader.recordIds)).toEqual([ids]);
    expect(new Set(ids.map((id) => emu.store.get('Lead', id)?.LastModifiedDate)).size).toBe(1);
  });

  it('publishes nothing for an all-or-none call that rolled back', async () => {
    const { emu, conn } = await setup();
    const id = emu.store.insert('Lead', { LastName: 'L', Company: 'Acme' });
    const before = emu.changeEvents!.latestReplayId();
    await raw(emu, conn.accessToken!, 'PATCH', '/services/data/v62.0/composite/sobjects', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Lead' }, Id: id, Title: 'CTO' },
        { attributes: { type: 'Lead' }, Id: id.replace(/.{3}$/, 'zzz'), Title: 'x' },
      ],
    });
    expect(emu.changeEvents!.latestReplayId()).toBe(before);
  });

  it('replays retained events from -2 or after a replay id, per channel, and refuses ids past retention', async () => {
    const { emu, conn } = await setup();
    const lead = emu.store.insert('Lead', { LastName: 'L', Company: 'Acme' });
    const account = emu.store.insert('Account', { Name: 'Acme' });
    emu.store.update('Lead', lead, { Title: 'CEO' });
    const all = await listen(conn, '/data/ChangeEvents', -2);
    await all.waitFor(3);
    all.close();
    expect(all.events.map((e) => header(e).entityName)).toEqual(['Lead', 'Account', 'Lead']);
    const first = all.events[0]!.event.replayId;
    const leads = await listen(conn, '/data/LeadChangeEvent', first);
    const [update] = await leads.waitFor(1);
    await new Promise((r) => setTimeout(r, 50));
    leads.close();
    expect(leads.events).toHaveLength(1);
    expect(header(update!)).toMatchObject({ changeType: 'UPDATE', recordIds: [lead] });
    expect(account).toMatch(/^001/);

    // 72 hours later the events are gone: resuming from before them is refused, -2 finds nothing.
    emu.clock.advance(72 * 3_600_000 + 1);
    emu.store.update('Lead', lead, { Title: 'CFO' });
    const later = await login(emu); // the first session expired meanwhile
    const client = new api.Streaming(later).createClient([
      new api.StreamingExtension.Replay('/data/ChangeEvents', first),
    ]);
    const refused = await Promise.resolve(client.subscribe('/data/ChangeEvents', () => undefined)).then(
      () => null,
      (e: Error) => e,
    );
    client.disconnect();
    expect(String(refused?.message)).toMatch(/replayId \{\d+\} you provided was invalid/);
    const again = await listen(later, '/data/ChangeEvents', -2);
    const [only] = await again.waitFor(1);
    again.close();
    expect(header(only!).changedFields).toContain('Title');
  });

  it('carries gap and overflow events injected by a test', async () => {
    const { emu, conn } = await setup();
    const lead = emu.store.insert('Lead', { LastName: 'L', Company: 'Acme' });
    const sub = await listen(conn, '/data/ChangeEvents', -1);
    const admin = (path: string, body: unknown) =>
      fetch(`${emu.url}/__admin/sf/change-events/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await admin('gap', { entity: 'Lead', recordIds: [lead], changeType: 'GAP_UPDATE' })).status).toBe(
      201,
    );
    expect((await admin('overflow', { entity: 'Contact' })).status).toBe(201);
    const [gap, overflow] = await sub.waitFor(2);
    sub.close();
    expect(header(gap!)).toMatchObject({ changeType: 'GAP_UPDATE', recordIds: [lead], changedFields: [] });
    expect(Object.keys(gap!.payload)).toEqual(['ChangeEventHeader']);
    expect(header(overflow!)).toMatchObject({ changeType: 'GAP_OVERFLOW', entityName: 'Contact' });
  });

  it('sends a custom channel its members only, with their enriched fields', async () => {
    const clock = new EmulatorClock();
    clock.pin(AT);
    const emu = await startEmu({
      clock,
      cometd: { connectTimeoutMs: 300 },
      changeDataCapture: {
        capture: 'always',
        customChannel: { name: 'TossUp__chn', members: { Opportunity: ['AccountId'] } },
      },
    });
    const conn = await login(emu);
    const account = emu.store.insert('Account', { Name: 'Acme' });
    const opp = emu.store.insert('Opportunity', {
      Name: 'Deal',
      AccountId: account,
      StageName: 'Prospecting',
      CloseDate: '2026-12-31',
    });
    const sub = await listen(conn, '/data/TossUp__chn', -2);
    emu.store.update('Opportunity', opp, { StageName: 'Closed Lost' });
    const events = await sub.waitFor(2);
    sub.close();
    expect(events.map((e) => header(e).entityName)).toEqual(['Opportunity', 'Opportunity']);
    expect(events[1]!.payload).toMatchObject({ AccountId: account, StageName: 'Closed Lost' });
    expect(header(events[1]!).changedFields).not.toContain('AccountId');
  });

  it('captures from the first handshake by default (a run nobody listens to pays nothing)', async () => {
    const emu = await startEmu({ cometd: { connectTimeoutMs: 300 } });
    const conn = await login(emu);
    const lead = emu.store.insert('Lead', { LastName: 'L', Company: 'Acme' });
    expect(emu.changeEvents!.latestReplayId()).toBe(0);
    const sub = await listen(conn, '/data/ChangeEvents', -2);
    emu.store.update('Lead', lead, { Title: 'CEO' });
    const [only] = await sub.waitFor(1);
    sub.close();
    expect(header(only!)).toMatchObject({ changeType: 'UPDATE', recordIds: [lead] });
    expect(sub.events).toHaveLength(1);
  });

  it('answers a request without a live session 401 with reconnect "none"', async () => {
    const { emu } = await setup();
    const res = await raw(emu, 'not-a-session', 'POST', '/cometd/62.0', [
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], id: '1' },
    ]);
    expect(res.status).toBe(401);
    expect(res.json).toEqual([
      expect.objectContaining({
        channel: '/meta/handshake',
        successful: false,
        error: '401::Authentication invalid',
        advice: { reconnect: 'none' },
      }),
    ]);
  });

  it('refuses an unknown channel and an unknown client', async () => {
    const { emu, conn } = await setup();
    const post = (body: unknown) => raw(emu, conn.accessToken!, 'POST', '/cometd/62.0', body);
    const hs = (await post([{ channel: '/meta/handshake', version: '1.0', id: '1' }])).json as {
      clientId: string;
    }[];
    const clientId = hs[0]!.clientId;
    const bad = (
      await post([{ channel: '/meta/subscribe', clientId, subscription: '/data/CaseChangeEvent', id: '2' }])
    ).json as { successful: boolean; error: string }[];
    expect(bad[0]).toMatchObject({ successful: false });
    const unknown = (await post([{ channel: '/meta/connect', clientId: 'nobody', id: '3' }]))
      .json as unknown[];
    expect(unknown[0]).toMatchObject({
      successful: false,
      error: '403::Unknown client',
      advice: { reconnect: 'handshake' },
    });
  });
});
