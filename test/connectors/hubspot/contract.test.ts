import { hubspotModule } from '../../../connectors/hubspot/module.ts';
import { fixedClock } from '../../../src/ports/clock.ts';
import { describeConnectorContract } from '../../fakes/connector.contract.ts';
import { seedContacts, startPortal, T0 } from './harness.ts';

// The connector contract the fake CRM passes, run on the real HubSpot connector (@hubspot/api-client
// over HTTP to the emulator), built the way `tossup sync` and the Lambda build it: settings parsed by
// the module's one schema, then `connect`.
describeConnectorContract('HubSpot module', async () => {
  const hs = await startPortal();
  const ids = seedContacts(hs.store, 8, (i) => T0 + i * 1000);
  const owner = hs.store.owners.add({ email: 'rep@seller.example', firstName: '花子', lastName: '佐藤' });
  const settings = hubspotModule.settings.schema.parse({
    accessToken: hs.accessToken,
    basePath: hs.basePath,
    portalId: '4711',
  });
  const connector = await hubspotModule.connect(settings, {
    clock: fixedClock(new Date(T0).toISOString()),
    dryRun: false,
  });
  return { connector, ids, objectType: 'contact', ownerId: owner.id, teardown: () => connector.close() };
});
