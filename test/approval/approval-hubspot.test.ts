import { describe, it } from 'vitest';
import { EmulatorClock } from '../../emulators/shared/emulator-clock.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { connect, startPortal } from '../connectors/hubspot/harness.ts';
import { addRoutingOwners, syncOptions } from '../connectors/hubspot/pipeline-kit.ts';
import { AT, approvalScenario } from './approval-scenario.ts';

/** Manager approval through the real HubSpot connector (@hubspot/api-client) against the emulator. */
describe('manager approval on HubSpot', () => {
  it('approval → the rep task is created only after the approval, its SLA from the approval; a rejection is recorded with its reason', async () => {
    const clock = new EmulatorClock();
    clock.pin(AT.sync);
    const hs = await startPortal({ clock });
    addRoutingOwners(hs);
    const connector = await connect(hs);
    const props = (id: string) => hs.store.get('contacts', id)!.props;
    await approvalScenario({
      crm: 'hubspot',
      connector,
      syncOptions: (now) => syncOptions(connector, new MemoryStateStore({ clock: fixedClock(now) }), now),
      hotLead: (name) => {
        const id = hs.store.create(
          'contacts',
          {
            firstname: name,
            lastname: 'テスト',
            jobtitle: '取締役',
            state: '東京都',
            company_size: '1500名',
            ma_behaviour_score: '50',
          },
          { system: true, at: Date.parse(AT.sync) - 3_600_000 },
        ).id;
        hs.store.rebuildIndexes();
        return id;
      },
      pin: (iso) => clock.pin(iso),
      answer: (leadId, decision, reason) =>
        hs.store.update('contacts', leadId, {
          tossup_approval: decision,
          ...(reason ? { tossup_rejection_reason: reason } : {}),
        }),
      tasksByKey: (key) =>
        hs.store
          .list('tasks')
          .filter((t) => t.props.tossup_task_key === key)
          .map((t) => ({
            id: t.id,
            ownerId: String(t.props.hubspot_owner_id),
            completed: t.props.hs_task_status === 'COMPLETED',
            due: String(t.props.hs_timestamp),
          })),
      tossUpOf: (leadId) => ({
        flag: props(leadId).tossup_flag ?? null,
        key: props(leadId).tossup_decision_key ?? null,
      }),
      dueOf: (dueAt) => dueAt,
    });
  });
});
