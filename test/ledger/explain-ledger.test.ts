import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { episodeEvent } from '../../src/episodes/episode.ts';
import { decisionRecord } from '../../src/ledger/decision-record.ts';
import { eventRecord } from '../../src/ledger/event-record.ts';
import { leadFacts } from '../../src/ledger/lead-facts.ts';
import { decideWithDataIssues } from '../../src/scoring/data-issues.ts';
import { foldOrThrow } from '../episodes/episode-kit.ts';
import { coldLead, hotLead, rules, sla } from '../pipeline/pipeline-fixtures.ts';
import { localLedgerAt } from './ledger-kit.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const run = promisify(execFile);

/**
 * `tossup explain --lead <id> --at <time>` as a process, on a ledger holding two decisions of one
 * lead (a "no" on 11-20, a toss-up on 11-25 handed off and answered on 11-26).
 */
async function ledgerWithHistory() {
  const l = localLedgerAt();
  const cold = coldLead('00Q1');
  const noAt = new Date('2026-11-20T01:00:00.000Z');
  const no = decisionRecord({
    lead: cold,
    decision: decideWithDataIssues(cold, rules, noAt),
    fields: { flag: 'no' },
    episodeKey: null,
    newEpisode: false,
  });
  const hot = hotLead('00Q1', { modifiedAt: '2026-11-25T00:59:00.000Z' });
  const yesAt = new Date('2026-11-25T01:00:00.000Z');
  const decision = decideWithDataIssues(hot, rules, yesAt);
  const yes = decisionRecord({
    lead: hot,
    decision,
    fields: { flag: 'yes', decisionKey: 'tu_X' },
    episodeKey: 'tu_X',
    newEpisode: true,
    taskOwner: { id: '005A', key: 'u001' },
  });
  const handedOff = episodeEvent({
    type: 'handed_off',
    at: yesAt.toISOString(),
    cause: 'rule',
    crm: 'salesforce',
    leadId: '00Q1',
    objectType: 'Lead',
    nextAction: decision.nextAction,
    owner: { id: '005A', key: 'u001' },
    taskId: null,
  });
  const answered = episodeEvent({
    type: 'first_response',
    at: '2026-11-26T02:00:00.000Z',
    cause: 'rep',
    activity: 'call',
  });
  const ep = foldOrThrow('tu_X', [handedOff, answered]);
  await l.ledger.append([no, yes, eventRecord(ep, handedOff, sla), eventRecord(ep, answered, sla)]);
  return { stateDir: l.stateDir, no, yes, hot };
}

const explain = (stateDir: string, ...args: string[]) =>
  run(process.execPath, [MAIN, 'explain', '--state-dir', stateDir, '--rules', 'large', ...args], {
    env: { PATH: process.env.PATH },
  });

describe('tossup explain --lead --at (from the ledger)', () => {
  it('names the decision in force then, its reasons, rule-set version and what happened since', async () => {
    const { stateDir, no, yes, hot } = await ledgerWithHistory();

    const before = await explain(
      stateDir,
      '--lead',
      '00Q1',
      '--at',
      '2026-11-22T10:00:00+09:00',
      '--locale',
      'en',
    );
    expect(before.stdout).toContain(`decision ${no.decided_at}: no → ${no.next_action}`);
    expect(before.stdout).toContain(`rules version ${no.rules_version}`);
    expect(before.stdout).toContain(`  - ${no.primary_reason} `);

    const after = await explain(
      stateDir,
      '--lead',
      '00Q1',
      '--at',
      '2026-11-27T10:00:00+09:00',
      '--locale',
      'en',
    );
    expect(after.stdout).toContain(`decision ${yes.decided_at}: yes → ${yes.next_action}`);
    expect(after.stdout).toContain(`by rule "${yes.rule_id}"`);
    expect(after.stdout).toContain('episode: tu_X');
    expect(after.stdout).toMatch(/2026-11-25T01:00:00\.000Z handed_off/);
    expect(after.stdout).toMatch(
      // Wed 10:00 → Thu 11:00 JST: 8 + 2 = 10 business hours, one more than field sales' 9.
      /2026-11-26T02:00:00\.000Z first_response {2}call {2}10 businessHours late {2}u001/,
    );

    const json = JSON.parse(
      (await explain(stateDir, '--lead', '00Q1', '--at', '2026-11-25T10:00:00+09:00', '--json')).stdout,
    );
    expect(json.decision).toMatchObject({
      record_id: yes.record_id,
      flag: 'yes',
      facts: { company: { employees: 1200 } },
    });
    expect(json.decision.reasons).toEqual(JSON.parse(yes.reasons_json));
    // The facts whole, as the lead's: what the row's compact facts_json leaves out is filled in.
    expect(json.decision.facts).toEqual(leadFacts(hot));
    expect(json.events.map((e: { event_type: string }) => e.event_type)).toEqual(['handed_off']);
  });

  it('says so, exit 1, when nothing was recorded for the lead by then', async () => {
    const { stateDir } = await ledgerWithHistory();
    const r = await explain(
      stateDir,
      '--lead',
      '00Q1',
      '--at',
      '2026-11-01T00:00:00Z',
      '--locale',
      'en',
    ).catch((e: { code: number; stdout: string }) => e);
    expect(r).toMatchObject({ code: 1 });
    expect((r as { stdout: string }).stdout).toMatch(
      /no decision recorded for lead 00Q1 at or before 2026-11-01T00:00:00.000Z/,
    );
  });
});
