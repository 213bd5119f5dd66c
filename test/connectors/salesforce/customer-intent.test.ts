import { describe, expect, it } from 'vitest';
import type { LeadOutcome } from '../../../src/pipeline/process-leads.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { MemoryRoutingState } from '../../../src/routing/memory-routing-state.ts';
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

  it('a company becoming a customer: its contact keeps its no → nurture key, yet the account owner becomes its owner once; a person reassigning it afterwards is not overruled', async () => {
    const { emu, routing } = await worldOrg(10);
    const users = [...emu.seeded!.users.values()];
    const [owner, other, third] = [users[1]!, users[2]!, users[3]!];
    const account = emu.store.insert(
      'Account',
      { Name: '株式会社見込精機', Type: 'Prospect', OwnerId: owner },
      { at: AT, createdAt: AT },
    );
    const quiet = insertContact(emu, AT, { AccountId: account, OwnerId: other, Title: '担当' });
    const routingState = new MemoryRoutingState();
    const outcomes = new Map<string, LeadOutcome>();
    const sync = async () =>
      runSync(
        syncOptions(emu, await connect(emu, { pageSize: 50 }), routing, {
          routingState,
          onLead: async (o) => {
            outcomes.set(o.leadId, o);
          },
        }),
      );

    await sync();
    const before = emu.store.get('Contact', quiet)!;
    expect(before).toMatchObject({ OwnerId: other, TossUp_Flag__c: 'いいえ' });
    expect(outcomes.get(quiet)!.decision!.ruleId).toBe('otherwise');

    // The account becomes a customer; the contact is read again (any change to it).
    emu.clock.advance(60_000);
    emu.store.update('Account', account, { Type: 'Customer' });
    emu.store.update('Contact', quiet, { Title: '主任' });
    emu.clock.advance(60_000);
    await sync();
    const o = outcomes.get(quiet)!;
    expect(o.decision).toMatchObject({ ruleId: 'existing_customer', flag: 'no', nextAction: 'nurture' });
    expect(o.newEpisode).toBe(false);
    expect(o.recordOwner).toMatchObject({ ownerId: owner, via: 'account_owner' });
    expect(emu.store.get('Contact', quiet)).toMatchObject({
      OwnerId: owner,
      TossUp_Decision_Key__c: before.TossUp_Decision_Key__c,
    });
    expect(emu.store.all('Task').filter((t) => t.WhoId === quiet)).toHaveLength(0);

    // A person hands the contact to a colleague: the next runs leave it there.
    emu.store.update('Contact', quiet, { OwnerId: third });
    emu.clock.advance(60_000);
    await sync();
    expect(outcomes.get(quiet)!.recordOwner).toBeUndefined();
    expect(emu.store.get('Contact', quiet)!.OwnerId).toBe(third);
  });
});
