import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ownerOfRecord } from '../../src/routing/owner-of-record.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';

const routing = (crm: 'salesforce' | 'hubspot') =>
  parseRoutingConfig(readFileSync('mappings/routing.yaml', 'utf8'), 'mappings/routing.yaml', { crm });

describe('owner of record without a task (a customer showing no intent)', () => {
  const sf = routing('salesforce');
  const contact = { objectType: 'Contact' };

  it('is the account owner, even when away (no task, nothing due); never the pools', () => {
    // u010 is away in August in mappings/routing.yaml; owning a record needs no working day.
    expect(
      ownerOfRecord({ kind: 'account_owner', id: '005000000000010AAA' }, contact, 'salesforce', sf),
    ).toEqual({ ownerId: '005000000000010AAA', via: 'account_owner', ownerKey: 'u010' });
  });

  it('trusts a CRM user routing.yaml does not list, as routing does for tasks', () => {
    expect(
      ownerOfRecord({ kind: 'account_owner', id: '005999999999999AAA' }, contact, 'salesforce', sf),
    ).toEqual({ ownerId: '005999999999999AAA', via: 'account_owner' });
  });

  it('leaves the owner alone when the account owner has left (inactive): an admin must reassign the account', () => {
    // u012 is active: false.
    expect(
      ownerOfRecord({ kind: 'account_owner', id: '005000000000012AAA' }, contact, 'salesforce', sf),
    ).toEqual({ skipped: 'inactive_rep' });
    expect(
      ownerOfRecord({ kind: 'account_owner', id: '90000012' }, contact, 'hubspot', routing('hubspot')),
    ).toEqual({
      skipped: 'inactive_rep',
    });
  });

  it('a queue owns Salesforce Leads only (a Contact cannot be owned by a queue)', () => {
    const queue = { kind: 'queue', queue: 'marketing_nurture' } as const;
    expect(ownerOfRecord(queue, { objectType: 'Lead' }, 'salesforce', sf)).toMatchObject({
      ownerId: '00G000000000002AAA',
      via: 'queue',
    });
    expect(ownerOfRecord(queue, contact, 'salesforce', sf)).toEqual({ skipped: 'queue_cannot_own' });
    expect(ownerOfRecord(queue, { objectType: 'contact' }, 'hubspot', routing('hubspot'))).toMatchObject({
      ownerId: '90000101',
    });
  });
});
