import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedLeads } from '../../bench/support/generated-leads.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { decisionRecord } from '../../src/ledger/decision-record.ts';
import { factsOfRow, leadFacts } from '../../src/ledger/lead-facts.ts';
import type { DecisionRecord } from '../../src/ledger/ledger-record.ts';
import { leadFromFacts, leadOfRow, replayDecision } from '../../src/ledger/replay-decision.ts';
import { normalizeLead } from '../../src/normalize/lead-input.ts';
import { decideWithDataIssues } from '../../src/scoring/data-issues.ts';
import {
  coldLead,
  customerLead,
  hotLead,
  requestedLead,
  strategicLead,
} from '../pipeline/pipeline-fixtures.ts';
import { heard, makeLead } from '../support/lead-factory.ts';

/**
 * The compact `facts_json` (defaults and the row's own lead id, CRM and object left out, for Firehose's
 * per-byte bill) reads back as the whole facts did, and rows written whole by earlier builds still read.
 */
const AT = '2026-11-24T01:00:00.000Z';
const rules = loadCompiledRuleSet('large');

function rowOf(lead: Lead): DecisionRecord {
  const decision = decideWithDataIssues(lead, rules, new Date(AT));
  return decisionRecord({
    lead,
    decision,
    fields: { flag: decision.flag },
    episodeKey: null,
    newEpisode: false,
  });
}

/** The row as a build before the compact form wrote it: the same columns, the facts whole. */
function wholeRowOf(lead: Lead): DecisionRecord {
  return { ...rowOf(lead), facts_json: JSON.stringify(leadFacts(lead)) };
}

/** Every default of the facts set to something else, and a digits-only id the masking changes. */
const UNUSUAL: Lead = makeLead({
  id: '0312345678',
  crm: 'hubspot',
  objectType: 'contact',
  ownerId: '77',
  modifiedAt: '2026-11-20T00:00:00.000Z',
  company: {
    name: '株式会社例',
    employees: 0,
    revenueJpy: 0,
    industry: 'retail',
    region: '大阪府',
    existingCustomer: true,
    accountOwnerId: '78',
    strategicTarget: true,
  },
  person: {
    name: '山田 太郎',
    title: '部長',
    titleRank: 'department_head',
    department: '営業',
    emailDomain: 'x.jp',
  },
  maBehaviourScore: 0,
  hearing: heard({ timelineMonths: 0, notes: '予算あり' }),
  history: { previouslyLost: true, lastTossUpAt: '2026-10-01T00:00:00.000Z' },
  manualRequest: { requestedBy: null, at: null },
  current: {
    flag: 'hold',
    reason: '理由',
    nextAction: 'nurture',
    attributeScore: 0,
    behaviourScore: 0,
    dueAt: '2026-11-25T00:00:00.000Z',
    decisionKey: 'k',
    feedback: { result: 'sent_back', sentBackReason: 'no_budget', note: 'メモ', changedAt: null },
    override: { flag: 'no', modifiedBy: '79', modifiedAt: '2026-11-21T00:00:00.000Z' },
  },
  dataIssues: [{ field: 'company.employees', raw: 'たくさん', problem: 'unparseable' }],
});

function fixtureLeads(): Lead[] {
  const samples = readFileSync('samples/leads.jsonl', 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      const r = normalizeLead(JSON.parse(l));
      return r.ok ? [r.lead] : [];
    });
  return [
    ...samples,
    hotLead('00Q000000000001AAA'),
    coldLead('00Q000000000002AAA'),
    customerLead('00Q000000000003AAA'),
    strategicLead('00Q000000000004AAA'),
    requestedLead('00Q000000000005AAA', '005000000000001AAA'),
    UNUSUAL,
    { ...UNUSUAL, hearing: null, activities: [], dataIssues: [], manualRequest: null },
  ];
}

describe('compact facts_json', () => {
  const world = [...generatedLeads(1_000, 17, AT)];
  const leads = [...world, ...fixtureLeads()];

  it('reads back as the whole facts, and replays to the same decision, for the generated world and the fixtures', () => {
    let compactBytes = 0;
    let wholeBytes = 0;
    for (const lead of leads) {
      const row = rowOf(lead);
      const whole = wholeRowOf(lead);
      expect(factsOfRow(row)).toEqual(leadFacts(lead));
      expect(leadOfRow(row)).toEqual(leadFromFacts(leadFacts(lead)));
      expect(replayDecision(row, rules)).toEqual(replayDecision(whole, rules));
      compactBytes += row.facts_json.length;
      wholeBytes += whole.facts_json.length;
    }
    expect(compactBytes).toBeLessThan(wholeBytes * 0.8);
  });

  it('leaves out the defaults and what the row says, keeps what differs', () => {
    const plain = JSON.parse(
      rowOf(makeLead({ id: 'L-9', crm: 'salesforce', objectType: 'Lead' })).facts_json,
    );
    // Only the one fact makeLead sets off its default.
    expect(plain).toEqual({ company: { employees: 500 } });

    const unusual = JSON.parse(rowOf(UNUSUAL).facts_json);
    // The masked id is not the row's lead_id: kept, so the facts read back masked, as they were written.
    expect(unusual.id).toBe('<number>');
    expect(unusual).not.toHaveProperty('crm');
    expect(unusual).not.toHaveProperty('objectType');
    expect(factsOfRow(rowOf(UNUSUAL)).id).toBe('<number>');
    expect(Object.keys(unusual.company)).toHaveLength(7);
    expect(unusual.current).toMatchObject({
      flag: 'hold',
      attributeScore: 0,
      feedback: { result: 'sent_back' },
    });
    expect(unusual.history).toEqual({ previouslyLost: true, lastTossUpAt: '2026-10-01T00:00:00.000Z' });
  });

  it('the generated world leaves out values of every kind (not only one path)', () => {
    // So the round trip above covers what is left out: a default object key by key, a whole object,
    // null, false and an empty list.
    const compact = world.map((l) => JSON.parse(rowOf(l).facts_json) as Record<string, unknown>);
    const lacking = (key: string) => compact.filter((f) => !(key in f)).length;
    for (const key of ['hearing', 'manualRequest', 'history', 'current', 'dataIssues', 'maBehaviourScore'])
      expect(lacking(key), key).toBeGreaterThan(0);
    expect(compact.filter((f) => 'hearing' in f).length).toBeGreaterThan(0);
    expect(
      compact.filter((f) => (f.company as Record<string, unknown> | undefined)?.existingCustomer === true)
        .length,
    ).toBeGreaterThan(0);
  });

  it('each row read gets objects of its own: changing one lead does not change the next (nor the defaults)', () => {
    const row = rowOf(makeLead({ id: 'L-7' }));
    const first = factsOfRow(row);
    first.history.previouslyLost = true;
    first.current.flag = 'yes';
    first.activities.push({ type: 'inquiry', at: AT });
    expect(factsOfRow(row)).toEqual(leadFacts(makeLead({ id: 'L-7' })));
  });

  it("a row an earlier build wrote (the facts whole) reads back as written and replays as the compact row's lead", () => {
    // As written before the compact form (generated lead p0000004 of seed 17, the cost bench's world).
    const facts =
      '{"id":"p0000004","crm":"file","objectType":"Lead","ownerId":"u001","modifiedAt":"2026-11-23T06:27:04.000Z","company":{"employees":25,"revenueJpy":673000000,"industry":"it_software","region":null,"existingCustomer":false,"accountOwnerId":"u001","strategicTarget":false},"person":{"title":"副本部長","titleRank":"department_head","department":"営業部","emailDomain":"visionsoft.co.jp"},"activities":[{"type":"email_open","at":"2026-07-02T08:10:22.000Z","source":"cmp09"},{"type":"page_view","at":"2026-07-20T13:28:07.000Z","page":"product"},{"type":"page_view","at":"2026-08-24T01:32:07.000Z","page":"pricing"},{"type":"page_view","at":"2026-09-03T01:20:02.000Z","page":"blog"},{"type":"page_view","at":"2026-09-04T08:09:12.000Z","page":"blog"},{"type":"email_open","at":"2026-09-11T04:18:20.000Z","source":"cmp15"},{"type":"form_submission","at":"2026-10-21T03:09:30.000Z","source":"cmp13"},{"type":"document_request","at":"2026-11-23T01:54:46.000Z","source":"cmp03"}],"maBehaviourScore":48,"hearing":{"heardAt":"2026-10-26T12:25:44.000Z","budget":"unknown","decisionMaker":"no","decisionInvolved":"yes","clearProblem":"no","timelineMonths":4},"history":{"previouslyLost":false,"lastTossUpAt":null},"manualRequest":null,"current":{"flag":null,"nextAction":null,"attributeScore":null,"behaviourScore":null,"dueAt":null,"decisionKey":null},"dataIssues":[]}';
    const lead = leadFromFacts(JSON.parse(facts));
    const old: DecisionRecord = { ...rowOf(lead), facts_json: facts };
    expect(factsOfRow(old)).toEqual(JSON.parse(facts));
    // Same keys in the same order as the whole facts had them.
    expect(JSON.stringify(factsOfRow(old))).toBe(facts);
    expect(JSON.stringify(factsOfRow(rowOf(lead)))).toBe(facts);
    expect(rowOf(lead).facts_json.length).toBeLessThan(facts.length - 250);
    expect(replayDecision(old, rules)).toEqual(replayDecision(rowOf(lead), rules));
  });
});
