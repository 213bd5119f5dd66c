import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/domain/lead.ts';
import { episodeKey } from '../../src/pipeline/episode-key.ts';
import { type PipelineDeps, processLeads, taskDoneKey } from '../../src/pipeline/process-leads.ts';
import type { LeadSink, WriteOutcome } from '../../src/ports/lead-sink.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { decide } from '../../src/scoring/decide.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import {
  coldLead,
  hotLead,
  NOW,
  pipelineDeps,
  requestedLead,
  rules,
  SF,
  sla,
  strategicLead,
} from './pipeline-fixtures.ts';

function deps(over: Partial<PipelineDeps> = {}): PipelineDeps {
  return pipelineDeps(new FakeCrm(), over);
}

/** A sink that records the order of calls and succeeds. */
function recordingSink(log: string[]): LeadSink {
  const ok = (ids: string[], created?: boolean): WriteOutcome[] =>
    ids.map((id) => ({ ok: true, id, ...(created === undefined ? {} : { created }) }));
  return {
    crm: 'salesforce',
    async createTasks(tasks) {
      log.push(`tasks:${tasks.map((t) => t.leadId).join(',')}`);
      return ok(
        tasks.map((t) => `T-${t.leadId}`),
        true,
      );
    },
    async writeTossUp(updates) {
      log.push(`write:${updates.map((u) => u.leadId).join(',')}`);
      return ok(updates.map((u) => u.leadId));
    },
  };
}

describe('processLeads', () => {
  it('holds a lead whose decision depends on a value the connector could not read, as score does', async () => {
    // Fit 85, behaviour from activities: the only inquiry had an impossible date and was dropped.
    const lead = hotLead('D', {
      maBehaviourScore: null,
      dataIssues: [{ field: 'activities[0].at', raw: '2026-11-31', problem: 'out_of_range' }],
    });
    expect(decide(lead, rules, new Date(NOW)).flag).toBe('no');
    const [outcome] = (await processLeads([lead], deps())).outcomes;
    expect(outcome!.decision).toMatchObject({ flag: 'hold', nextAction: 'inside_sales_hearing' });
    expect(outcome!.reasonText).toMatch(/^行動履歴「2026-11-31」を読み取れないため保留/u);
  });

  it('creates all tasks of the batch first, then writes the fields, one call each', async () => {
    const log: string[] = [];
    const result = await processLeads(
      [hotLead('A'), coldLead('B'), hotLead('C')],
      deps({ sink: recordingSink(log) }),
    );
    expect(log).toEqual(['tasks:A,C', 'write:A,B,C']);
    expect(result.counters).toMatchObject({ leads: 3, written: 3, tasksCreated: 2 });
    expect(result.stop).toBeNull();
  });

  it('skips a record that cannot even be planned, with the reason, and processes the rest', async () => {
    const broken = { ...hotLead('X'), current: undefined } as unknown as Lead;
    const result = await processLeads([broken, coldLead('B')], deps({ sink: recordingSink([]) }));
    expect(result.outcomes[0]).toMatchObject({
      leadId: 'X',
      status: 'skipped',
      failure: { stage: 'plan', code: 'plan_failed' },
    });
    expect(result.outcomes[1]).toMatchObject({ leadId: 'B', status: 'written' });
  });

  it('processes a record listed twice in one batch once, as its last copy', async () => {
    const log: string[] = [];
    const older = coldLead('D');
    const newer = hotLead('D');
    const result = await processLeads([older, newer], deps({ sink: recordingSink(log) }));
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]!.decision?.flag).toBe('yes');
    expect(log).toEqual(['tasks:D', 'write:D']);
  });

  it('refuses a connector that does not return one outcome per record', async () => {
    const sink: LeadSink = {
      crm: 'salesforce',
      createTasks: async () => [],
      writeTossUp: async () => [],
    };
    await expect(processLeads([hotLead('A')], deps({ sink }))).rejects.toThrow(/one per record/);
  });

  it("leaves out the fields' values before and after when not asked to explain them: the written fields stay", async () => {
    const crm = new FakeCrm();
    crm.put(hotLead('E1'));
    const result = await processLeads(
      [hotLead('E1')],
      deps({ sink: crm.connector().sink, explainChanges: false }),
    );
    const o = result.outcomes[0]!;
    expect(o.status).toBe('written');
    expect(o.changes).toBeUndefined();
    expect(o.fields).toMatchObject({ flag: 'yes' });
    const explained = await processLeads([hotLead('E2')], deps({ dryRun: true }));
    expect(explained.outcomes[0]!.changes).toContainEqual({ field: 'flag', before: null, after: 'yes' });
  });

  it('does not write the owner when it already is the routed owner (15- vs 18-character id)', async () => {
    const d = deps();
    const first = await processLeads([hotLead('O1')], { ...d, dryRun: true });
    const routed = first.outcomes[0]!.task!.ownerId;
    const again = await processLeads([hotLead('O1', { ownerId: routed.slice(0, 15) })], {
      ...d,
      dryRun: true,
    });
    expect(again.outcomes[0]!.changes!.map((c) => c.field)).not.toContain('ownerId');
  });

  it('gives a Salesforce Contact routed to a queue to the queue task user (a queue cannot own a Contact)', async () => {
    const contact = { ...strategicLead('C1'), objectType: 'Contact' };
    const result = await processLeads([contact], deps({ dryRun: true }));
    const o = result.outcomes[0]!;
    expect(o.task?.ownerId).toBe(SF.u011);
    expect(o.changes).toContainEqual({ field: 'ownerId', before: '005000000000099AAA', after: SF.u011 });
  });

  it('uses the configured queue task owner over the queue contact', async () => {
    const result = await processLeads(
      [strategicLead('Q1')],
      deps({ dryRun: true, queueTaskOwners: { is_sales_planning: 'u002' } }),
    );
    expect(result.outcomes[0]!.task?.ownerId).toBe(SF.u002);
    expect(result.outcomes[0]!.changes).toContainEqual({
      field: 'ownerId',
      before: '005000000000099AAA',
      after: SF.isSalesPlanningQueue,
    });
  });

  it('in HubSpot a queue id already names a person: task and record both go to it', async () => {
    const hsRouting = parseRoutingConfig(readFileSync('mappings/routing.yaml', 'utf8'), 'routing.yaml', {
      crm: 'hubspot',
    });
    const lead = {
      ...strategicLead('H1'),
      crm: 'hubspot' as const,
      objectType: 'contact',
      ownerId: '90000099',
    };
    const result = await processLeads([lead], deps({ crm: 'hubspot', routing: hsRouting, dryRun: true }));
    expect(result.outcomes[0]!.task?.ownerId).toBe('90000011');
    expect(result.outcomes[0]!.changes).toContainEqual({
      field: 'ownerId',
      before: '90000099',
      after: '90000011',
    });
  });

  it('dry run says a task already exists when this state recorded creating it', async () => {
    const d = deps({ dryRun: true });
    const lead = hotLead('E1');
    const key = episodeKey(lead, decide(lead, rules, new Date(NOW)));
    await d.state.markDone(taskDoneKey('salesforce', key), '00T1', 3600);
    const result = await processLeads([lead], d);
    expect(result.outcomes[0]).toMatchObject({ status: 'planned', taskStatus: 'existing' });
  });

  it('a toss-up from last month keeps its flag when re-read in a month whose quota is already used up', async () => {
    const d = deps({ sink: recordingSink([]) });
    const lead = requestedLead('M1', SF.u005);
    const october = new Date('2026-10-20T01:00:00Z');
    const first = await processLeads([lead], { ...d, now: october });
    expect(first.outcomes[0]!.decision?.ruleId).toBe('manual_request');
    // Ten other toss-ups used November's quota of the same requester.
    for (let i = 0; i < 10; i++)
      await d.state.countOnce('quota|manual_request|005000000000005AAA|2026-11', `k${i}`, 3600);
    const written = first.outcomes[0]!;
    const reread: Lead = {
      ...lead,
      current: {
        ...lead.current,
        flag: 'yes',
        nextAction: 'field_sales_tossup',
        decisionKey: written.episodeKey,
        reason: written.reasonText,
      },
    };
    const again = await processLeads([reread], d);
    expect(again.outcomes[0]!.decision?.flag).toBe('yes');
    expect(again.outcomes[0]!.newEpisode).toBe(false);
    // A new request by the same rep this month is over quota.
    const fresh = await processLeads([requestedLead('M2', SF.u005)], d);
    expect(fresh.outcomes[0]!.decision?.reasons[0]).toMatchObject({ code: 'quota.exceeded' });
  });

  it('an over-quota request tossed up by the score rule keeps that decision and reason when re-read', async () => {
    const d = deps({ sink: recordingSink([]) });
    // The requester's quota for November is used up by ten other toss-ups.
    for (let i = 0; i < 10; i++)
      await d.state.countOnce('quota|manual_request|005000000000005AAA|2026-11', `k${i}`, 3600);
    const lead: Lead = { ...hotLead('Q1'), manualRequest: { requestedBy: SF.u005, at: NOW } };
    const first = (await processLeads([lead], d)).outcomes[0]!;
    expect(first.decision).toMatchObject({ flag: 'yes', ruleId: 'auto_tossup' });
    expect(first.decision?.reasons[0]?.code).toBe('quota.exceeded');
    const reread: Lead = {
      ...lead,
      current: {
        ...lead.current,
        flag: 'yes',
        nextAction: 'field_sales_tossup',
        decisionKey: first.episodeKey,
        reason: first.reasonText,
        attributeScore: first.decision!.scores.attribute,
        behaviourScore: first.decision!.scores.behaviour,
      },
    };
    const again = (await processLeads([reread], d)).outcomes[0]!;
    // Same rule, same words: a continuing toss-up the quota never paid for is not re-attributed to it.
    expect(again.decision?.ruleId).toBe('auto_tossup');
    expect(again.reasonText).toBe(first.reasonText);
    expect(again.changes).toEqual([]);
  });

  it('a next action without an SLA still gets a task, dated the business day it arrives', async () => {
    const noSla = { ...sla, slas: { ...sla.slas, inside_sales_hearing: null } };
    const missing = hotLead('H2');
    missing.company.employees = null;
    const result = await processLeads([missing], deps({ sla: noSla, dryRun: true }));
    const o = result.outcomes[0]!;
    expect(o.decision?.nextAction).toBe('inside_sales_hearing');
    expect(o.task).toMatchObject({ hasSla: false, dueDate: '2026-11-24' });
    expect(o.changes!.find((c) => c.field === 'dueAt')).toBeUndefined();
  });

  it('per lead, a lead whose task the CRM refused for now fails alone; per batch, the batch stops there', async () => {
    const leads = ['A', 'P', 'B'].map((id) => hotLead(id));
    const outcomes = async (recordFailures: 'batch' | 'lead') => {
      const crm = new FakeCrm();
      for (const l of leads) crm.put(l);
      crm.failRecord('task', 'P', 'transient', 'UNABLE_TO_LOCK_ROW');
      const r = await processLeads(leads, deps({ sink: crm.connector().sink, recordFailures }));
      return { stop: r.stop?.leadId ?? null, status: r.outcomes.map((o) => `${o.leadId}:${o.status}`) };
    };
    expect(await outcomes('batch')).toEqual({
      stop: 'P',
      status: ['A:not_attempted', 'P:failed', 'B:not_attempted'],
    });
    expect(await outcomes('lead')).toEqual({ stop: null, status: ['A:written', 'P:failed', 'B:written'] });
  });
});
