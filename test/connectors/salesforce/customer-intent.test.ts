import { describe, expect, it } from 'vitest';
import type { LeadOutcome } from '../../../src/pipeline/process-leads.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { syncOptions, worldOrg } from './pipeline-kit.ts';
import { connect, insertContact, T0 } from './sf-kit.ts';

// Existing customers without intent (issue 14), through real jsforce against the emulator: the
// large preset's intent floor (behaviour ≥ customerIntent) decides whether the account owner gets a
// task; either way the account owner becomes the contact's owner of record.

const AT = T0 + 1_000;
const YESTERDAY = new Date(T0 - 86_400_000).toISOString();

describe('existing customers without intent (Salesforce)', () => {
  it("one newsletter open: no toss-up and no task, the account owner owns the contact; a customer's MA score above the floor: a task for the account owner", async () => {
    const { emu, routing } = await worldOrg(20);
    const users = [...emu.seeded!.users.values()];
    const [owner, other] = [users[1]!, users[2]!];
    const account = emu.store.insert(
      'Account',
      { Name: '株式会社顧客精機', Type: 'Customer', OwnerId: owner },
      { at: AT, createdAt: AT },
    );
    const contact = (fields: Record<string, unknown>) =>
      insertContact(emu, AT, { AccountId: account, OwnerId: other, Title: '担当', ...fields });
    const newsletter = contact({ Email_Last_Opened__c: YESTERDAY });
    const interested = contact({ pi__score__c: 30 });

    const outcomes = new Map<string, LeadOutcome>();
    const connector = await connect(emu, { pageSize: 50 });
    const report = await runSync(
      syncOptions(emu, connector, routing, {
        onLead: async (o) => {
          outcomes.set(o.leadId, o);
        },
      }),
    );

    const quiet = outcomes.get(newsletter)!;
    expect(quiet.decision).toMatchObject({
      ruleId: 'existing_customer',
      flag: 'no',
      nextAction: 'nurture',
      scores: { behaviour: 1 },
    });
    expect(quiet.task).toBeNull();
    expect(quiet.recordOwner).toMatchObject({ ownerId: owner, via: 'account_owner' });
    expect(emu.store.all('Task').filter((t) => t.WhoId === newsletter)).toHaveLength(0);
    expect(emu.store.get('Contact', newsletter)).toMatchObject({
      OwnerId: owner,
      TossUp_Flag__c: 'いいえ',
      TossUp_Reason__c: expect.stringMatching(
        /^関心を示す行動なし: タスクなし \/ 既存顧客 → 担当営業へ \/ 行動スコア 1 < 基準 15/,
      ),
    });

    const hot = outcomes.get(interested)!;
    expect(hot.decision).toMatchObject({ ruleId: 'existing_customer', flag: 'yes', priority: 'high' });
    expect(hot.task).toMatchObject({ ownerId: owner, route: { via: 'account_owner' } });
    const tasks = emu.store.all('Task').filter((t) => t.WhoId === interested);
    expect(tasks.map((t) => t.OwnerId)).toEqual([owner]);
    expect(emu.store.get('Contact', interested)).toMatchObject({ OwnerId: owner, TossUp_Flag__c: 'はい' });

    // The run report counts both for the owner: one task as account owner, one lead owned without one.
    expect(report.recordsPerOwner?.[owner]).toBeGreaterThanOrEqual(1);
    expect(report.accountOwnerTasks?.[owner]).toBeGreaterThanOrEqual(1);

    // A second run changes nothing and creates nothing.
    const again = await runSync(syncOptions(emu, await connect(emu, { pageSize: 50 }), routing));
    expect(again.counts.tasksCreated).toBe(0);
    expect(emu.store.all('Task').filter((t) => t.WhoId === newsletter)).toHaveLength(0);
  });
});
