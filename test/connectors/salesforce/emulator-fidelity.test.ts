import { describe, expect, it } from 'vitest';
import { startOrg, T0 } from './sf-kit.ts';

// Emulator behaviour the connector relies on, added for it (emulators/salesforce): the HTTP Date
// header is the org's clock, and roll-up summary fields are recalculated on child writes.

describe('Salesforce emulator additions', () => {
  it('answers with the org clock in the HTTP Date header (a client bounds its change window with it)', async () => {
    const emu = await startOrg();
    emu.clock.pin('2030-01-02T03:04:05.678Z');
    const versions = await fetch(`${emu.url}/services/data`);
    expect(versions.headers.get('date')).toBe('Wed, 02 Jan 2030 03:04:05 GMT');
    const token = await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST' });
    expect(token.headers.get('date')).toBe('Wed, 02 Jan 2030 03:04:05 GMT');
  });

  it('keeps Account.TossUp_Lost_Opportunities__c (COUNT of closed-lost opportunities) up to date', async () => {
    const emu = await startOrg();
    const account = emu.store.insert('Account', { Name: 'A社' }, { at: T0 });
    const other = emu.store.insert('Account', { Name: 'B社' }, { at: T0 });
    expect(emu.store.get('Account', account)!.TossUp_Lost_Opportunities__c).toBe(0);

    const opp = (stage: string) =>
      emu.store.insert(
        'Opportunity',
        { Name: stage, AccountId: account, StageName: stage, CloseDate: '2026-10-01' },
        { at: T0 + 1000 },
      );
    const lost = opp('Closed Lost');
    opp('Closed Won');
    opp('Prospecting');
    const a = emu.store.get('Account', account)!;
    expect(a.TossUp_Lost_Opportunities__c).toBe(1);
    expect(a.SystemModstamp).toBe(T0 + 1000); // the parent is saved by the recalculation

    emu.store.update('Opportunity', lost, { AccountId: other }, { at: T0 + 2000 });
    expect(emu.store.get('Account', account)!.TossUp_Lost_Opportunities__c).toBe(0);
    expect(emu.store.get('Account', other)!.TossUp_Lost_Opportunities__c).toBe(1);
    emu.store.delete('Opportunity', lost, { at: T0 + 3000 });
    expect(emu.store.get('Account', other)!.TossUp_Lost_Opportunities__c).toBe(0);
  });

  it('undoes a roll-up when an all-or-none call is rolled back, and refuses writes to it', async () => {
    const emu = await startOrg();
    const account = emu.store.insert('Account', { Name: 'A社' }, { at: T0 });
    const token = emu.auth.newSession(emu.store.integrationUserId).token;
    const call = async (method: string, body: unknown) => {
      const r = await fetch(`${emu.url}/services/data/v62.0/composite/sobjects`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { body: (await r.json()) as unknown };
    };
    const res = await call('POST', {
      allOrNone: true,
      records: [
        {
          attributes: { type: 'Opportunity' },
          Name: 'x',
          AccountId: account,
          StageName: 'Closed Lost',
          CloseDate: '2026-10-01',
        },
        {
          attributes: { type: 'Opportunity' },
          Name: 'y',
          AccountId: account,
          StageName: 'No Such Stage',
          CloseDate: '2026-10-01',
        },
      ],
    });
    expect((res.body as { success: boolean }[]).map((r) => r.success)).toEqual([false, false]);
    expect(emu.store.get('Account', account)!.TossUp_Lost_Opportunities__c).toBe(0);

    const write = await call('PATCH', {
      allOrNone: false,
      records: [{ attributes: { type: 'Account' }, id: account, TossUp_Lost_Opportunities__c: 3 }],
    });
    expect((write.body as { errors: { statusCode: string }[] }[])[0]!.errors[0]!.statusCode).toBe(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
  });
});
