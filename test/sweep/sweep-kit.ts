import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EpisodeOwner, episodeEvent } from '../../src/episodes/episode.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { EpisodeStore } from '../../src/ports/episode-store.ts';
import type { NotificationTarget } from '../../src/ports/notifier.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig, type RoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig, type SlaConfig } from '../../src/sla/sla-config.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { NotificationOutbox } from '../../src/state/notification-outbox.ts';
import { runSweep, type SweepOptions } from '../../src/sweep/run-sweep.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { FakeEpisodeCrm } from './fake-episode-crm.ts';

/** Salesforce-looking user ids of the test reps. */
export const ID = {
  r1: '005000000000001AAA',
  r2: '005000000000002AAA',
  r3: '005000000000003AAA',
  r4: '005000000000004AAA',
  m1: '005000000000009AAA',
} as const;

/** One pool with a manager: r1 (the owner in most tests), r2 inactive, r3 with capacity 1, r4. */
export const ROUTING_YAML = `
version: 1
timeZone: Asia/Tokyo
reps:
  - { key: r1, name: Rep One, salesforceId: "${ID.r1}", email: r1@example.test }
  - { key: r2, name: Rep Two, salesforceId: "${ID.r2}", active: false }
  - { key: r3, name: Rep Three, salesforceId: "${ID.r3}", dailyCapacity: 1 }
  - { key: r4, name: Rep Four, salesforceId: "${ID.r4}", email: r4@example.test }
  - { key: m1, name: Manager One, salesforceId: "${ID.m1}", email: m1@example.test }
pools:
  - id: fs
    manager: m1
    members:
      - { rep: r1 }
      - { rep: r2 }
      - { rep: r3 }
      - { rep: r4 }
overflow: { rep: m1 }
`;

/** Monday 2026-12-07 10:00 JST. field_sales_tossup (1 businessDay, escalateAfter 1 businessDay):
 * remind Mon 16:45, breach Tue 10:00, escalation Wed 10:00, reassign Wed 14:00 (all JST). */
export const T = {
  handOff: '2026-12-07T01:00:00.000Z',
  beforeRemind: '2026-12-07T07:00:00.000Z',
  afterRemind: '2026-12-07T08:00:00.000Z',
  afterBreach: '2026-12-08T02:00:00.000Z',
  afterEscalation: '2026-12-09T02:00:00.000Z',
  afterReassign: '2026-12-09T06:00:00.000Z',
} as const;

export interface Kit {
  dir: string;
  store: EpisodeStore;
  crm: FakeEpisodeCrm;
  sla: SlaConfig;
  routing: RoutingConfig;
  routingState: MemoryRoutingState;
  outbox: NotificationOutbox;
  sweep(at: string, extra?: Partial<SweepOptions>): ReturnType<typeof runSweep>;
  handOff(key: string, leadId: string, owner?: EpisodeOwner, at?: string): Promise<string>;
  cleanup(): void;
}

export function sweepKit(): Kit {
  const dir = mkdtempSync(join(tmpdir(), 'tossup-sweep-'));
  const sla = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));
  const routing = parseRoutingConfig(ROUTING_YAML);
  const store = new FileEpisodeStore(dir);
  const crm = new FakeEpisodeCrm();
  const routingState = new MemoryRoutingState();
  const outbox = new NotificationOutbox(dir, { senders: [] });
  const dm = (o: EpisodeOwner | null): NotificationTarget[] =>
    o?.key ? [{ kind: 'slack-user', email: `${o.key}@example.test` }] : [];
  const kit: Kit = {
    dir,
    store,
    crm,
    sla,
    routing,
    routingState,
    outbox,
    sweep: (at, extra = {}) =>
      runSweep({
        crmName: 'salesforce',
        episodes: store,
        crm,
        sla,
        routing,
        routingState,
        clock: fixedClock(at),
        notify: {
          notifier: outbox,
          language: 'en',
          targetsFor: (event, who) =>
            event === 'escalation'
              ? [{ kind: 'slack-channel', channel: '#fs' }, ...dm(who.manager)]
              : dm(who.owner),
          recordRef: ({ leadId }) => ({
            crm: 'salesforce',
            instanceUrl: 'https://example.my.salesforce.com',
            objectType: 'Lead',
            id: leadId,
          }),
        },
        ...extra,
      }),
    async handOff(key, leadId, owner = { id: ID.r1, key: 'r1', poolId: 'fs' }, at = T.handOff) {
      crm.addLead(leadId, owner.id);
      const taskId = crm.addTask(key, leadId, owner.id);
      await store.recordStep(
        key,
        episodeEvent({
          type: 'handed_off',
          at,
          cause: 'rule',
          crm: 'salesforce',
          leadId,
          objectType: 'Lead',
          nextAction: 'field_sales_tossup',
          owner,
          taskId,
        }),
        sweepSchedule(sla),
      );
      return taskId;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return kit;
}

/** Outbox entries as `event step target`, sorted. */
export async function queued(kit: Kit): Promise<string[]> {
  return (await kit.outbox.list())
    .map(
      (e) =>
        `${e.notification.event} ${e.notification.step} ${e.target.kind === 'slack-channel' ? e.target.channel : e.target.kind === 'slack-user' ? e.target.email : 'teams'}`,
    )
    .sort();
}
