import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSync } from '../../src/pipeline/run-sync.ts';
import { leadLookupOf } from '../../src/ports/lead-lookup.ts';
import { nextCheckAt } from '../../src/sla/escalation-ladder.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { FileRecheckStore } from '../../src/state/file-recheck-store.ts';
import { FileRoutingState } from '../../src/state/file-routing-state.ts';
import { FileStateStore } from '../../src/state/file-state-store.ts';
import { recheckDueLeads } from '../../src/sweep/recheck-leads.ts';
import { renderSweepSummary } from '../../src/sweep/render-sweep-summary.ts';
import { runSweep } from '../../src/sweep/run-sweep.ts';
import { syncOptions, worldOrg } from '../connectors/salesforce/pipeline-kit.ts';
import { connect, insertLead, T0 } from '../connectors/salesforce/sf-kit.ts';
import { flashCampaignRules } from './flash-campaign-rules.ts';

/**
 * Re-checks through the real Salesforce connector (jsforce) against the emulator, its clock moved
 * forward with no change to any record: a campaign that opens tomorrow tosses qualifying leads up at
 * its start, its end takes nothing back, and a hold with `holdExpiresAfter` becomes nurture on time.
 */

const root = mkdtempSync(join(tmpdir(), 'tossup-recheck-sf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOUR = 3_600_000;
const FIELDS = ['TossUp_Flag__c', 'TossUp_Next_Action__c', 'TossUp_Reason__c', 'LastModifiedDate'] as const;

/** large, with a two-day campaign from tomorrow (11/21–11/22 JST) and strategic holds expiring after 3 days. */
function rules() {
  return flashCampaignRules((rs) => {
    rs.rules = rs.rules.map((r) => (r.id === 'strategic_target' ? { ...r, holdExpiresAfter: '3 days' } : r));
  });
}

describe('re-checks on Salesforce (emulator clock, no CRM change)', () => {
  it('campaign start tosses up, campaign end withdraws nothing, a hold expires into nurture on time', async () => {
    const { emu, routing } = await worldOrg(10);
    // Fit score 60 (1,500 employees, 取締役, 東京都); behaviour is the Account Engagement score.
    const lead = (fields: Record<string, unknown>) =>
      insertLead(emu, T0 - HOUR, { Title: '取締役', NumberOfEmployees: 1500, State: '東京都', ...fields });
    const campaignOnly = lead({ pi__score__c: 35 }); // 35 < 40, ≥ 30 during the campaign
    const cold = lead({ pi__score__c: 10 });
    const strategic = lead({ pi__score__c: 90, Strategic_Target__c: true });
    const hot = lead({ pi__score__c: 50 });

    const connector = await connect(emu);
    const dir = join(root, 'state');
    const compiled = rules();
    const rechecks = new FileRecheckStore(dir);
    const base = () => {
      const options = syncOptions(emu, connector, routing, { rules: compiled });
      return {
        ...options,
        state: new FileStateStore(dir, { clock: options.clock }),
        routingState: new FileRoutingState(dir, { clock: options.clock }),
      };
    };
    const record = (id: string) => emu.store.get('Lead', id)!;
    const snapshot = (id: string) => Object.fromEntries(FIELDS.map((f) => [f, record(id)[f]]));
    const tasksOf = (id: string) => emu.store.all('Task').filter((t) => t.TossUp_Key__c && t.WhoId === id);
    const sweepAt = async (iso: string) => {
      emu.clock.pin(iso);
      const o = base();
      return recheckDueLeads({
        store: rechecks,
        lookup: leadLookupOf(connector)!,
        now: new Date(emu.clock.now()),
        pipeline: {
          crm: connector.crm,
          sink: connector.sink,
          rules: compiled,
          renderer: o.renderer,
          routing: o.routing,
          routingState: o.routingState,
          sla: o.sla,
          state: o.state,
          recordUrl: (l) => connector.recordUrl(l),
          scope: 'recheck|salesforce|default',
        },
      });
    };

    // Friday 11/20 10:00 JST: the sync decides and schedules each lead's next re-check.
    const sync = await runSync({ ...base(), rechecks });
    expect(sync.stop).toBeNull();
    expect([campaignOnly, cold, strategic, hot].map((id) => record(id).TossUp_Flag__c)).toEqual([
      'いいえ',
      'いいえ',
      '一時保留',
      'はい',
    ]);
    const due = await rechecks.getMany('salesforce', [
      { objectType: 'Lead', leadId: campaignOnly },
      { objectType: 'Lead', leadId: cold },
      { objectType: 'Lead', leadId: strategic },
    ]);
    expect(due.get(`Lead|${campaignOnly}`)?.recheckAt).toBe('2026-11-20T15:00:00.000Z'); // 11/21 00:00 JST
    // The campaign changes nothing for it: no re-check, only the fingerprint of its decision inputs.
    expect(due.get(`Lead|${cold}`)).toMatchObject({ recheckAt: null, holdSince: null });
    expect(due.get(`Lead|${cold}`)?.inputs).toEqual(expect.any(String));
    expect(due.get(`Lead|${strategic}`)).toMatchObject({
      holdSince: '2026-11-20T01:00:00.000Z',
      recheckAt: '2026-11-23T01:00:00.000Z',
    });
    const coldBefore = snapshot(cold);

    // Just before the campaign: nothing is due for these leads.
    const early = await sweepAt('2026-11-20T14:59:00.000Z');
    expect(early.handOffs).toBe(0);
    expect(record(campaignOnly).TossUp_Flag__c).toBe('いいえ');

    // 11/21 00:05 JST: the campaign has started. No record was changed in the CRM.
    const opened = await sweepAt('2026-11-20T15:05:00.000Z');
    expect(opened.stop).toBeNull();
    expect(opened.handOffs).toBeGreaterThanOrEqual(1);
    expect(record(campaignOnly).TossUp_Flag__c).toBe('はい');
    expect(record(campaignOnly).TossUp_Reason__c).toContain('週末キャンペーン');
    expect(tasksOf(campaignOnly)).toHaveLength(1);
    expect(snapshot(cold)).toEqual(coldBefore);

    // 11/23 00:05 JST: the campaign is over. The re-check would say no, but sales keep the hand-off.
    const closed = await sweepAt('2026-11-22T15:05:00.000Z');
    expect(closed.stop).toBeNull();
    expect(closed.kept).toBeGreaterThanOrEqual(1);
    expect(record(campaignOnly).TossUp_Flag__c).toBe('はい');
    expect(tasksOf(campaignOnly)).toHaveLength(1);
    expect(tasksOf(campaignOnly)[0]!.Status).not.toBe('Completed');
    expect(record(strategic).TossUp_Flag__c).toBe('一時保留'); // 3 days are not over until 10:00

    // 11/23 09:59 JST: still on hold; 10:00 JST: three days on hold → nurture.
    await sweepAt('2026-11-23T00:59:00.000Z');
    expect(record(strategic).TossUp_Flag__c).toBe('一時保留');
    const expired = await sweepAt('2026-11-23T01:00:00.000Z');
    expect(expired.holdsExpired).toBeGreaterThanOrEqual(1); // the world's strategic leads too
    expect(record(strategic)).toMatchObject({ TossUp_Flag__c: 'いいえ', TossUp_Next_Action__c: 'nurture' });
    expect(record(strategic).TossUp_Reason__c).toMatch(/^保留期限 2026-11-23 経過 \(保留開始 2026-11-20\)/);

    // A sync later (the lead changed for another reason) keeps it expired: the hold's start is kept.
    emu.store.update(
      'Lead',
      strategic,
      { Description: 'touched' },
      { at: Date.parse('2026-11-24T01:00:00Z') },
    );
    emu.clock.pin('2026-11-24T01:05:00.000Z');
    const resync = await runSync({ ...base(), rechecks });
    expect(resync.stop).toBeNull();
    expect(record(strategic).TossUp_Flag__c).toBe('いいえ');
  });
});

describe('re-checks as the second phase of runSweep', () => {
  it('one sweep run: SLA checks, then the due re-checks, in one report and summary', async () => {
    const { emu, routing } = await worldOrg(10);
    const campaignOnly = insertLead(emu, T0 - HOUR, {
      Title: '取締役',
      NumberOfEmployees: 1500,
      State: '東京都',
      pi__score__c: 35,
    });
    const connector = await connect(emu);
    const dir = join(root, 'sweep-state');
    const compiled = rules();
    const rechecks = new FileRecheckStore(dir);
    const episodes = new FileEpisodeStore(dir);
    const options = syncOptions(emu, connector, routing, { rules: compiled });
    const state = new FileStateStore(dir, { clock: options.clock });
    const routingState = new FileRoutingState(dir, { clock: options.clock });
    const schedule = (ep: Parameters<typeof nextCheckAt>[0]) => nextCheckAt(ep, options.sla);
    expect(
      (await runSync({ ...options, state, routingState, rechecks, episodes: { store: episodes, schedule } }))
        .stop,
    ).toBeNull();
    expect(emu.store.get('Lead', campaignOnly)!.TossUp_Flag__c).toBe('いいえ');

    emu.clock.pin('2026-11-20T15:05:00.000Z');
    const report = await runSweep({
      crmName: 'salesforce',
      episodes,
      crm: connector.episodes!,
      sla: options.sla,
      routing,
      routingState,
      clock: { now: () => new Date(emu.clock.now()) },
      rechecks: {
        store: rechecks,
        lookup: leadLookupOf(connector)!,
        pipeline: {
          crm: 'salesforce',
          sink: connector.sink,
          rules: compiled,
          renderer: options.renderer,
          routing,
          routingState,
          sla: options.sla,
          state,
          scope: 'recheck|salesforce|default',
          episodes: { store: episodes, schedule },
        },
      },
    });
    expect(report.stop).toBeNull();
    expect(report.rechecks).toMatchObject({ handOffs: expect.any(Number), stop: null });
    expect(report.rechecks!.handOffs).toBeGreaterThanOrEqual(1);
    expect(emu.store.get('Lead', campaignOnly)!.TossUp_Flag__c).toBe('はい');
    // The new hand-off is an episode the next SLA sweep watches.
    const key = String(emu.store.get('Lead', campaignOnly)!.TossUp_Decision_Key__c);
    expect((await episodes.get(key))?.episode.status).toBe('open');
    expect(renderSweepSummary(report, 'ja')).toContain('再判定 (時間経過)');
  });
});
