import type { DecisionRecord, EventRecord, LedgerRecord } from '../../src/ledger/ledger-record.ts';
import type { OpportunityOutcome } from '../../src/ports/outcome-store.ts';
import { decisionRow, eventRow, outcomeRow } from '../support/ledger-rows.ts';

/**
 * A hand-made ledger for the review: November 2026 in Tokyo (2026-10-31T15:00Z – 2026-11-30T15:00Z),
 * as of 2026-12-01T01:00Z (Tuesday 10:00 JST). Every number the review tests expect is worked out
 * from the story below, by hand, in the tests.
 *
 * Toss-ups (flag yes, new episode) decided in November:
 *   E1  L1  u001 rule hot            behaviour.high        65/45  webinar-nov               answered 2 h (on time), accepted, opportunity 11-10
 *   E2  L2  u001 rule hot            behaviour.high        72/55  webinar-nov, whitepaper   answered 18 h (late), sent back (no_budget)
 *   E3  L3  u002 rule enterprise     attribute.enterprise  85/20  —                         follow-up, due 11-04T05:00Z, never answered, reminded, reassigned to u003; open
 *   E4  L4  u002 rule hot            behaviour.high        61/41  whitepaper (HubSpot)      answered 1 h, lost (verdict)
 *   E6  L6  u001 rule campaign_boost behaviour.high        62/48  spring-expo               answered 4 h, opportunity 11-25, closed lost "price" 11-28;
 *                                                                                           L6 was decided hold on 11-06 (hearing.pending, 55/35) → missed, late
 *   E10 L10 u001 rule hot            behaviour.high        70/60  —                         11-30, due 12-01T00:00Z, unanswered, reminded; open, overdue < 1 day
 *   E11 L11 u001 rule hot            behaviour.high        66/42  —                         11-30, due 12-01T05:00Z (after as-of), unanswered; open, not due
 * Not toss-ups: L5 no (30/10); L7 no (40/12) but a person overrode it to yes (E7, u002, answered 6 h,
 * opportunity 11-18) → missed, override; L8 no (50/30), an opportunity without toss-up on 11-20 in the
 * outcome store → missed, no toss-up. L12 hold (45/25, strategic target): the rules handed it to IS /
 * sales planning (E12, u004, no SLA), which turned it into an opportunity on 11-26 → missed, checked.
 * L13: an opportunity without toss-up in the outcome store whose lead the ledger never decided → not
 * missed (nothing says the rules said no before it). E9: a toss-up of October, closed (expired) in November.
 */
export const PERIOD = {
  kind: 'month' as const,
  label: '2026-11',
  from: '2026-10-31T15:00:00.000Z',
  to: '2026-11-30T15:00:00.000Z',
  timeZone: 'Asia/Tokyo',
};
export const AS_OF = new Date('2026-12-01T01:00:00.000Z');

let n = 0;

const dec = (lead: string, decided_at: string, over: Partial<DecisionRecord>): DecisionRecord =>
  decisionRow({ record_id: `d_${lead}_${++n}`, lead_id: lead, decided_at, behaviour_score: 40, ...over });

const tossUp = (
  lead: string,
  episode: string,
  at: string,
  owner: string,
  attribute: number,
  behaviour: number,
  over: Partial<DecisionRecord> = {},
) =>
  dec(lead, at, {
    episode_key: episode,
    new_episode: true,
    owner_key: owner,
    owner_id: `005${owner}`,
    attribute_score: attribute,
    behaviour_score: behaviour,
    ...over,
  });

const ev = (episode: string, type: string, at: string, over: Partial<EventRecord> = {}): EventRecord =>
  eventRow({
    record_id: `e_${episode}_${++n}`,
    lead_id: `L${episode.slice(1)}`,
    episode_key: episode,
    event_type: type,
    step: `${type}@${at}`,
    event_at: at,
    owner_id: '005u001',
    due_at: null,
    ...over,
  });

/** An episode's rows: every row carries the episode's owner, next action and due instant, as the recorder does. */
function episode(
  key: string,
  owner: string,
  due: string | null,
  rows: [type: string, at: string, over?: Partial<EventRecord>][],
  base: Partial<EventRecord> = {},
): EventRecord[] {
  return rows.map(([type, at, over]) =>
    ev(key, type, at, { owner_key: owner, owner_id: `005${owner}`, due_at: due, ...base, ...over }),
  );
}

const response = (hours: number, allowed = 9) => ({
  response_hours: hours,
  response_unit: 'businessHours',
  allowed_hours: allowed,
  on_time: hours <= allowed,
});
const opportunity = { close_reason: 'opportunity', opportunity_id: '006X' };

export const RECORDS: LedgerRecord[] = [
  tossUp('L1', 'E1', '2026-11-02T01:00:00.000Z', 'u001', 65, 45, { sources: ['webinar-nov'] }),
  tossUp('L2', 'E2', '2026-11-03T01:00:00.000Z', 'u001', 72, 55, { sources: ['webinar-nov', 'whitepaper'] }),
  tossUp('L3', 'E3', '2026-11-04T01:00:00.000Z', 'u002', 85, 20, {
    rule_id: 'enterprise',
    primary_reason: 'attribute.enterprise',
    next_action: 'inside_sales_follow_up',
  }),
  tossUp('L4', 'E4', '2026-11-05T01:00:00.000Z', 'u002', 61, 41, {
    crm: 'hubspot',
    object_type: 'contact',
    sources: ['whitepaper'],
  }),
  dec('L5', '2026-11-06T01:00:00.000Z', {
    flag: 'no',
    rule_id: 'otherwise',
    primary_reason: 'otherwise',
    next_action: 'nurture',
    attribute_score: 30,
    behaviour_score: 10,
  }),
  dec('L6', '2026-11-06T02:00:00.000Z', {
    flag: 'hold',
    rule_id: 'hearing',
    primary_reason: 'hearing.pending',
    next_action: 'inside_sales_hearing',
    attribute_score: 55,
    behaviour_score: 35,
  }),
  tossUp('L6', 'E6', '2026-11-20T01:00:00.000Z', 'u001', 62, 48, {
    rule_id: 'campaign_boost',
    sources: ['spring-expo'],
  }),
  // The rules said no; a person set the flag to yes (the row keeps the rules' flag).
  tossUp('L7', 'E7', '2026-11-10T01:00:00.000Z', 'u002', 40, 12, {
    flag: 'no',
    rule_id: 'otherwise',
    primary_reason: 'otherwise',
    override_flag: 'yes',
    override_source: 'field',
    override_by: '005u009',
  }),
  dec('L8', '2026-11-12T01:00:00.000Z', {
    flag: 'no',
    rule_id: 'otherwise',
    primary_reason: 'otherwise',
    next_action: 'nurture',
    attribute_score: 50,
    behaviour_score: 30,
  }),
  tossUp('L9', 'E9', '2026-10-20T01:00:00.000Z', 'u002', 90, 90),
  // The rules' hold with a task for IS / sales planning: an episode, but no toss-up to sales.
  tossUp('L12', 'E12', '2026-11-24T01:00:00.000Z', 'u004', 45, 25, {
    flag: 'hold',
    rule_id: 'strategic_target',
    primary_reason: 'strategic.target',
    next_action: 'notify_is_sales_planning',
  }),
  tossUp('L10', 'E10', '2026-11-30T00:00:00.000Z', 'u001', 70, 60),
  tossUp('L11', 'E11', '2026-11-30T05:00:00.000Z', 'u001', 66, 42),

  ...episode('E1', 'u001', '2026-11-03T01:00:00.000Z', [
    ['handed_off', '2026-11-02T01:00:00.000Z', { cause: 'rule' }],
    ['first_response', '2026-11-02T03:00:00.000Z', response(2)],
    ['verdict', '2026-11-04T01:00:00.000Z', { verdict_result: 'accepted' }],
    ['opportunity', '2026-11-10T01:00:00.000Z', opportunity],
  ]),
  ...episode('E2', 'u001', '2026-11-04T01:00:00.000Z', [
    ['handed_off', '2026-11-03T01:00:00.000Z', { cause: 'rule' }],
    ['first_response', '2026-11-05T01:00:00.000Z', response(18)],
    [
      'verdict',
      '2026-11-06T01:00:00.000Z',
      { verdict_result: 'sent_back', sent_back_reason: 'no_budget', close_reason: 'sent_back' },
    ],
  ]),
  ...episode(
    'E3',
    'u002',
    '2026-11-04T05:00:00.000Z',
    [
      ['handed_off', '2026-11-04T01:00:00.000Z', { cause: 'rule' }],
      ['ladder_step', '2026-11-04T06:00:00.000Z', { cause: 'sweep', ladder_action: 'remind_owner' }],
      [
        'ladder_step',
        '2026-11-05T01:00:00.000Z',
        { cause: 'sweep', ladder_action: 'reassign', owner_key: 'u003', owner_id: '005u003', round: 1 },
      ],
    ],
    { next_action: 'inside_sales_follow_up', lead_id: 'L3' },
  ),
  ...episode(
    'E4',
    'u002',
    '2026-11-06T01:00:00.000Z',
    [
      ['handed_off', '2026-11-05T01:00:00.000Z', { cause: 'rule' }],
      ['first_response', '2026-11-05T02:00:00.000Z', response(1)],
      ['verdict', '2026-11-20T01:00:00.000Z', { verdict_result: 'lost', close_reason: 'lost' }],
    ],
    { crm: 'hubspot', object_type: 'contact' },
  ),
  ...episode('E6', 'u001', '2026-11-21T01:00:00.000Z', [
    ['handed_off', '2026-11-20T01:00:00.000Z', { cause: 'rule' }],
    ['first_response', '2026-11-20T05:00:00.000Z', response(4)],
    ['opportunity', '2026-11-25T01:00:00.000Z', opportunity],
    ['opportunity_closed', '2026-11-28T01:00:00.000Z', { opportunity_won: false, lost_reason: 'price' }],
  ]),
  ...episode('E7', 'u002', '2026-11-11T01:00:00.000Z', [
    ['handed_off', '2026-11-10T01:00:00.000Z', { cause: 'rule' }],
    ['first_response', '2026-11-10T07:00:00.000Z', response(6)],
    ['opportunity', '2026-11-18T01:00:00.000Z', opportunity],
  ]),
  ...episode('E9', 'u002', '2026-10-21T01:00:00.000Z', [
    ['handed_off', '2026-10-20T01:00:00.000Z', { cause: 'rule' }],
    ['first_response', '2026-10-20T02:00:00.000Z', response(1)],
    ['closed', '2026-11-03T01:00:00.000Z', { cause: 'sweep', close_reason: 'expired' }],
  ]),
  ...episode('E10', 'u001', '2026-12-01T00:00:00.000Z', [
    ['handed_off', '2026-11-30T00:00:00.000Z', { cause: 'rule' }],
    ['ladder_step', '2026-11-30T08:00:00.000Z', { cause: 'sweep', ladder_action: 'remind_owner' }],
  ]),
  ...episode(
    'E12',
    'u004',
    null,
    [
      ['handed_off', '2026-11-24T01:00:00.000Z', { cause: 'rule' }],
      ['opportunity', '2026-11-26T01:00:00.000Z', opportunity],
    ],
    { next_action: 'notify_is_sales_planning' },
  ),
  ...episode('E11', 'u001', '2026-12-01T05:00:00.000Z', [
    ['handed_off', '2026-11-30T05:00:00.000Z', { cause: 'rule' }],
  ]),
];

const outcome = (over: Partial<OpportunityOutcome>): OpportunityOutcome =>
  outcomeRow({ firstRecordedAt: '2026-11-20T04:00:00.000Z', updatedAt: '2026-11-20T04:00:00.000Z', ...over });

/**
 * The outcome store: L8's opportunity without toss-up counts; one of October, one with a toss-up and
 * L13's (never decided in the ledger, though the CRM showed no when it was recorded) do not.
 */
export const OUTCOMES: OpportunityOutcome[] = [
  outcome({}),
  outcome({ leadId: 'L5', opportunityId: '006Z', createdAt: '2026-10-25T03:00:00.000Z' }),
  outcome({ leadId: 'L1', opportunityId: '006X', createdAt: '2026-11-10T01:00:00.000Z', episodeKey: 'E1' }),
  outcome({ leadId: 'L13', opportunityId: '006W', createdAt: '2026-11-21T03:00:00.000Z' }),
];
