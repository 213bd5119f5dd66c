import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FailureKind } from '../../src/domain/errors.ts';
import type { OpportunityFact } from '../../src/domain/opportunity.ts';
import { episodeEvent } from '../../src/episodes/episode.ts';
import type { WriteOutcome } from '../../src/ports/lead-sink.ts';
import type { SyncCursor } from '../../src/ports/lead-source.ts';
import type {
  OpportunityCrm,
  OpportunityFlagUpdate,
  OpportunityLink,
  OpportunityPage,
} from '../../src/ports/opportunity-crm.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { MemoryOutcomeStore } from '../../src/state/file-outcome-store.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { opportunityCursorKey, runOpportunityPhase } from '../../src/sweep/opportunity-phase.ts';

/**
 * The opportunity phase against a scripted CRM side and real stores: attribution to the toss-up
 * episode, the flag set once, the events, outcome records with and without a toss-up, the cursor.
 */

const root = mkdtempSync(join(tmpdir(), 'tossup-opportunity-phase-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HANDED_OFF = '2026-12-01T01:00:00.000Z';
const NOW = new Date('2026-12-03T01:00:00.000Z');

/** A CRM whose change stream is `pages` after the cursor position (by index), and whose flag writes can fail. */
class ScriptedCrm implements OpportunityCrm {
  pages: OpportunityLink[][] = [];
  flagged = new Map<string, string>();
  failFlags = false;
  reads: (SyncCursor | null)[] = [];

  async *readChanged(options: { since: SyncCursor | null }): AsyncIterable<OpportunityPage> {
    this.reads.push(options.since);
    const start = options.since ? Number(options.since.modifiedAt.slice(-1)) : 0;
    for (let i = start; i < this.pages.length; i++) {
      const links = this.pages[i]!.map((l) => {
        const target = l.flagTarget?.id ?? l.leadId;
        return { ...l, opportunityFlagged: this.flagged.has(target) || l.opportunityFlagged };
      });
      yield {
        links,
        opportunities: new Set(links.map((l) => l.opportunity.id)).size,
        cursor: { modifiedAt: `2026-12-02T00:00:0${i + 1}`, idsAtModifiedAt: [] },
      };
    }
  }

  async writeFlags(updates: readonly OpportunityFlagUpdate[]): Promise<WriteOutcome[]> {
    return updates.map((u) => {
      if (this.failFlags)
        return {
          ok: false,
          id: u.id,
          kind: FailureKind.Transient,
          code: 'UNABLE_TO_LOCK_ROW',
          message: 'locked',
        };
      this.flagged.set(u.id, u.at);
      return { ok: true, id: u.id };
    });
  }
}

function opp(id: string, createdAt: string, extra: Partial<OpportunityFact> = {}): OpportunityFact {
  return { id, stage: 'open', createdAt, closedAt: null, lostReason: null, ...extra };
}

function link(leadId: string, o: OpportunityFact, extra: Partial<OpportunityLink> = {}): OpportunityLink {
  return {
    opportunity: o,
    source: 'lead_conversion',
    leadId,
    objectType: 'Lead',
    decisionKey: null,
    flag: null,
    opportunityFlagged: false,
    ...extra,
  };
}

async function setup() {
  const dir = join(root, `s${++n}`);
  const episodes = new FileEpisodeStore(dir);
  await episodes.recordStep(
    'tu_a',
    episodeEvent({
      type: 'handed_off',
      at: HANDED_OFF,
      cause: 'rule',
      crm: 'salesforce',
      leadId: 'L1',
      objectType: 'Lead',
      nextAction: 'field_sales_tossup',
      owner: { id: 'U1' },
      taskId: 'T1',
    }),
    () => '2026-12-01T02:00:00.000Z',
  );
  const crm = new ScriptedCrm();
  const outcomes = new MemoryOutcomeStore();
  const state = new MemoryStateStore();
  const run = (extra: { dryRun?: boolean } = {}) =>
    runOpportunityPhase({
      crmName: 'salesforce',
      crm,
      episodes,
      outcomes,
      state,
      cursorKey: opportunityCursorKey('salesforce', 'default'),
      schedule: () => null,
      now: NOW,
      ...extra,
    });
  return { episodes, crm, outcomes, state, run };
}

describe('opportunity phase', () => {
  it('conversion after the toss-up: flag set once (on the converted contact), episode closed as opportunity, outcome recorded', async () => {
    const { episodes, crm, outcomes, run } = await setup();
    const o = opp('OPP1', '2026-12-02T03:00:00.000Z');
    crm.pages = [
      [link('L1', o, { decisionKey: 'tu_a', flag: 'yes', flagTarget: { id: 'C1', objectType: 'Contact' } })],
    ];
    const first = await run();
    expect(first).toMatchObject({
      opportunities: 1,
      links: 1,
      flagsSet: 1,
      episodesWon: 1,
      withoutTossUp: 0,
    });
    expect(first.stop).toBeNull();
    expect([...crm.flagged]).toEqual([['C1', '2026-12-02T03:00:00.000Z']]);
    const ep = (await episodes.get('tu_a'))!.episode;
    expect(ep).toMatchObject({ status: 'closed', closeReason: 'opportunity', nextCheckAt: null });
    expect(ep.opportunity).toMatchObject({ id: 'OPP1', source: 'lead_conversion', stage: 'open' });
    const [rec] = await outcomes.list('salesforce');
    expect(rec).toMatchObject({
      opportunityId: 'OPP1',
      leadId: 'L1',
      episodeKey: 'tu_a',
      flagAtOpportunity: 'yes',
    });

    // The same opportunity read again (a stage change, or the cursor not moved): nothing twice.
    crm.pages.push([
      link('L1', o, { decisionKey: 'tu_a', flag: 'yes', flagTarget: { id: 'C1', objectType: 'Contact' } }),
    ]);
    const again = await run();
    expect(again).toMatchObject({ flagsSet: 0, episodesWon: 0, outcomesWritten: 0 });
    expect((await episodes.get('tu_a'))!.episode.events.filter((e) => e.type === 'opportunity')).toHaveLength(
      1,
    );
  });

  it('closed lost later: recorded on the episode with its reason; the outcome keeps its first attribution', async () => {
    const { episodes, crm, outcomes, run } = await setup();
    crm.pages = [[link('L1', opp('OPP1', '2026-12-02T03:00:00.000Z'), { decisionKey: 'tu_a', flag: 'yes' })]];
    await run();
    // Later the lead was re-decided (another key) and the opportunity lost.
    const lost = opp('OPP1', '2026-12-02T03:00:00.000Z', {
      stage: 'lost',
      closedAt: '2026-12-02T00:00:00.000Z',
      lostReason: 'Price',
    });
    crm.pages.push([link('L1', lost, { decisionKey: 'tu_other', flag: 'no', opportunityFlagged: true })]);
    const r = await run();
    expect(r).toMatchObject({ closedLost: 0, outcomesWritten: 1 });
    const [rec] = await outcomes.list('salesforce');
    expect(rec).toMatchObject({
      stage: 'lost',
      lostReason: 'Price',
      episodeKey: 'tu_a',
      flagAtOpportunity: 'yes',
    });

    // With the key still the episode's, the closing is recorded on it.
    crm.pages.push([link('L1', lost, { decisionKey: 'tu_a', flag: 'yes', opportunityFlagged: true })]);
    const r2 = await run();
    expect(r2).toMatchObject({ closedLost: 1, flagsSet: 0 });
    expect((await episodes.get('tu_a'))!.episode.opportunity).toMatchObject({
      stage: 'lost',
      lostReason: 'Price',
    });
  });

  it('an opportunity without a toss-up is recorded as such, and flags nothing', async () => {
    const { crm, outcomes, run } = await setup();
    crm.pages = [
      [
        // Never tossed up (the rules said no).
        link('L9', opp('OPP9', '2026-12-02T03:00:00.000Z'), { flag: 'no' }),
        // Created before the lead's hand-off: not the toss-up's outcome.
        link('L1', opp('OPP0', '2026-11-30T03:00:00.000Z'), { decisionKey: 'tu_a', flag: 'yes' }),
      ],
    ];
    const r = await run();
    expect(r).toMatchObject({ withoutTossUp: 2, flagsSet: 0, episodesWon: 0 });
    expect(crm.flagged.size).toBe(0);
    const recs = await outcomes.list('salesforce');
    expect(recs.map((o) => [o.opportunityId, o.episodeKey, o.flagAtOpportunity]).sort()).toEqual([
      ['OPP0', null, 'yes'],
      ['OPP9', null, 'no'],
    ]);
  });

  it('a failed flag write records no step and leaves the cursor, so the next sweep does it', async () => {
    const { episodes, crm, state, run } = await setup();
    crm.pages = [[link('L1', opp('OPP1', '2026-12-02T03:00:00.000Z'), { decisionKey: 'tu_a', flag: 'yes' })]];
    crm.failFlags = true;
    const r = await run();
    expect(r.stop?.code).toBe('opportunity_write_failed');
    expect(r.samples[0]).toMatchObject({ leadId: 'L1', stage: 'flag', code: 'UNABLE_TO_LOCK_ROW' });
    expect((await episodes.get('tu_a'))!.episode.opportunity).toBeUndefined();
    expect(await state.getCursor(opportunityCursorKey('salesforce', 'default'))).toBeNull();
    crm.failFlags = false;
    const retry = await run();
    expect(retry).toMatchObject({ flagsSet: 1, episodesWon: 1 });
    expect(crm.reads).toEqual([null, null]);
    expect((await state.getCursor(opportunityCursorKey('salesforce', 'default')))?.cursor.modifiedAt).toBe(
      '2026-12-02T00:00:01',
    );
  });

  it('a dry run plans and writes nothing', async () => {
    const { episodes, crm, outcomes, state, run } = await setup();
    crm.pages = [[link('L1', opp('OPP1', '2026-12-02T03:00:00.000Z'), { decisionKey: 'tu_a', flag: 'yes' })]];
    const r = await run({ dryRun: true });
    expect(r).toMatchObject({ flagsSet: 1, episodesWon: 1, outcomesWritten: 1, cursor: null });
    expect(crm.flagged.size).toBe(0);
    expect((await episodes.get('tu_a'))!.episode.opportunity).toBeUndefined();
    expect(await outcomes.list('salesforce')).toEqual([]);
    expect(await state.getCursor(opportunityCursorKey('salesforce', 'default'))).toBeNull();
  });
});
