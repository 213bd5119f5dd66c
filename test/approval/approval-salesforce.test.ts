import { describe, it } from 'vitest';
import { syncOptions, worldOrg } from '../connectors/salesforce/pipeline-kit.ts';
import { connect, insertLead, T0 } from '../connectors/salesforce/sf-kit.ts';
import { approvalScenario } from './approval-scenario.ts';

/** Manager approval through the real Salesforce connector (jsforce) against the emulator. */
describe('manager approval on Salesforce', () => {
  it('approval → the rep task is created only after the approval, its SLA from the approval; a rejection is recorded with its reason', async () => {
    const { emu, routing } = await worldOrg(10);
    const connector = await connect(emu);
    await approvalScenario({
      crm: 'salesforce',
      connector,
      syncOptions: () => syncOptions(emu, connector, routing),
      hotLead: (name) =>
        insertLead(emu, T0 - 3_600_000, {
          LastName: name,
          Title: '取締役',
          NumberOfEmployees: 1500,
          State: '東京都',
          pi__score__c: 50,
        }),
      pin: (iso) => emu.clock.pin(iso),
      answer: (leadId, decision, reason) =>
        emu.store.update('Lead', leadId, {
          TossUp_Approval__c: decision,
          ...(reason ? { TossUp_Rejection_Reason__c: reason } : {}),
        }),
      tasksByKey: (key) =>
        emu.store.findByValue('Task', 'TossUp_Key__c', key).map((t) => ({
          id: String(t.Id),
          ownerId: String(t.OwnerId),
          completed: t.IsClosed === true || t.Status === 'Completed',
          due: String(t.ActivityDate),
        })),
      tossUpOf: (leadId) => {
        const r = emu.store.get('Lead', leadId);
        return {
          flag: (r?.TossUp_Flag__c as string | undefined) ?? null,
          key: (r?.TossUp_Decision_Key__c as string | undefined) ?? null,
        };
      },
      dueOf: (_dueAt, dueDate) => dueDate,
    });
  });
});
