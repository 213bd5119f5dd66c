import { describe, expect, it } from 'vitest';
import { coldLead } from '../pipeline/pipeline-fixtures.ts';
import { describeConnectorContract } from './connector.contract.ts';
import { FakeCrm } from './fake-crm.ts';

describeConnectorContract('FakeCrm', async () => {
  const crm = new FakeCrm({ pageSize: 3 });
  const ids = Array.from({ length: 8 }, (_, i) => `F${i}`);
  for (const id of ids) crm.put(coldLead(id));
  return { connector: crm.connector(), ids, objectType: 'Lead', ownerId: '005000000000001AAA' };
});

describe('FakeCrm specifics', () => {
  it('pages ties on one modifiedAt and carries the handed-off ids across pages', async () => {
    const crm = new FakeCrm({ pageSize: 2 });
    for (const id of ['a', 'b', 'c']) crm.put(coldLead(id, { modifiedAt: '2026-11-20T00:00:00.000Z' }));
    const cursors = [];
    for await (const p of crm.connector().source.readChanges({ since: null })) cursors.push(p.cursor);
    expect(cursors).toEqual([
      { modifiedAt: '2026-11-20T00:00:00.000Z', idsAtModifiedAt: ['a', 'b'] },
      { modifiedAt: '2026-11-20T00:00:00.000Z', idsAtModifiedAt: ['a', 'b', 'c'] },
    ]);
  });
});
