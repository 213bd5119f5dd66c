import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSalesforceMapping } from '../../../connectors/salesforce/mapping.ts';
import { expectationsOf } from '../../../connectors/salesforce/schema-check.ts';
import type { Lead } from '../../../src/domain/lead.ts';
import { connect, counter, insertContact, insertLead, readAll, startOrg, T0 } from './sf-kit.ts';

/**
 * The person's name for chat notices (issue 13): `Name` of Lead and Contact, read in the SOQL the
 * connector sends anyway (real jsforce against the emulator), at no extra call.
 */

const shipped = readFileSync('mappings/salesforce.yaml', 'utf8');
const withoutNames = (text: string) => text.replace(/^ {2}name: Name #.*\n/gm, '');

async function arrangeAndRead(nameField: 'Name' | null) {
  const emu = await startOrg();
  const account = emu.store.insert('Account', { Name: '株式会社アルファ' }, { at: T0 });
  const lead = insertLead(emu, T0 + 1, { FirstName: '太郎', LastName: '山田', Company: '山田商事' });
  const contact = insertContact(emu, T0 + 2, { FirstName: 'Jane', LastName: 'Smith', AccountId: account });
  const text = nameField ? shipped : shipped.replace(/^ {2}name: Name #.*$/gm, '  name: null');
  const mapping = parseSalesforceMapping(text, 'salesforce.yaml');
  const connector = await connect(emu, {}, { mapping });
  const reads = () => counter(emu, 'sf.query') + counter(emu, 'sf.queryAll') + counter(emu, 'sf.composite');
  const before = reads();
  const leads = new Map<string, Lead>(
    (await readAll(connector, null)).flatMap((p) => p.leads.map((l) => [l.id, l])),
  );
  return { lead: leads.get(lead)!, contact: leads.get(contact)!, queries: reads() - before };
}

describe('Salesforce person names', () => {
  it('reads Lead.Name and Contact.Name in the same queries: 山田 太郎 family name first, Jane Smith', async () => {
    const named = await arrangeAndRead('Name');
    expect(named.lead.person.name).toBe('山田 太郎');
    expect(named.lead.company.name).toBe('山田商事');
    expect(named.contact.person.name).toBe('Jane Smith');
    expect(named.contact.company.name).toBe('株式会社アルファ');

    const unnamed = await arrangeAndRead(null);
    expect(unnamed.lead.person.name).toBeUndefined();
    expect(named.queries).toBeGreaterThan(0);
    expect(named.queries).toBe(unnamed.queries);
  });

  it('defaults the name fields for mappings written before them, and checks them as text', () => {
    const text = withoutNames(shipped);
    expect(text).not.toMatch(/^ {2}name: Name #/m);
    const older = parseSalesforceMapping(text, 'salesforce.yaml');
    expect(older.lead.name).toBe('Name');
    expect(older.contact.name).toBe('Name');
    const paths = expectationsOf(older).filter(
      (e) => e.mappingPath.endsWith('.name') && e.object !== 'Account',
    );
    expect(paths.map((e) => [e.object, e.field, e.mappingPath])).toEqual([
      ['Lead', 'Name', 'lead.name'],
      ['Contact', 'Name', 'contact.name'],
    ]);
  });
});
