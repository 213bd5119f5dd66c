import { salesforceModule } from '../../../connectors/salesforce/module.ts';
import { describeConnectorContract } from '../../fakes/connector.contract.ts';
import { insertLead, startOrg, T0 } from './sf-kit.ts';

// The connector contract the fake CRM passes, run on the real Salesforce connector (jsforce over
// HTTP to the emulator), built the way `tossup sync` and the Lambda build it: settings parsed by
// the module's one schema, then `connect`.
describeConnectorContract('Salesforce module', async () => {
  const emu = await startOrg();
  const ids = Array.from({ length: 8 }, (_, i) => insertLead(emu, T0 + i * 1000));
  const c = emu.credentials;
  const settings = salesforceModule.settings.schema.parse({
    loginUrl: emu.loginUrl,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    username: c.username,
    password: c.password,
  });
  const connector = await salesforceModule.connect(settings, {
    clock: { now: () => new Date(emu.clock.now()) },
    dryRun: false,
  });
  return {
    connector,
    ids,
    objectType: 'Lead',
    ownerId: emu.store.integrationUserId,
    teardown: () => connector.close(),
    // Past the default read lag (2 s): a write is read once the org's clock has moved on.
    settle: () => emu.clock.advance(5_000),
  };
});
