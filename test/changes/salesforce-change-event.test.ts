import { describe, expect, it } from 'vitest';
import { salesforceChangeEventFields } from '../../connectors/salesforce/change-event-fields.ts';
import { loadSalesforceMapping } from '../../connectors/salesforce/mapping.ts';
import {
  type ChangeEventReadFields,
  changeEventReadFields,
  interpretChangeEvent,
  OVERFLOW_MARGIN_MS,
  objectFieldsOfChangedField,
  parseChangeEventPayload,
  sameSalesforceId,
} from '../../src/changes/salesforce-change-event.ts';

const US = '005000000000001AAA';
const PERSON = '005000000000002AAA';
const AT = Date.parse('2026-12-01T01:00:00Z');

const readFields: ChangeEventReadFields = changeEventReadFields({
  Lead: ['Id', 'Title', 'State', 'Name', 'TossUp_Flag__c', 'LastModifiedDate'],
  Contact: ['Title', 'AccountId', 'Account.Type'],
  Account: ['Type', 'BillingState', 'Website'],
  Opportunity: ['AccountId', 'StageName', 'IsClosed', 'IsWon'],
});

function event(header: Record<string, unknown>, fields: Record<string, unknown> = {}) {
  return parseChangeEventPayload({
    ChangeEventHeader: {
      entityName: 'Lead',
      recordIds: ['00Q000000000001AAA'],
      changeType: 'UPDATE',
      changedFields: [],
      commitTimestamp: AT,
      commitUser: PERSON,
      transactionKey: 'tx-1',
      sequenceNumber: 1,
      ...header,
    },
    ...fields,
  });
}

const act = (header: Record<string, unknown>, fields?: Record<string, unknown>) =>
  interpretChangeEvent(event(header, fields), { integrationUserId: US, readFields }).action;

describe('interpretChangeEvent: Leads and Contacts', () => {
  it('decides a created, updated or undeleted person', () => {
    for (const changeType of ['CREATE', 'UNDELETE'])
      expect(act({ changeType })).toEqual({
        kind: 'decide',
        object: 'Lead',
        ids: ['00Q000000000001AAA'],
        gap: false,
      });
    expect(
      act({
        entityName: 'Contact',
        recordIds: ['003000000000001AAA'],
        changedFields: ['Title', 'LastModifiedDate'],
      }),
    ).toEqual({ kind: 'decide', object: 'Contact', ids: ['003000000000001AAA'], gap: false });
  });

  it('names every record of a multi-record event once', () => {
    const ids = ['00Q000000000001AAA', '00Q000000000002AAA', '00Q000000000001AAA'];
    expect(act({ recordIds: ids, changedFields: ['Title'] })).toEqual({
      kind: 'decide',
      object: 'Lead',
      ids: ['00Q000000000001AAA', '00Q000000000002AAA'],
      gap: false,
    });
  });

  it('reads a compound field change by its component (Address.State is Lead.State, Name.FirstName is Name)', () => {
    expect(act({ changedFields: ['Address.State', 'LastModifiedDate'] }).kind).toBe('decide');
    expect(act({ changedFields: ['Name.FirstName', 'LastModifiedDate'] }).kind).toBe('decide');
    expect(act({ changedFields: ['Address.City', 'LastModifiedDate'] })).toEqual({
      kind: 'ignore',
      why: 'unread_fields',
      entity: 'Lead',
      ids: ['00Q000000000001AAA'],
    });
  });

  it('ignores an update of fields no rule reads (LastModifiedDate is not one), case-insensitively', () => {
    expect(act({ changedFields: ['Phone', 'LastModifiedDate'] })).toMatchObject({
      kind: 'ignore',
      why: 'unread_fields',
    });
    expect(act({ changedFields: ['title'] }).kind).toBe('decide');
    // A parent path read by Contacts is the Account's field, not the Contact's.
    expect(act({ entityName: 'Contact', changedFields: ['Type'] })).toMatchObject({ why: 'unread_fields' });
  });

  it('keeps an update whose changed fields are not given (cannot be judged)', () => {
    expect(act({ changedFields: undefined }).kind).toBe('decide');
    expect(act({ changedFields: [] }).kind).toBe('decide');
  });

  it('ignores our own write, by the 15- or 18-character id of the integration user', () => {
    expect(act({ commitUser: US, changedFields: ['TossUp_Flag__c'] })).toMatchObject({
      kind: 'ignore',
      why: 'own_write',
    });
    expect(act({ commitUser: US.slice(0, 15), changeType: 'CREATE' })).toMatchObject({ why: 'own_write' });
    // Someone else's edit of our own field is theirs to make (an override): decided.
    expect(act({ commitUser: PERSON, changedFields: ['TossUp_Flag__c'] }).kind).toBe('decide');
    // No integration user known: nothing passes for ours.
    const payload = event({ commitUser: US, changedFields: ['Title'] });
    expect(interpretChangeEvent(payload, { integrationUserId: null, readFields }).action.kind).toBe('decide');
  });

  it('a delete leaves nothing to decide', () => {
    expect(act({ changeType: 'DELETE' })).toEqual({
      kind: 'deleted',
      object: 'Lead',
      ids: ['00Q000000000001AAA'],
    });
  });

  it('a gap re-reads the named records, even one committed by us (it carries no values)', () => {
    for (const changeType of ['GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE'])
      expect(act({ changeType, commitUser: US, changedFields: undefined })).toEqual({
        kind: 'decide',
        object: 'Lead',
        ids: ['00Q000000000001AAA'],
        gap: true,
      });
  });

  it('an overflow reads the object incrementally from before its commit', () => {
    expect(act({ changeType: 'GAP_OVERFLOW', recordIds: [], entityName: 'Contact' })).toEqual({
      kind: 'read_since',
      object: 'Contact',
      sinceMs: AT - OVERFLOW_MARGIN_MS,
    });
  });
});

describe('interpretChangeEvent: Accounts and Opportunities', () => {
  it('re-decides the people of an Account whose read facts changed', () => {
    const ids = ['001000000000001AAA', '001000000000002AAA'];
    expect(act({ entityName: 'Account', recordIds: ids, changedFields: ['Type'] })).toEqual({
      kind: 'account',
      object: 'Account',
      ids,
      accountIds: ids,
      gap: false,
    });
    expect(act({ entityName: 'Account', changedFields: ['BillingAddress.State'] }).kind).toBe('account');
    expect(act({ entityName: 'Account', changedFields: ['Phone'] })).toMatchObject({ why: 'unread_fields' });
    expect(act({ entityName: 'Account', changeType: 'DELETE' }).kind).toBe('account');
    expect(act({ entityName: 'Account', changeType: 'GAP_UPDATE', commitUser: US })).toMatchObject({
      kind: 'account',
      gap: true,
    });
  });

  it("takes an Opportunity's Account from the payload when it holds one", () => {
    const opp = ['006000000000001AAA'];
    expect(
      act(
        { entityName: 'Opportunity', recordIds: opp, changeType: 'CREATE' },
        { AccountId: '001000000000009AAA', StageName: 'Closed Lost' },
      ),
    ).toEqual({
      kind: 'account',
      object: 'Opportunity',
      ids: opp,
      accountIds: ['001000000000009AAA'],
      gap: false,
    });
    expect(
      act({ entityName: 'Opportunity', recordIds: opp, changedFields: ['StageName', 'IsClosed'] }),
    ).toEqual({
      kind: 'account',
      object: 'Opportunity',
      ids: opp,
      accountIds: [],
      gap: false,
    });
    expect(act({ entityName: 'Opportunity', changedFields: ['Amount'] })).toMatchObject({
      why: 'unread_fields',
    });
  });

  it('ignores an object the mapping reads nothing of, and any object not tracked', () => {
    const none = changeEventReadFields({ ...readFieldsLists(), Opportunity: [] });
    const payload = event({ entityName: 'Opportunity', changeType: 'CREATE' });
    expect(interpretChangeEvent(payload, { integrationUserId: US, readFields: none }).action).toMatchObject({
      kind: 'ignore',
      why: 'unread_fields',
    });
    expect(act({ entityName: 'Case', changeType: 'CREATE' })).toMatchObject({
      why: 'untracked_object',
      entity: 'Case',
    });
  });

  it('carries the header facts the caller logs and orders by', () => {
    const e = interpretChangeEvent(event({ transactionKey: 'tx-9', sequenceNumber: 3 }), {
      integrationUserId: US,
      readFields,
    });
    expect(e).toMatchObject({
      entity: 'Lead',
      changeType: 'UPDATE',
      commitTimestamp: AT,
      transactionKey: 'tx-9',
      sequenceNumber: 3,
    });
  });
});

describe('parsing and helpers', () => {
  it('refuses what is not a change event', () => {
    expect(() => parseChangeEventPayload({})).toThrow();
    expect(() =>
      parseChangeEventPayload({
        ChangeEventHeader: { entityName: 'Lead', recordIds: [], changeType: 'SNAPSHOT', commitTimestamp: 1 },
      }),
    ).toThrow();
  });

  it('maps compound components to object fields', () => {
    expect(objectFieldsOfChangedField('BillingAddress.State')).toEqual([
      'BillingAddress',
      'State',
      'BillingState',
    ]);
    expect(objectFieldsOfChangedField('Name.LastName')).toEqual(['Name', 'LastName']);
    expect(objectFieldsOfChangedField('Title')).toEqual(['Title']);
  });

  it('compares ids on their 15-character form', () => {
    expect(sameSalesforceId('005000000000001AAA', '005000000000001')).toBe(true);
    expect(sameSalesforceId('005000000000001AAA', '005000000000002AAA')).toBe(false);
    expect(sameSalesforceId('', '')).toBe(false);
  });
});

describe('salesforceChangeEventFields (the shipped mapping)', () => {
  const fields = salesforceChangeEventFields(loadSalesforceMapping());

  it('reads on Leads what the queries read, without system fields', () => {
    for (const f of [
      'title',
      'state',
      'numberofemployees',
      'pi__score__c',
      'tossup_flag__c',
      'tossup_override__c',
    ])
      expect(fields.Lead.has(f)).toBe(true);
    for (const f of ['lastmodifieddate', 'systemmodstamp', 'id', 'phone'])
      expect(fields.Lead.has(f)).toBe(false);
  });

  it('reads on Contacts their own fields and AccountId; on Accounts the parent facts and the website', () => {
    expect(fields.Contact.has('accountid')).toBe(true);
    expect([...fields.Contact].some((f) => f.includes('.'))).toBe(false);
    for (const f of ['type', 'billingstate', 'ownerid', 'website', 'tossup_lost_opportunities__c'])
      expect(fields.Account.has(f)).toBe(true);
    expect([...fields.Opportunity].sort()).toEqual(['accountid', 'isclosed', 'iswon', 'stagename']);
  });
});

function readFieldsLists() {
  return {
    Lead: [...readFields.Lead],
    Contact: [...readFields.Contact],
    Account: [...readFields.Account],
    Opportunity: [...readFields.Opportunity],
  };
}
