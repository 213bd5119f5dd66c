import { describe, expect, it } from 'vitest';
import { completeTask } from '../../../emulators/hubspot/index.ts';
import type { CrmConnector } from '../../../src/ports/crm-connector.ts';
import type { FollowUpTask } from '../../../src/ports/lead-sink.ts';
import { HANDOFF, HOUR, handedOff } from './episodes-kit.ts';
import { connect } from './harness.ts';

/** The sweep's writes on HubSpot: SLA fields, manager tasks, closing and reassigning (issue 13). */

describe('HubSpot episodes: writes', () => {
  it('writes the SLA status and first-response time on the contact, 100 per call, and clears the time', async () => {
    const { hs, refs } = await handedOff(150);
    const connector = await connect(hs);
    const outcomes = await connector.episodes.writeSlaFields(
      refs.map((r, i) => ({
        leadId: r.leadId,
        objectType: 'contact',
        status: i === 0 ? 'met' : 'overdue',
        firstResponseAt: i === 0 ? '2025-04-02T10:30:00+09:00' : null,
      })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes.map((o) => o.id)).toEqual(refs.map((r) => r.leadId));
    expect(connector.usage().calls['contacts.batch.update']).toBe(2);
    const first = hs.store.get('contacts', refs[0]!.leadId)!.props;
    expect(first).toMatchObject({
      tossup_sla_status: 'met',
      tossup_first_response_at: '2025-04-02T01:30:00.000Z',
    });
    expect(hs.store.get('contacts', refs[1]!.leadId)!.props.tossup_sla_status).toBe('overdue');
    expect(hs.store.get('contacts', refs[1]!.leadId)!.props.tossup_first_response_at).toBeUndefined();

    // Back to "no response yet" (a reopened episode): the time is cleared.
    await connector.episodes.writeSlaFields([
      { leadId: refs[0]!.leadId, objectType: 'contact', status: 'on_track', firstResponseAt: null },
    ]);
    expect(hs.store.get('contacts', refs[0]!.leadId)!.props.tossup_first_response_at).toBeUndefined();
  });

  it('gives one outcome per input: a deleted contact and a bad time fail alone', async () => {
    const { hs, refs } = await handedOff(3);
    hs.store.archive('contacts', refs[1]!.leadId);
    const connector = await connect(hs);
    const outcomes = await connector.episodes.writeSlaFields([
      { leadId: refs[0]!.leadId, objectType: 'contact', status: 'due_soon', firstResponseAt: null },
      { leadId: refs[1]!.leadId, objectType: 'contact', status: 'overdue', firstResponseAt: null },
      { leadId: refs[2]!.leadId, objectType: 'contact', status: 'met', firstResponseAt: 'yesterday' },
    ]);
    expect(outcomes[0]).toEqual({ ok: true, id: refs[0]!.leadId });
    expect(outcomes[1]).toMatchObject({ ok: false, id: refs[1]!.leadId, kind: 'invalid_record' });
    expect(outcomes[2]).toMatchObject({ ok: false, id: refs[2]!.leadId, code: 'invalid_first_response' });
    expect(hs.store.get('contacts', refs[0]!.leadId)!.props.tossup_sla_status).toBe('due_soon');
    expect(hs.store.get('contacts', refs[2]!.leadId)!.props.tossup_sla_status).toBeUndefined();
  });

  it('closes a task with the note appended; closing it again, or a task the rep completed, is a success', async () => {
    const { hs, refs } = await handedOff(2);
    hs.store.update('tasks', refs[0]!.taskId!, { hs_task_body: '<p>理由: 属性スコア 72</p>' });
    hs.clock.advance(HOUR);
    completeTask(hs.store, refs[1]!.taskId!);
    const repBody = hs.store.get('tasks', refs[1]!.taskId!)!.props.hs_task_body;
    const connector = await connect(hs);
    const closures = [
      { taskId: refs[0]!.taskId!, note: '鈴木 一郎 に再割当 (reassigned)' },
      { taskId: refs[1]!.taskId!, note: 'reassigned' },
    ];
    const first = await connector.episodes.closeTasks(closures);
    expect(first).toEqual([
      { ok: true, id: refs[0]!.taskId },
      { ok: true, id: refs[1]!.taskId },
    ]);
    const closed = hs.store.get('tasks', refs[0]!.taskId!)!.props;
    expect(closed).toMatchObject({
      hs_task_status: 'COMPLETED',
      hs_task_body: '<p>理由: 属性スコア 72</p><p>鈴木 一郎 に再割当 (reassigned)</p>',
      hs_task_completion_date: new Date(HANDOFF + HOUR).toISOString(),
    });
    // The rep's completed task is left alone.
    expect(hs.store.get('tasks', refs[1]!.taskId!)!.props.hs_task_body).toBe(repBody);

    const again = await connector.episodes.closeTasks(closures);
    expect(again.every((o) => o.ok)).toBe(true);
    expect(hs.store.get('tasks', refs[0]!.taskId!)!.props.hs_task_body).toBe(closed.hs_task_body);
    // One read and one update the first time, one read the second.
    expect(connector.usage().calls).toMatchObject({ 'tasks.batch.read': 2, 'tasks.batch.update': 1 });
  });

  it('reassigns the contact to the new owner; an unknown owner fails alone', async () => {
    const { hs, refs, other } = await handedOff(2);
    const connector = await connect(hs);
    const outcomes = await connector.episodes.reassign([
      { leadId: refs[0]!.leadId, objectType: 'contact', ownerId: other },
      { leadId: refs[1]!.leadId, objectType: 'contact', ownerId: '99999999' },
    ]);
    expect(outcomes[0]).toEqual({ ok: true, id: refs[0]!.leadId });
    expect(outcomes[1]).toMatchObject({ ok: false, code: 'invalid_owner' });
    expect(hs.store.get('contacts', refs[0]!.leadId)!.props.hubspot_owner_id).toBe(other);
  });

  it('creates manager tasks with the sink’s de-duplication by key, and offers no managersOf', async () => {
    const { hs, refs, other } = await handedOff(1);
    const connector = await connect(hs);
    const task: FollowUpTask = {
      key: `${refs[0]!.key}:manager`,
      leadId: refs[0]!.leadId,
      objectType: 'contact',
      ownerId: other,
      subject: '【SLA超過】対応状況の確認',
      body: '担当者の初回対応が期限を過ぎています',
      dueAt: new Date(HANDOFF + 8 * HOUR).toISOString(),
      dueDate: '2025-04-02',
      priority: 'high',
    };
    const [a] = await connector.episodes.createTasks([task]);
    const [b] = await connector.episodes.createTasks([task]);
    expect(a).toMatchObject({ ok: true, created: true });
    expect(b).toMatchObject({ ok: true, created: false, id: (a as { id: string }).id });
    expect(hs.store.findByProperty('tasks', 'tossup_task_key', task.key)).toHaveLength(1);
    // HubSpot keeps no manager per user: the sweep takes managers from routing.yaml.
    const crm: CrmConnector = connector;
    expect(crm.episodes?.managersOf).toBeUndefined();
  });
});
