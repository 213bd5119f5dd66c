import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/commands/sweep.ts';
import { FailureKind } from '../../src/domain/errors.ts';
import type { OpportunityCrm } from '../../src/ports/opportunity-crm.ts';
import { MemoryOutcomeStore } from '../../src/state/file-outcome-store.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { type Kit, sweepKit, T } from './sweep-kit.ts';

/**
 * runSweep with the opportunity phase: it runs before the SLA checks, so an episode that became an
 * opportunity gets no reminder; a failing phase counts as a failure (exit 3) but the SLA work goes on.
 */

let kit: Kit;
afterEach(() => kit?.cleanup());

function crmWith(leadId: string, key: string, failFlags = false): OpportunityCrm {
  return {
    async *readChanged() {
      yield {
        opportunities: 1,
        cursor: { modifiedAt: T.handOff, idsAtModifiedAt: ['OPP1'] },
        links: [
          {
            opportunity: {
              id: 'OPP1',
              stage: 'open',
              createdAt: T.beforeRemind,
              closedAt: null,
              lostReason: null,
            },
            source: 'lead_conversion',
            leadId,
            objectType: 'Lead',
            decisionKey: key,
            flag: 'yes',
            opportunityFlagged: false,
          },
        ],
      };
    },
    async writeFlags(updates) {
      return updates.map((u) =>
        failFlags
          ? {
              ok: false,
              id: u.id,
              kind: FailureKind.Transient,
              code: 'UNABLE_TO_LOCK_ROW',
              message: 'locked',
            }
          : { ok: true, id: u.id },
      );
    },
  };
}

describe('runSweep: the opportunity phase', () => {
  it('closes the converted toss-up before its ladder: no reminder for it, the other one is reminded', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    await kit.handOff('tu_2', '00Q2');
    const report = await kit.sweep(T.afterRemind, {
      opportunities: {
        crm: crmWith('00Q1', 'tu_1'),
        outcomes: new MemoryOutcomeStore(),
        state: new MemoryStateStore(),
        cursorKey: 'opportunities:salesforce:default',
      },
    });
    expect(report.opportunities).toMatchObject({ episodesWon: 1, flagsSet: 1 });
    expect(report.counts.reminders).toBe(1);
    expect((await kit.store.get('tu_1'))!.episode).toMatchObject({
      status: 'closed',
      closeReason: 'opportunity',
    });
    expect(exitCodeOf(report)).toBe(0);
  });

  it('a failing phase is counted (exit 3) and the SLA checks still run', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    const report = await kit.sweep(T.afterRemind, {
      opportunities: {
        crm: crmWith('00Q1', 'tu_1', true),
        outcomes: new MemoryOutcomeStore(),
        state: new MemoryStateStore(),
        cursorKey: 'opportunities:salesforce:default',
      },
    });
    expect(report.opportunities?.stop?.code).toBe('opportunity_write_failed');
    expect(report.counts.reminders).toBe(1);
    expect(report.stop).toBeNull();
    expect(exitCodeOf(report)).toBe(3);
  });
});
