import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseHubspotMapping } from '../../../connectors/hubspot/mapping.ts';
import { requiredProperties } from '../../../connectors/hubspot/required-properties.ts';
import type { Lead } from '../../../src/domain/lead.ts';
import { connect, startPortal, tinyWorld } from './harness.ts';

/**
 * The person's name for chat notices (issue 13): read from firstname/lastname in the search the
 * connector makes anyway, family name first when Japanese, at no extra call.
 */

const shipped = readFileSync('mappings/hubspot.yaml', 'utf8');

async function leadsOf(connector: Awaited<ReturnType<typeof connect>>): Promise<Map<string, Lead>> {
  const out = new Map<string, Lead>();
  for await (const page of connector.source.readChanges({ since: null }))
    for (const l of page.leads) out.set(l.id, l);
  return out;
}

describe('HubSpot contact names', () => {
  it('reads firstname/lastname in the same search: 田中 一郎 family name first, Ann Lee given name first, no extra call', async () => {
    const withNames = await startPortal({ world: tinyWorld() });
    const ids = withNames.seedSummary!.ids.contacts;
    withNames.store.update('contacts', ids.get('p5')!, { firstname: 'Ann', lastname: 'Lee' });
    const named = await connect(withNames);
    const leads = await leadsOf(named);
    expect(leads.get(ids.get('p1')!)!.person.name).toBe('田中 一郎');
    expect(leads.get(ids.get('p5')!)!.person.name).toBe('Ann Lee');

    // The same portal read with the names switched off costs exactly the same calls.
    const without = await startPortal({ world: tinyWorld() });
    const off = parseHubspotMapping(
      shipped.replace(
        '  firstName: firstname\n  lastName: lastname\n',
        '  firstName: null\n  lastName: null\n',
      ),
      'hubspot.yaml',
    );
    const unnamed = await connect(without, {}, { mapping: off });
    const plain = await leadsOf(unnamed);
    expect(plain.get(without.seedSummary!.ids.contacts.get('p1')!)!.person.name).toBeUndefined();
    expect(named.usage().calls).toEqual(unnamed.usage().calls);
  });

  it('defaults the name properties for mappings written before them, and checks they exist as read-only text', () => {
    const older = parseHubspotMapping(
      shipped.replace('  firstName: firstname\n  lastName: lastname\n', ''),
      'hubspot.yaml',
    );
    expect(older.contact).toMatchObject({ firstName: 'firstname', lastName: 'lastname' });
    const reqs = requiredProperties(older).filter((r) =>
      ['contact.firstName', 'contact.lastName'].includes(r.mappingPath),
    );
    expect(reqs.map((r) => [r.name, r.write])).toEqual([
      ['firstname', false],
      ['lastname', false],
    ]);
  });
});
