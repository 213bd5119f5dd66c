import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../emulators/shared/emulator-clock.ts';
import { runSync } from '../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { leadLookupOf } from '../../src/ports/lead-lookup.ts';
import { FileRecheckStore } from '../../src/state/file-recheck-store.ts';
import { FileRoutingState } from '../../src/state/file-routing-state.ts';
import { FileStateStore } from '../../src/state/file-state-store.ts';
import { recheckDueLeads } from '../../src/sweep/recheck-leads.ts';
import { connect, startPortal } from '../connectors/hubspot/harness.ts';
import { addRoutingOwners, syncOptions } from '../connectors/hubspot/pipeline-kit.ts';
import { flashCampaignRules } from './flash-campaign-rules.ts';

/**
 * Re-checks through the real HubSpot connector (@hubspot/api-client) against the emulator, its clock
 * moved forward with no change to any contact: the campaign that opens tomorrow tosses a contact up
 * at its start and takes nothing back at its end; a hold for missing data with `holdExpiresAfter`
 * (business days, over a weekend) becomes nurture on time.
 */

const root = mkdtempSync(join(tmpdir(), 'tossup-recheck-hs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const AS_OF = '2026-11-20T01:00:00.000Z'; // Friday 10:00 JST

function rules() {
  return flashCampaignRules((rs) => {
    rs.missingData = { ...rs.missingData, holdExpiresAfter: '2 businessDays' };
  });
}

describe('re-checks on HubSpot (emulator clock, no CRM change)', () => {
  it('campaign start tosses up, its end withdraws nothing, a missing-data hold expires after 2 business days (a holiday skipped)', async () => {
    const clock = new EmulatorClock();
    clock.pin(AS_OF);
    const hs = await startPortal({ clock });
    addRoutingOwners(hs);
    const contact = (props: Record<string, string>) =>
      hs.store.create(
        'contacts',
        { firstname: 'テスト', jobtitle: '取締役', state: '東京都', ...props },
        { system: true, at: Date.parse(AS_OF) - 3_600_000 },
      ).id;
    const campaignOnly = contact({ company_size: '1500名', ma_behaviour_score: '35' });
    const noSize = contact({ ma_behaviour_score: '90' }); // fit score unknown without the size → hold
    hs.store.rebuildIndexes();

    const connector = await connect(hs);
    const dir = join(root, 'state');
    const compiled = rules();
    const rechecks = new FileRecheckStore(dir);
    const base = () => {
      const now = new Date(hs.clock.now()).toISOString();
      const state = new FileStateStore(dir, { clock: fixedClock(now) });
      return {
        ...syncOptions(connector, state, now, { rules: compiled }),
        routingState: new FileRoutingState(dir, { clock: fixedClock(now) }),
      };
    };
    const props = (id: string) => hs.store.get('contacts', id)!.props;
    const sweepAt = async (iso: string) => {
      clock.pin(iso);
      const o = base();
      const report = await recheckDueLeads({
        store: rechecks,
        lookup: leadLookupOf(connector)!,
        now: new Date(hs.clock.now()),
        pipeline: {
          crm: 'hubspot',
          sink: connector.sink,
          rules: compiled,
          renderer: o.renderer,
          routing: o.routing,
          routingState: o.routingState,
          sla: o.sla,
          state: o.state,
          scope: 'recheck|hubspot|default',
          reasonMaxLength: connector.reasonMaxLength,
        },
      });
      expect(report.stop).toBeNull();
      return report;
    };
    const tasksOf = (id: string) =>
      hs.store
        .list('tasks')
        .filter((t) => hs.store.associationsOf('tasks', t.id, 'contacts').some((a) => a.to === id));

    const sync = await runSync({ ...base(), rechecks });
    expect(sync.stop).toBeNull();
    expect([props(campaignOnly).tossup_flag, props(noSize).tossup_flag]).toEqual(['no', 'hold']);

    // 11/21 00:00 JST, the campaign's first minute.
    const opened = await sweepAt('2026-11-20T15:00:00.000Z');
    expect(opened.handOffs).toBe(1);
    expect(props(campaignOnly).tossup_flag).toBe('yes');
    expect(tasksOf(campaignOnly)).toHaveLength(1);

    // 11/23 00:00 JST: the campaign is over; the hand-off stays.
    const closed = await sweepAt('2026-11-22T15:00:00.000Z');
    expect(closed.kept).toBe(1);
    expect(props(campaignOnly).tossup_flag).toBe('yes');
    expect(tasksOf(campaignOnly)).toHaveLength(1);

    // Held Friday 10:00; the weekend and Monday 11/23 (勤労感謝の日) do not count: Tuesday 10:00 is one
    // business day, Wednesday 11/25 10:00 JST two.
    await sweepAt('2026-11-25T00:59:00.000Z');
    expect(props(noSize).tossup_flag).toBe('hold');
    const expired = await sweepAt('2026-11-25T01:00:00.000Z');
    expect(expired.holdsExpired).toBe(1);
    expect(props(noSize)).toMatchObject({ tossup_flag: 'no', tossup_next_action: 'nurture' });
    expect(props(noSize).tossup_reason).toMatch(/^保留期限 2026-11-25 経過 \(保留開始 2026-11-20\)/);
  });
});
