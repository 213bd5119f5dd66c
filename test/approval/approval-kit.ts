import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordRefFrom } from '../../src/composition/record-ref.ts';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import { RuleSetSchema } from '../../src/config/rule-set-schema.ts';
import type { CrmName } from '../../src/domain/lead.ts';
import { runSync, type SyncOptions } from '../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { CrmConnector } from '../../src/ports/crm-connector.ts';
import type { Notification, NotificationTarget } from '../../src/ports/notifier.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { FileRoutingState } from '../../src/state/file-routing-state.ts';
import { FileStateStore } from '../../src/state/file-state-store.ts';
import { runSweep } from '../../src/sweep/run-sweep.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';

/**
 * What the approval scenario needs of one emulated CRM: the real connector, a way to make a lead the
 * `large` rules toss up, the manager's hand on the approval fields, and the tasks as the CRM stores them.
 */
export interface ApprovalCrm {
  crm: CrmName;
  connector: CrmConnector;
  /** `runSync` options for the CRM (routing, SLA, renderer), as of the emulator's clock. */
  syncOptions(now: string): SyncOptions;
  /** A lead/contact the `large` rules toss up (auto_tossup: fit 60+, behaviour 40+). */
  hotLead(name: string): string;
  pin(iso: string): void;
  /** The manager answers in the CRM, as a person would (approval field, rejection reason). */
  answer(leadId: string, decision: 'approved' | 'rejected', reason?: string): void;
  tasksByKey(key: string): { id: string; ownerId: string; completed: boolean; due: string }[];
  /** The toss-up flag and decision key the CRM shows on the lead. */
  tossUpOf(leadId: string): { flag: string | null; key: string | null };
  /** The CRM's value of "the rep's task is due" for a date: SF ActivityDate (date), HubSpot hs_timestamp. */
  dueOf(dueAt: string, dueDate: string): string;
}

/** `large` with `approval: manager` on the automatic toss-up rule. */
export function approvalRules() {
  const rs = structuredClone(loadRuleSet('large'));
  rs.rules = rs.rules.map((r) => (r.id === 'auto_tossup' ? { ...r, approval: 'manager' as const } : r));
  return compileRuleSet(RuleSetSchema.parse(rs));
}

/** A recording notifier: what the sweep asked to send, to whom. */
export class RecordingNotifier {
  readonly sent: { n: Notification; targets: readonly NotificationTarget[] }[] = [];
  async notify(n: Notification, targets: readonly NotificationTarget[]): Promise<void> {
    this.sent.push({ n, targets });
  }
}

/** Sync and sweep runs on one CRM sharing a state directory (episodes, routing counts, task records). */
export function approvalRunner(cut: ApprovalCrm) {
  const dir = mkdtempSync(join(tmpdir(), `tossup-approval-${cut.crm}-`));
  const episodes = new FileEpisodeStore(dir);
  const notifier = new RecordingNotifier();
  const rules = approvalRules();
  const base = (now: string) => {
    const o = cut.syncOptions(now);
    return {
      ...o,
      rules,
      clock: fixedClock(now),
      state: new FileStateStore(dir, { clock: fixedClock(now) }),
      routingState: new FileRoutingState(dir, { clock: fixedClock(now) }),
    };
  };
  return {
    dir,
    episodes,
    notifier,
    sla: () => base(new Date().toISOString()).sla,
    async sync(now: string) {
      cut.pin(now);
      const o = base(now);
      return runSync({ ...o, episodes: { store: episodes, schedule: sweepSchedule(o.sla) } });
    },
    async sweep(now: string) {
      cut.pin(now);
      const o = base(now);
      return runSweep({
        crmName: cut.crm,
        episodes,
        crm: cut.connector.episodes!,
        sla: o.sla,
        routing: o.routing,
        routingState: o.routingState,
        clock: fixedClock(now),
        notify: {
          notifier,
          language: 'ja',
          targetsFor: (event, who) => [
            { kind: 'slack-user', email: `${event}:${who.owner.id}@example.test` },
          ],
          // HubSpot links need the portal id, which the emulated connector is not given.
          recordRef: (lead) =>
            recordRefFrom(cut.connector)(lead) ?? { crm: 'hubspot', portalId: '1', contactId: lead.leadId },
        },
      });
    },
  };
}
