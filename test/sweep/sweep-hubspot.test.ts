import { completeTask, logEngagement } from '../../emulators/hubspot/index.ts';
import { connect, seedContacts, startPortal } from '../connectors/hubspot/harness.ts';
import { describeSweepOnCrm } from './crm-sweep.contract.ts';

describeSweepOnCrm('HubSpot', async () => {
  const hs = await startPortal();
  const owner = (name: string) =>
    hs.store.owners.add({ email: `${name}@seller.example`, firstName: name, lastName: 'Test' }).id;
  const users = { r1: owner('r1'), r3: owner('r3'), r4: owner('r4'), m1: owner('m1'), other: owner('other') };
  const connector = await connect(hs);
  let seq = 0;
  const task = (id: string) => hs.store.get('tasks', id)!;
  return {
    crm: 'hubspot',
    objectType: 'contact',
    episodes: connector.episodes,
    usage: () => connector.usage(),
    users,
    async newLead() {
      const [id] = seedContacts(hs.store, 1, () => Date.parse('2026-12-01T00:00:00Z') + ++seq);
      return id!;
    },
    pin: (iso) => hs.clock.pin(iso),
    async logCall(contactId, ownerId, at) {
      logEngagement(hs.store, { kind: 'call', contactId, ownerId, at: Date.parse(at) });
    },
    async completeTask(taskId, at) {
      completeTask(hs.store, taskId, Date.parse(at));
    },
    async ownerOf(contactId) {
      return hs.store.get('contacts', contactId)!.props.hubspot_owner_id ?? '';
    },
    async tasksByKey(key) {
      const rec = hs.store.findByUnique('tasks', 'tossup_task_key', key);
      if (!rec) return [];
      const t = task(rec.id).props;
      return [
        {
          id: rec.id,
          ownerId: t.hubspot_owner_id ?? '',
          completed: t.hs_task_status === 'COMPLETED',
          body: t.hs_task_body ?? '',
        },
      ];
    },
    async slaStatusOf(contactId) {
      return hs.store.get('contacts', contactId)!.props.tossup_sla_status;
    },
    cliEnv: { TOSSUP_HUBSPOT_BASE_PATH: hs.basePath, TOSSUP_HUBSPOT_ACCESS_TOKEN: hs.accessToken },
    onTaskCreated(suffix, onCreate) {
      hs.store.onChange((change) => {
        if (change.kind !== 'creation' || change.type !== 'tasks') return;
        const key = change.changes.find((c) => c.name === 'tossup_task_key')?.value;
        if (key?.endsWith(suffix)) onCreate();
      });
    },
    close: async () => {
      await connector.close();
    },
  };
});
