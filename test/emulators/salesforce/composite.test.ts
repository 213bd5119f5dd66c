import { describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../../../emulators/salesforce/index.ts';

// POST /composite with query subrequests: answered in order, one call against the daily allowance
// however many subrequests (Salesforce counts a Composite request as one call).

function org() {
  const emu = createSalesforceEmulator();
  emu.store.insert('Lead', { LastName: '佐藤', Company: 'A社' });
  emu.store.insert('Lead', { LastName: '鈴木', Company: 'B社' });
  emu.store.insert('Contact', { LastName: '高橋' });
  const token = emu.auth.newSession(emu.store.integrationUserId).token;
  const post = async (body: unknown) =>
    (
      await emu.app.handle(
        'POST',
        '/services/data/v62.0/composite',
        { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        Buffer.from(JSON.stringify(body)),
      )
    ).res;
  return { emu, post };
}

const sub = (referenceId: string, soql: string, batch = 200) => ({
  method: 'GET',
  url: `/services/data/v62.0/queryAll?q=${encodeURIComponent(soql)}`,
  referenceId,
  httpHeaders: { 'Sforce-Query-Options': `batchSize=${batch}` },
});

describe('Salesforce emulator: Composite query subrequests', () => {
  it('answers each subrequest in order and counts one call', async () => {
    const { emu, post } = org();
    const before = emu.allowance.used(emu.store.clock.now());
    const res = await post({
      compositeRequest: [
        sub('leads', 'SELECT Id FROM Lead ORDER BY Id'),
        sub('contacts', 'SELECT Id FROM Contact'),
      ],
    });
    expect(res.status).toBe(200);
    const body = res.body as {
      compositeResponse: { referenceId: string; httpStatusCode: number; body: { totalSize: number } }[];
    };
    expect(body.compositeResponse.map((r) => [r.referenceId, r.httpStatusCode, r.body.totalSize])).toEqual([
      ['leads', 200, 2],
      ['contacts', 200, 1],
    ]);
    expect(emu.allowance.used(emu.store.clock.now()) - before).toBe(1);
  });

  it('a bad query fails only its own subrequest; more than 5 queries are refused', async () => {
    const { post } = org();
    const res = await post({
      compositeRequest: [sub('bad', 'SELECT Nope__c FROM Lead'), sub('ok', 'SELECT Id FROM Contact')],
    });
    const codes = (res.body as { compositeResponse: { httpStatusCode: number }[] }).compositeResponse.map(
      (r) => r.httpStatusCode,
    );
    expect(codes).toEqual([400, 200]);
    const tooMany = await post({
      compositeRequest: [1, 2, 3, 4, 5, 6].map((i) => sub(`q${i}`, 'SELECT Id FROM Lead')),
    });
    expect(tooMany.status).toBe(400);
  });
});
