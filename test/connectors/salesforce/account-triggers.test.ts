import { describe, expect, it } from 'vitest';
import { nameWord } from '../../../connectors/salesforce/account-changes.ts';
import { allowanceCalls } from '../../../connectors/salesforce/usage-meter.ts';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import type { LeadOutcome } from '../../../src/pipeline/process-leads.ts';
import { accountCursorKey } from '../../../src/pipeline/related-leads.ts';
import { renderSummary } from '../../../src/pipeline/render-summary.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../../src/ports/clock.ts';
import type { RoutingConfig } from '../../../src/routing/routing-config.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { syncOptions, worldOrg } from './pipeline-kit.ts';
import { connect, insertContact, insertLead, T0 } from './sf-kit.ts';

// Account-level triggers on Salesforce (issue 14): an Account that becomes a customer re-decides its
// Contacts and the Leads matched to it in the next sync, through real jsforce against the emulator,
// at a stated number of extra calls.

const AT = T0 + 1_000;
const HOUR = 3_600_000;

/** A prospect Account with 50 Contacts and one Lead matched to it by e-mail domain. */
function arrange(emu: SalesforceEmulator) {
  const users = [...emu.seeded!.users.values()];
  const owner = users[1]!;
  const account = emu.store.insert(
    'Account',
    {
      Name: '株式会社トリガー精工',
      Website: 'https://www.trigger-seiko.example.jp/',
      Type: 'Prospect',
      OwnerId: owner,
    },
    { at: AT, createdAt: AT },
  );
  const contacts: string[] = [];
  for (let i = 0; i < 50; i++) {
    contacts.push(
      insertContact(emu, AT, {
        AccountId: account,
        Email: `c${i}@trigger-seiko.example.jp`,
        OwnerId: users[0]!,
        // Only the account's facts can make these toss-ups: a small attribute score and some
        // behaviour (an MA score of 20: above an existing customer's intent floor, below the
        // score rule's 40), so a customer's contact is worth a task.
        Title: '担当',
        pi__score__c: 20,
      }),
    );
  }
  const lead = insertLead(emu, AT, {
    Email: 'lead@trigger-seiko.example.jp',
    Company: 'トリガー精工',
    NumberOfEmployees: 20,
    Title: '担当',
    pi__score__c: 20,
    OwnerId: users[0]!,
  });
  // A Lead the LIKE search finds (same word) that matching puts on no account: left alone.
  const lookalike = insertLead(emu, AT, {
    Email: 'x@other.example.com',
    Company: 'トリガー精工サービス',
    NumberOfEmployees: 20,
    Title: '担当',
  });
  return { owner, account, contacts, lead, lookalike };
}

async function sync(emu: SalesforceEmulator, routing: RoutingConfig, state: MemoryStateStore) {
  const connector = await connect(emu);
  const outcomes = new Map<string, LeadOutcome>();
  const report = await runSync(
    syncOptions(emu, connector, routing, {
      state,
      clock: fixedClock(new Date(emu.clock.now()).toISOString()),
      onLead: async (o) => {
        outcomes.set(o.leadId, o);
      },
    }),
  );
  expect(report.stop).toBeNull();
  return { report, outcomes, calls: allowanceCalls(connector.usage().calls), usage: connector.usage().calls };
}

describe('account-level triggers (Salesforce)', () => {
  it('an Account becoming a customer re-decides its 50 contacts and its matched Lead in the next sync, at 5 extra calls (2 reads, 1 write guard, 2 writes)', async () => {
    const { emu, routing } = await worldOrg(20);
    const r = arrange(emu);
    const state = new MemoryStateStore({ clock: fixedClock(new Date(T0).toISOString()) });

    const first = await sync(emu, routing, state);
    for (const id of [...r.contacts, r.lead])
      expect(first.outcomes.get(id)!.decision!.ruleId).not.toBe('existing_customer');
    expect(await state.getCursor(accountCursorKey('salesforce', 'default'))).not.toBeNull();

    // Nothing changed: the baseline of an incremental run (re-reads what the first run wrote).
    emu.clock.pin(new Date(emu.clock.now() + HOUR).toISOString());
    const quiet = await sync(emu, routing, state);
    expect(quiet.report.accountTriggers).toMatchObject({ accounts: 0, leads: 0 });
    emu.clock.pin(new Date(emu.clock.now() + HOUR).toISOString());
    const quiet2 = await sync(emu, routing, state);

    const reasonsBefore = new Map(
      r.contacts.map((id) => [id, emu.store.get('Contact', id)!.TossUp_Reason__c]),
    );
    emu.store.update('Account', r.account, { Type: 'Customer' }, { at: emu.clock.now() + 1_000 });
    emu.clock.pin(new Date(emu.clock.now() + HOUR).toISOString());
    const changed = await sync(emu, routing, state);

    expect(changed.report.accountTriggers).toMatchObject({ accounts: 1, leads: 51 });
    for (const id of [...r.contacts, r.lead]) {
      const o = changed.outcomes.get(id);
      expect(o, id).toBeDefined();
      expect(o!.decision!.ruleId).toBe('existing_customer');
      expect(o!.task?.ownerId).toBe(r.owner);
    }
    for (const id of r.contacts)
      expect(emu.store.get('Contact', id)!.TossUp_Reason__c).not.toBe(reasonsBefore.get(id));
    expect(changed.outcomes.has(r.lookalike)).toBe(false);
    const summary = renderSummary(changed.report, 'ja');
    expect(summary).toMatch(/取引先の変更で再判定\n\s+変更された取引先\s+1\n\s+再判定したリード\s+51/);
    expect(renderSummary(quiet.report, 'ja')).not.toContain('取引先の変更で再判定');

    // Extra calls over a quiet incremental run: the Contacts of the changed Account and the Leads
    // that may match it (1 Composite call), the account index those Leads are matched with (1), then
    // the writes of the 51 re-decided people: one Collections update and one task upsert (200 per
    // call), the update guarded by one "changed by others since the read" query per object, both in
    // one Composite call (write-guard.ts).
    expect(changed.calls - quiet2.calls).toBe(5);
    expect((changed.usage.query ?? 0) - (quiet2.usage.query ?? 0)).toBe(1);
    expect((changed.usage.composite ?? 0) - (quiet2.usage.composite ?? 0)).toBe(2);
    expect(changed.usage['collections.update']).toBe(1);
    expect(changed.usage['collections.upsert']).toBe(1);

    // The next run has nothing left to do for that Account.
    emu.clock.pin(new Date(emu.clock.now() + HOUR).toISOString());
    const after = await sync(emu, routing, state);
    expect(after.report.accountTriggers).toMatchObject({ accounts: 0, leads: 0 });
    expect(after.report.counts.tasksCreated).toBe(0);
  });

  it('the words a matching Lead must contain', () => {
    expect(nameWord('株式会社トリガー精工')).toBe('トリガー精工');
    expect(nameWord('（株）山田製作所')).toBe('山田製作所');
    expect(nameWord('Acme Robotics Co., Ltd.')).toBe('Robotics');
    expect(nameWord('Corporation')).toBeNull();
    expect(nameWord(null)).toBeNull();
  });
});
