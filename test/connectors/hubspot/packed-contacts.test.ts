import { expect, it } from 'vitest';
import type { HubspotRecord } from '../../../connectors/hubspot/client.ts';
import { PackedContacts } from '../../../connectors/hubspot/packed-contacts.ts';

const names = ['firstname', 'jobtitle', 'associatedcompanyid', 'lastmodifieddate'];

it('gives back the contacts in order with the values of the names read, an absent or unread one as null', () => {
  const packed = new PackedContacts(names, 'associatedcompanyid');
  const records: HubspotRecord[] = [
    {
      id: '1',
      properties: {
        firstname: '太郎',
        jobtitle: '営業部長 "東日本"',
        associatedcompanyid: '77',
        lastmodifieddate: '2026-09-01T00:00:00.000Z',
      },
    },
    { id: '2', properties: { firstname: null, jobtitle: '', notread: 'x' } },
  ];
  packed.push(records.slice(0, 1));
  packed.push(records.slice(1));
  expect(packed.length).toBe(2);
  expect(packed.records()).toEqual([
    records[0],
    {
      id: '2',
      properties: { firstname: null, jobtitle: '', associatedcompanyid: null, lastmodifieddate: null },
    },
  ]);
  expect(packed.companyIds()).toEqual(['77']);
  packed.clear();
  expect(packed.length).toBe(0);
  expect(packed.records()).toEqual([]);
  expect(packed.companyIds()).toEqual([]);
});

it('keeps no company ids when the mapping reads no company', () => {
  const packed = new PackedContacts(names, null);
  packed.push([{ id: '1', properties: { associatedcompanyid: '77' } }]);
  expect(packed.companyIds()).toEqual([]);
  expect(packed.records()[0]!.properties.associatedcompanyid).toBe('77');
});
