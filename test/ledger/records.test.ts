import { describe, expect, it } from 'vitest';
import { type EpisodeEvent, episodeEvent } from '../../src/episodes/episode.ts';
import { decisionRecord } from '../../src/ledger/decision-record.ts';
import { eventRecord } from '../../src/ledger/event-record.ts';
import { decideWithDataIssues } from '../../src/scoring/data-issues.ts';
import { foldOrThrow } from '../episodes/episode-kit.ts';
import { hotLead, NOW, rules, sla } from '../pipeline/pipeline-fixtures.ts';
import { allText, ledgerRows, localLedgerAt } from './ledger-kit.ts';

const handedOff = (
  at: string,
  nextAction: 'field_sales_tossup' | 'inside_sales_follow_up' = 'field_sales_tossup',
) =>
  episodeEvent({
    type: 'handed_off',
    at,
    cause: 'rule',
    crm: 'salesforce',
    leadId: 'L1',
    objectType: 'Lead',
    nextAction,
    owner: { id: '005A', key: 'u001' },
    taskId: '00T1',
    lead: { name: '佐藤 花子', company: '株式会社サンプル' },
  });

function recordOf(events: EpisodeEvent[]) {
  const ep = foldOrThrow('tu_1', events);
  return eventRecord(ep, events.at(-1)!, sla);
}

describe('event records: the response time on the SLA clock, worked out by hand', () => {
  it('handed off Friday 17:00 JST, answered Monday 10:00 JST: 2 business hours of 9 allowed, on time', () => {
    // Fri 2026-11-27 17:00–18:00 (1 h) + Mon 2026-11-30 09:00–10:00 (1 h); field sales: 1 business day = 9 h.
    const r = recordOf([
      handedOff('2026-11-27T08:00:00.000Z'),
      episodeEvent({
        type: 'first_response',
        at: '2026-11-30T01:00:00.000Z',
        cause: 'rep',
        activity: 'call',
      }),
    ]);
    expect(r).toMatchObject({
      event_type: 'first_response',
      activity: 'call',
      response_hours: 2,
      response_unit: 'businessHours',
      allowed_hours: 9,
      on_time: true,
      owner_key: 'u001',
      dt: '2026-11-30',
    });
  });

  it('every event row carries when the first-response SLA runs out: 9 business hours after the hand-off', () => {
    // Fri 17:00 JST + 9 business hours: Fri 17–18 (1 h) + Mon 09–17 (8 h) → Mon 2026-11-30 17:00 JST.
    expect(recordOf([handedOff('2026-11-27T08:00:00.000Z')]).due_at).toBe('2026-11-30T08:00:00.000Z');
    // A one-hour hold on Monday 10:00–11:00 JST moves it an hour later.
    const held = recordOf([
      handedOff('2026-11-27T08:00:00.000Z'),
      episodeEvent({ type: 'hold_started', at: '2026-11-30T01:00:00.000Z', cause: 'rule' }),
      episodeEvent({ type: 'hold_ended', at: '2026-11-30T02:00:00.000Z', cause: 'rule' }),
    ]);
    expect(held.due_at).toBe('2026-11-30T09:00:00.000Z');
  });

  it('handed off Tuesday 10:00 JST, answered Wednesday 12:00 JST: 8 + 3 = 11 business hours, late', () => {
    const r = recordOf([
      handedOff('2026-12-01T01:00:00.000Z'),
      episodeEvent({ type: 'task_completed', at: '2026-12-02T03:00:00.000Z', cause: 'rep' }),
    ]);
    expect(r).toMatchObject({ response_hours: 11, allowed_hours: 9, on_time: false });
  });

  it('a completed task after an earlier response is not a second response; other events carry no time', () => {
    const events = [
      handedOff('2026-12-01T01:00:00.000Z'),
      episodeEvent({
        type: 'first_response',
        at: '2026-12-01T02:00:00.000Z',
        cause: 'rep',
        activity: 'email',
      }),
      episodeEvent({ type: 'task_completed', at: '2026-12-01T05:00:00.000Z', cause: 'rep' }),
    ];
    expect(recordOf(events)).toMatchObject({
      event_type: 'task_completed',
      response_hours: null,
      on_time: null,
    });
    expect(recordOf(events.slice(0, 1))).toMatchObject({ event_type: 'handed_off', response_hours: null });
  });

  it('outcomes: a sent-back verdict and an opportunity close the episode; a lost reason is kept, masked', () => {
    const start = handedOff('2026-12-01T01:00:00.000Z');
    const sentBack = episodeEvent({
      type: 'verdict',
      at: '2026-12-02T01:00:00.000Z',
      cause: 'rep',
      result: 'sent_back',
      sentBackReason: 'too_early',
    });
    expect(recordOf([start, sentBack])).toMatchObject({
      event_type: 'verdict',
      verdict_result: 'sent_back',
      sent_back_reason: 'too_early',
      close_reason: 'sent_back',
    });
    const opportunity = episodeEvent({
      type: 'opportunity',
      at: '2026-12-03T01:00:00.000Z',
      cause: 'crm_change',
      opportunityId: '006A',
      source: 'contact_role',
    });
    expect(recordOf([start, opportunity])).toMatchObject({
      close_reason: 'opportunity',
      opportunity_id: '006A',
    });
    const lost = episodeEvent({
      type: 'opportunity_closed',
      at: '2026-12-20T01:00:00.000Z',
      cause: 'crm_change',
      opportunityId: '006A',
      won: false,
      lostReason: 'price; ask sato@example.com',
    });
    const r = recordOf([start, opportunity, lost]);
    expect(r).toMatchObject({ opportunity_won: false, opportunity_id: '006A' });
    expect(r.lost_reason).toMatch(/^price; ask /);
    expect(r.lost_reason).not.toContain('sato@example.com');
  });

  it('the same step gives the same record id, another step another', () => {
    const a = recordOf([handedOff('2026-12-01T01:00:00.000Z')]);
    const b = recordOf([handedOff('2026-12-01T01:00:00.000Z')]);
    const c = recordOf([
      handedOff('2026-12-01T01:00:00.000Z'),
      episodeEvent({ type: 'closed', at: '2026-12-02T01:00:00.000Z', cause: 'rep', reason: 'sent_back' }),
    ]);
    expect(a.record_id).toBe(b.record_id);
    expect(c.record_id).not.toBe(a.record_id);
    expect(c).toMatchObject({ close_reason: 'sent_back' });
  });
});

/**
 * Issue 15, "Must show": no personal data in the ledger. A lead and an episode carrying names, e-mail
 * addresses and phone numbers everywhere a CRM could put them go through the record builders into
 * the ledger's files, and none of those values is found there.
 */
describe('no personal data in the ledger files', () => {
  const PERSONAL = [
    '佐藤 花子',
    'Hanako Sato',
    'hanako.sato@example.co.jp',
    'sato@example.com',
    '03-1234-5678',
    '090-1234-5678',
    '+81 90 1234 5678',
    '株式会社サンプル',
  ];

  it('decision and event records of a lead full of personal data hold none of it', async () => {
    const lead = hotLead('L1', {
      company: { name: '株式会社サンプル', employees: 1200, industry: 'manufacturing', region: '東京都' },
      person: {
        name: '佐藤 花子',
        title: '取締役 (携帯 090-1234-5678)',
        titleRank: 'officer',
        department: '情報システム部 hanako.sato@example.co.jp',
        emailDomain: 'example.co.jp',
      },
      hearing: {
        heardAt: NOW,
        budget: 'yes',
        decisionMaker: 'yes',
        decisionInvolved: 'yes',
        clearProblem: 'yes',
        timelineMonths: 3,
        notes: 'Hanako Sato, call 03-1234-5678 or sato@example.com',
      },
      activities: [{ type: 'inquiry', at: NOW, source: 'form from sato@example.com, tel +81 90 1234 5678' }],
      dataIssues: [{ field: 'company.revenueJpy', raw: '03-1234-5678', problem: 'unparseable' }],
      current: {
        flag: null,
        reason: 'Hanako Sato asked',
        nextAction: null,
        attributeScore: null,
        behaviourScore: null,
        dueAt: null,
        decisionKey: null,
        feedback: { result: 'accepted', sentBackReason: null, note: '佐藤 花子 03-1234-5678' },
      },
    });
    const decision = decideWithDataIssues(lead, rules, new Date(NOW));
    const d = decisionRecord({
      lead,
      decision,
      fields: { flag: decision.flag, reason: 'x' },
      episodeKey: 'tu_1',
      newEpisode: true,
      taskOwner: { id: '005A', key: 'u001' },
    });
    const e = eventRecord(foldOrThrow('tu_1', [handedOff(NOW)]), handedOff(NOW), sla);

    const l = localLedgerAt();
    await l.ledger.append([d, e]);
    expect(ledgerRows(l.stateDir)).toHaveLength(2);
    const text = allText(l.stateDir);
    for (const value of PERSONAL) expect(text).not.toContain(value);
    for (const value of ['090', '1234-5678', '@example.com', 'hanako']) expect(text).not.toContain(value);
    // What the rules read is still there.
    expect(JSON.parse(d.facts_json)).toMatchObject({
      company: { employees: 1200, industry: 'manufacturing' },
      person: { titleRank: 'officer', emailDomain: 'example.co.jp' },
      hearing: { budget: 'yes', timelineMonths: 3 },
    });
  });
});
