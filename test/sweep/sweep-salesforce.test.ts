import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { connect, insertLead, startOrg } from '../connectors/salesforce/sf-kit.ts';
import { describeSweepOnCrm } from './crm-sweep.contract.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY_FIELD = 'TossUp_Key__c';
const SLA_FIELD = 'TossUp_SLA_Status__c';

function insertUser(emu: SalesforceEmulator, name: string): string {
  return emu.store.insert('User', {
    Username: `${name}@example.com`,
    Email: `${name}@example.com`,
    LastName: name,
    Alias: name.slice(0, 8),
    IsActive: true,
  });
}

describeSweepOnCrm('Salesforce', async () => {
  const emu = await startOrg({ rateLimits: false });
  const users = {
    r1: insertUser(emu, 'r1'),
    r3: insertUser(emu, 'r3'),
    r4: insertUser(emu, 'r4'),
    m1: insertUser(emu, 'm1'),
    other: insertUser(emu, 'other'),
  };
  const connector = await connect(emu);
  const c = emu.credentials;
  return {
    crm: 'salesforce',
    objectType: 'Lead',
    episodes: connector.episodes!,
    usage: () => connector.usage(),
    users,
    async newLead() {
      return insertLead(emu, Date.parse('2026-12-01T00:00:00Z'), { OwnerId: users.r1 });
    },
    pin: (iso) => emu.clock.pin(iso),
    async logCall(leadId, ownerId, at) {
      const ms = Date.parse(at);
      emu.store.insert(
        'Task',
        { Subject: 'Call', WhoId: leadId, OwnerId: ownerId, Status: 'Completed', TaskSubtype: 'Call' },
        { at: ms, createdAt: ms },
      );
    },
    async completeTask(taskId, at) {
      emu.store.update('Task', taskId, { Status: 'Completed' }, { at: Date.parse(at) });
    },
    async ownerOf(leadId) {
      return String(emu.store.get('Lead', leadId)?.OwnerId ?? '');
    },
    async tasksByKey(key) {
      return emu.store.findByValue('Task', KEY_FIELD, key).map((t) => ({
        id: t.Id,
        ownerId: String(t.OwnerId),
        completed: t.IsClosed === true || t.Status === 'Completed',
        body: String(t.Description ?? ''),
      }));
    },
    async slaStatusOf(leadId) {
      const v = emu.store.get('Lead', leadId)?.[SLA_FIELD];
      return typeof v === 'string' ? v : undefined;
    },
    cliEnv: {
      TOSSUP_SALESFORCE_LOGIN_URL: emu.loginUrl,
      TOSSUP_SALESFORCE_CLIENT_ID: c.clientId,
      TOSSUP_SALESFORCE_CLIENT_SECRET: c.clientSecret,
      TOSSUP_SALESFORCE_USERNAME: c.username,
      TOSSUP_SALESFORCE_PASSWORD: c.password,
      TOSSUP_SALESFORCE_MAPPING: join(ROOT, 'mappings/salesforce.yaml'),
    },
    onTaskCreated(suffix, onCreate) {
      // The emulator runs in this process: a hook on its store sees the insert before the answer leaves.
      const store = emu.store;
      const commit = store.commit.bind(store);
      store.commit = (schema, next, prev, now) => {
        commit(schema, next, prev, now);
        const key = next[KEY_FIELD];
        if (schema.name === 'Task' && !prev && typeof key === 'string' && key.endsWith(suffix)) onCreate();
      };
    },
    close: async () => undefined,
  };
});
