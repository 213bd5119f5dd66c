import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type PipelineDeps, processLeads } from '../../src/pipeline/process-leads.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { CrmRecordRef, Notification, NotificationTarget, Notifier } from '../../src/ports/notifier.ts';
import { nextCheckAt } from '../../src/sla/escalation-ladder.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { NotificationOutbox } from '../../src/state/notification-outbox.ts';
import type { SweepNotify } from '../../src/sweep/notify-policy.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { coldLead, hotLead, NOW, pipelineDeps, sla } from './pipeline-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-pl-notice-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const CHANNEL: NotificationTarget = { kind: 'slack-channel', channel: '#field-sales' };
const REF = (lead: { leadId: string }): CrmRecordRef => ({
  crm: 'salesforce',
  instanceUrl: 'https://example.my.salesforce.com',
  objectType: 'Lead',
  id: lead.leadId,
});

function world(notifier: Notifier) {
  const crm = new FakeCrm();
  const dir = join(root, `s${++n}`);
  const asked: string[] = [];
  const notify: SweepNotify = {
    notifier,
    language: 'ja',
    targetsFor: (event, who) => {
      asked.push(`${event}:${who.owner.key ?? who.owner.id}:${who.poolId ?? '-'}`);
      return [CHANNEL];
    },
    recordRef: REF,
  };
  const deps = pipelineDeps(crm, {
    episodes: {
      store: new FileEpisodeStore(join(dir, 'episodes'), { clock: fixedClock(NOW) }),
      schedule: (ep) => nextCheckAt(ep, sla),
    },
    notify,
  });
  const run = (ids: string[], over: Partial<PipelineDeps> = {}) =>
    processLeads(
      ids.map((id) => structuredClone(crm.lead(id))),
      { ...deps, ...over },
    );
  return { crm, deps, run, asked, dir };
}

describe('processLeads: the toss-up chat notice', () => {
  it('queues one per new toss-up with the company, link, next action, due date and owner name only', async () => {
    const got: Notification[] = [];
    const w = world({ notify: async (n) => void got.push(n) });
    for (const l of [hotLead('A'), coldLead('B')]) w.crm.put(l);
    const result = await w.run(['A', 'B']);
    expect(result.counters).toMatchObject({ written: 2, tasksCreated: 1 });
    expect(got).toHaveLength(1);
    const a = w.crm.lead('A');
    const task = w.crm.tasks.get(a.current.decisionKey!)!;
    expect(got[0]).toEqual({
      episodeKey: a.current.decisionKey,
      step: 'toss-up',
      event: 'toss-up',
      language: 'ja',
      lead: { name: 'A 株式会社' },
      record: REF({ leadId: 'A' }),
      nextAction: 'field_sales_tossup',
      dueAt: a.current.dueAt,
      ownerName: expect.any(String),
    });
    expect(got[0]!.ownerName).not.toBe(task.task.ownerId);
    expect(w.asked).toEqual([expect.stringMatching(/^toss-up:.+:fs_kanto_enterprise$/)]);
    // The same lead again (fields written): no new episode, no notice.
    await w.run(['A']);
    expect(got).toHaveLength(1);
  });

  it("names the person and their company, in the notice and in the hand-off episode the sweep's notices read", async () => {
    const got: Notification[] = [];
    const w = world({ notify: async (n) => void got.push(n) });
    const lead = hotLead('A');
    lead.person = { ...lead.person, name: '山田 太郎' };
    lead.person.emailDomain = 'a.example.jp';
    w.crm.put(lead);
    await w.run(['A']);
    expect(got.map((x) => x.lead)).toEqual([{ name: '山田 太郎', company: 'A 株式会社' }]);
    const key = w.crm.lead('A').current.decisionKey!;
    const stored = await w.deps.episodes!.store.get(key);
    expect(stored?.episode.lead).toEqual({ name: '山田 太郎', company: 'A 株式会社' });
    const handedOff = stored!.episode.events.find((e) => e.type === 'handed_off')!;
    // The person's name and company only: nothing else of the lead is recorded with the hand-off.
    expect(JSON.stringify(handedOff)).not.toMatch(/取締役|情報システム部|a\.example\.jp/);
  });

  it('a dry run queues nothing; a retry before the field write queues nothing twice (outbox)', async () => {
    const dir = mkdtempSync(join(root, 'outbox-'));
    const outbox = new NotificationOutbox(dir, { senders: [], clock: fixedClock(NOW) });
    const w = world(outbox);
    w.crm.put(hotLead('A'));
    await w.run(['A'], { dryRun: true });
    expect(await outbox.list()).toHaveLength(0);
    // The field write fails after the task exists: the retry hands off the same episode again.
    const sink = w.deps.sink;
    const failing = {
      ...sink,
      writeTossUp: async (u: Parameters<typeof sink.writeTossUp>[0]) =>
        u.map((x) => ({
          ok: false as const,
          id: x.leadId,
          kind: 'transient' as const,
          code: 'down',
          message: 'down',
        })),
    };
    const first = await w.run(['A'], { sink: failing });
    expect(first.stop).not.toBeNull();
    expect(await outbox.list()).toHaveLength(1);
    const second = await w.run(['A']);
    expect(second.counters).toMatchObject({ written: 1, tasksExisting: 1 });
    const entries = await outbox.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.notification.step).toBe('toss-up');
  });

  it('a notifier that throws fails no CRM write', async () => {
    const w = world({
      notify: async () => {
        throw new Error('chat store down');
      },
    });
    w.crm.put(hotLead('A'));
    const result = await w.run(['A']);
    expect(result.stop).toBeNull();
    expect(result.counters).toMatchObject({ written: 1, tasksCreated: 1 });
  });
});
