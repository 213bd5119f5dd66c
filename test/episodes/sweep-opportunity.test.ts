import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDeal, createDeal } from '../../emulators/hubspot/index.ts';
import { executeSweep } from '../../src/cli/commands/sweep.ts';
import type { Episode } from '../../src/episodes/episode.ts';
import { ExitCode } from '../../src/pipeline/failure-policy.ts';
import { FileOutcomeStore } from '../../src/state/file-outcome-store.ts';
import type { SweepReport } from '../../src/sweep/sweep-report.ts';
import { CRMS, type Crm, type CrmUnderTest, FaultLab } from '../faults/lab.ts';
import { episodesOf, sync, tossUpOf } from './crm-episodes-kit.ts';

/**
 * Issue 14, "Must show" (the opportunity part), on both emulated CRMs through `tossup sync` and
 * `tossup sweep` (real jsforce / @hubspot/api-client over HTTP, file stores): a toss-up converts (a
 * Salesforce Lead converted with an opportunity; a HubSpot deal for the contact) → the opportunity flag
 * is set once, the episode closes with reason opportunity and the outcome is recorded; a lead the rules
 * said no to gets an opportunity anyway → recorded as an opportunity without a toss-up, no flag; the
 * opportunity lost later → its reason on the episode and the outcome.
 */

const workDir = mkdtempSync(join(tmpdir(), 'tossup-sweep-opportunity-'));
const lab = new FaultLab({ leads: 80, seed: 14, workDir });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const sink = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

async function sweep(cut: CrmUnderTest, crm: Crm): Promise<SweepReport> {
  cut.advanceClock();
  const run = await executeSweep(
    { crm },
    { env: { ...cut.env(), NO_COLOR: '1' }, stdout: sink(), stderr: sink(), profileFiles: [] },
  );
  expect(run.exitCode).toBe(ExitCode.Ok);
  return run.report!;
}

/** The person converts: an opportunity in the CRM for this lead. Returns the opportunity id. */
function convert(cut: CrmUnderTest, leadId: string): { opportunityId: string; flagHolder: string } {
  if (cut.handle.kind === 'salesforce') {
    const r = cut.handle.emulator.store.convertLead(leadId, { opportunity: { stageName: 'Qualification' } });
    return { opportunityId: r.opportunityId!, flagHolder: r.contactId };
  }
  return {
    opportunityId: createDeal(cut.handle.emulator.store, { contactId: leadId }).id,
    flagHolder: leadId,
  };
}

function loseIt(cut: CrmUnderTest, opportunityId: string): void {
  if (cut.handle.kind === 'salesforce')
    cut.handle.emulator.store.update('Opportunity', opportunityId, {
      StageName: 'Closed Lost',
      Loss_Reason__c: 'Price',
    });
  else closeDeal(cut.handle.emulator.store, opportunityId, { won: false, lostReason: 'Price' });
}

/** The opportunity flag and its date on the record that holds it. */
function flagOf(cut: CrmUnderTest, id: string): { flag: boolean; date: string | null } {
  if (cut.handle.kind === 'salesforce') {
    const rec = cut.handle.emulator.store.get('Contact', id) ?? cut.handle.emulator.store.get('Lead', id);
    return {
      flag: rec?.TossUp_Opportunity__c === true,
      date: (rec?.TossUp_Opportunity_Date__c as string) ?? null,
    };
  }
  const p = cut.handle.emulator.store.get('contacts', id)?.props;
  return { flag: p?.tossup_opportunity === 'true', date: p?.tossup_opportunity_date ?? null };
}

/** A lead the rules said no to, never handed off (Salesforce: a Lead, convertible). */
function noLead(cut: CrmUnderTest, handedOff: ReadonlySet<string>): string {
  const no = cut.handle.kind === 'salesforce' ? 'いいえ' : 'no';
  const ids =
    cut.handle.kind === 'salesforce'
      ? cut.handle.emulator.store.all('Lead').map((r) => String(r.Id))
      : cut.handle.emulator.store.list('contacts').map((r) => r.id);
  const id = ids.find((i) => !handedOff.has(i) && tossUpOf(cut, i).flag === no);
  if (!id) throw new Error('no lead with flag no');
  return id;
}

describe.each(CRMS)('%s: opportunity outcomes in tossup sweep', (crm: Crm) => {
  it('conversion → flag set once, episode closed as opportunity, outcome recorded; an opportunity without a toss-up is recorded as such', async () => {
    const cut = await lab.start(crm, 'opportunity');
    try {
      const first = await sync(cut);
      expect(first.code, first.output).toBe(0);
      const episodes = [...episodesOf(cut).values()].map((s) => s.episode);
      const tossUp = episodes.find((e) => e.objectType !== 'Contact') as Episode;
      expect(tossUp).toBeDefined();
      const untouched = noLead(cut, new Set(episodes.map((e) => e.leadId)));
      // The opportunities already in the CRM are read by the first sweep (no cursor yet).
      const baseline = await sweep(cut, crm);
      expect(baseline.opportunities).toBeDefined();

      cut.advanceClock(60_000);
      const won = convert(cut, tossUp.leadId);
      const anyway = convert(cut, untouched);
      const report = await sweep(cut, crm);
      if (crm === 'salesforce') {
        // The conversion made the Contact as the converting user, after the sync's cursor: the flag
        // waits until a sync has read that change (no echo), then the next sweep writes it.
        expect(report.opportunities).toMatchObject({
          episodesWon: 0,
          flagsSet: 0,
          heldForSync: 1,
          withoutTossUp: 1,
          failed: 0,
        });
        expect(flagOf(cut, won.flagHolder).flag).toBe(false);
        const between = await sync(cut);
        expect(between.code, between.output).toBe(0);
        const after = await sweep(cut, crm);
        expect(after.opportunities).toMatchObject({ episodesWon: 1, flagsSet: 1, heldForSync: 0, failed: 0 });
      } else {
        expect(report.opportunities).toMatchObject({
          episodesWon: 1,
          flagsSet: 1,
          withoutTossUp: 1,
          failed: 0,
        });
      }

      const ep = episodesOf(cut).get(tossUp.key)!.episode;
      expect(ep).toMatchObject({ status: 'closed', closeReason: 'opportunity', nextCheckAt: null });
      expect(ep.opportunity).toMatchObject({
        id: won.opportunityId,
        source: crm === 'salesforce' ? 'lead_conversion' : 'deal_association',
        stage: 'open',
      });
      const flag = flagOf(cut, won.flagHolder);
      expect(flag.flag).toBe(true);
      expect(flag.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(flagOf(cut, anyway.flagHolder).flag).toBe(false);

      const outcomes = new FileOutcomeStore(join(cut.dir, 'state'));
      const records = await outcomes.list(crm);
      expect(records.find((o) => o.opportunityId === won.opportunityId)).toMatchObject({
        leadId: tossUp.leadId,
        episodeKey: tossUp.key,
        stage: 'open',
      });
      expect(records.find((o) => o.opportunityId === anyway.opportunityId)).toMatchObject({
        leadId: untouched,
        episodeKey: null,
        flagAtOpportunity: 'no',
      });

      // Once: a second sweep sets nothing again, records no second outcome event.
      const again = await sweep(cut, crm);
      expect(again.opportunities).toMatchObject({ opportunities: 0, flagsSet: 0, episodesWon: 0 });
      expect(
        episodesOf(cut)
          .get(tossUp.key)!
          .episode.events.filter((e) => e.type === 'opportunity'),
      ).toHaveLength(1);

      // Lost later: the reason is on the episode's opportunity and on the outcome record.
      cut.advanceClock(60_000);
      loseIt(cut, won.opportunityId);
      const lost = await sweep(cut, crm);
      expect(lost.opportunities).toMatchObject({ closedLost: 1, flagsSet: 0 });
      expect(episodesOf(cut).get(tossUp.key)!.episode.opportunity).toMatchObject({
        stage: 'lost',
        lostReason: 'Price',
      });
      expect((await outcomes.list(crm)).find((o) => o.opportunityId === won.opportunityId)).toMatchObject({
        stage: 'lost',
        lostReason: 'Price',
        episodeKey: tossUp.key,
      });
    } finally {
      await cut.close();
    }
  });
});
