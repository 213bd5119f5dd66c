import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import type { LeadOutcome } from '../../../src/pipeline/process-leads.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { MemoryRoutingState } from '../../../src/routing/memory-routing-state.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { connect, startPortal } from './harness.ts';
import { addRoutingOwners, syncOptions } from './pipeline-kit.ts';

// Existing customers without intent (issue 14), through the real @hubspot/api-client against the
// emulator: the large preset's intent floor decides whether the company owner gets a task; either
// way the company owner becomes the contact's owner (hubspot_owner_id).

const NOW = '2026-12-01T01:00:00.000Z'; // Tuesday 10:00 JST
const AT = Date.parse(NOW) - 3_600_000;
const YESTERDAY = new Date(Date.parse(NOW) - 86_400_000).toISOString();
const OWNER = '90000001'; // u001 in mappings/routing.yaml, active
const OTHER = '90000004';

describe('existing customers without intent (HubSpot)', () => {
  it('one newsletter open: no toss-up and no task, the company owner owns the contact; intent above the floor: a task for the company owner', async () => {
    const clock = new EmulatorClock();
    clock.pin(NOW);
    const hs = await startPortal({ clock });
    addRoutingOwners(hs);
    const company = hs.store.create(
      'companies',
      {
        name: '株式会社顧客精機',
        lifecyclestage: 'customer',
        hubspot_owner_id: OWNER,
        numberofemployees: '800',
      },
      { system: true, at: AT },
    ).id;
    const contact = (props: Record<string, string>) =>
      hs.store.create(
        'contacts',
        { firstname: '太郎', lastname: '顧客', jobtitle: '担当', hubspot_owner_id: OTHER, ...props },
        { system: true, at: AT, associations: [{ toType: 'companies', toId: company, primary: true }] },
      ).id;
    const newsletter = contact({ hs_email_last_open_date: YESTERDAY });
    const interested = contact({ ma_behaviour_score: '30' });

    const outcomes = new Map<string, LeadOutcome>();
    const options = syncOptions(await connect(hs), new MemoryStateStore(), NOW, {
      onLead: async (o) => {
        outcomes.set(o.leadId, o);
      },
    });
    const report = await runSync(options);
    expect(report.counts.failed).toBe(0);

    const quiet = outcomes.get(newsletter)!;
    expect(quiet.decision).toMatchObject({
      ruleId: 'existing_customer',
      flag: 'no',
      nextAction: 'nurture',
      scores: { behaviour: 1 },
    });
    expect(quiet.task).toBeNull();
    expect(quiet.recordOwner).toMatchObject({ ownerId: OWNER, via: 'account_owner', ownerKey: 'u001' });
    const tasksOf = (id: string) =>
      hs.store.list('tasks').filter((t) => hs.store.associationsOf('tasks', t.id, 'contacts')[0]?.to === id);
    expect(tasksOf(newsletter)).toHaveLength(0);
    expect(hs.store.get('contacts', newsletter)!.props).toMatchObject({
      hubspot_owner_id: OWNER,
      tossup_flag: 'no',
      tossup_reason: expect.stringMatching(
        /^関心を示す行動なし: タスクなし \/ 既存顧客 → 担当営業へ \/ 行動スコア 1 < 基準 15/,
      ),
    });

    const hot = outcomes.get(interested)!;
    expect(hot.decision).toMatchObject({ ruleId: 'existing_customer', flag: 'yes', priority: 'high' });
    expect(hot.task).toMatchObject({ ownerId: OWNER, route: { via: 'account_owner' } });
    expect(tasksOf(interested).map((t) => t.props.hubspot_owner_id)).toEqual([OWNER]);
    expect(hs.store.get('contacts', interested)!.props).toMatchObject({
      hubspot_owner_id: OWNER,
      tossup_flag: 'yes',
    });

    expect(report.recordsPerOwner).toEqual({ [OWNER]: 1 });
    expect(report.accountOwnerTasks).toEqual({ [OWNER]: 1 });
  });

  it('a company becoming a customer: its contact keeps its key, the company owner becomes its owner once; a later reassignment by a person stands', async () => {
    const clock = new EmulatorClock();
    clock.pin(NOW);
    const hs = await startPortal({ clock });
    addRoutingOwners(hs);
    const company = hs.store.create(
      'companies',
      { name: '株式会社見込精機', lifecyclestage: 'lead', hubspot_owner_id: OWNER, numberofemployees: '800' },
      { system: true, at: AT },
    ).id;
    const quiet = hs.store.create(
      'contacts',
      { firstname: '花子', lastname: '見込', jobtitle: '担当', hubspot_owner_id: OTHER },
      { system: true, at: AT, associations: [{ toType: 'companies', toId: company, primary: true }] },
    ).id;
    const routingState = new MemoryRoutingState();
    const outcomes = new Map<string, LeadOutcome>();
    const sync = async () => {
      const at = new Date(hs.clock.now()).toISOString();
      await runSync(
        syncOptions(await connect(hs), new MemoryStateStore(), at, {
          routingState,
          onLead: async (o) => {
            outcomes.set(o.leadId, o);
          },
        }),
      );
    };

    await sync();
    const key = hs.store.get('contacts', quiet)!.props.tossup_decision_key;
    expect(outcomes.get(quiet)!.decision!.ruleId).toBe('otherwise');
    expect(hs.store.get('contacts', quiet)!.props.hubspot_owner_id).toBe(OTHER);

    clock.advance(60_000);
    hs.store.update('companies', company, { lifecyclestage: 'customer' }, { system: true });
    hs.store.update('contacts', quiet, { jobtitle: '主任' }, { system: true });
    clock.advance(60_000);
    await sync();
    const o = outcomes.get(quiet)!;
    expect(o.decision).toMatchObject({ ruleId: 'existing_customer', flag: 'no', nextAction: 'nurture' });
    expect(o.newEpisode).toBe(false);
    expect(hs.store.get('contacts', quiet)!.props).toMatchObject({
      hubspot_owner_id: OWNER,
      tossup_decision_key: key,
    });

    hs.store.update('contacts', quiet, { hubspot_owner_id: OTHER }, { system: true });
    clock.advance(60_000);
    await sync();
    expect(outcomes.get(quiet)!.recordOwner).toBeUndefined();
    expect(hs.store.get('contacts', quiet)!.props.hubspot_owner_id).toBe(OTHER);
    expect(hs.store.list('tasks')).toHaveLength(0);
  });
});
