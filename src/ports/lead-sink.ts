import type { FailureKind } from '../domain/errors.ts';
import type { CrmName, NextAction, Priority, TossUpFlag } from '../domain/lead.ts';
import type { SlaStatus } from './episode-crm.ts';

/** Only the fields that differ from what the CRM holds; absent keys are left untouched. */
export interface TossUpFieldValues {
  flag?: TossUpFlag;
  reason?: string;
  nextAction?: NextAction;
  attributeScore?: number;
  behaviourScore?: number;
  dueAt?: string | null;
  decisionKey?: string;
  /** New owner of the lead when routing hands it to someone else. */
  ownerId?: string;
}

export interface TossUpUpdate {
  leadId: string;
  objectType: string;
  fields: TossUpFieldValues;
  /**
   * A new hand-off's first SLA status (the fields the sweep writes later: `EpisodeCrm.writeSlaFields`),
   * written in the same record update so the rep sees it with the toss-up and the sweep need not write
   * it (docs/routing-and-sla.md). Only with an episode store, for a next action with an SLA, to a sink
   * that `writesSlaStatus`.
   */
  sla?: { status: SlaStatus; firstResponseAt: null };
}

export interface FollowUpTask {
  /** Deterministic key (lead, decision, rules version): the same toss-up always yields the same key. */
  key: string;
  leadId: string;
  objectType: string;
  ownerId: string;
  subject: string;
  body: string;
  dueAt: string;
  /** Business date of `dueAt` in the SLA time zone (Salesforce `ActivityDate` is a date). */
  dueDate: string;
  priority: Priority;
}

/**
 * Outcome code of a record not written because someone else changed it after we last read it (or,
 * for a write between syncs, after the sync's cursor): writing would make us its last modifier and
 * hide their change from the next incremental read (connectors/salesforce/BEHAVIOR.md "No echo"). Not
 * an error of the record: the next read decides it on what it holds now, and the write is retried then.
 */
export const CHANGED_SINCE_READ = 'CHANGED_SINCE_READ';

export type WriteOutcome =
  | { ok: true; id: string; created?: boolean }
  | { ok: false; id: string; kind: FailureKind; code: string; message: string };

export interface LeadSink {
  readonly crm: CrmName;
  /**
   * True when `writeTossUp` writes `TossUpUpdate.sla` (the SLA status fields the sweep writes) with
   * the toss-up fields: the Salesforce and HubSpot connectors. Absent, a new hand-off's first SLA
   * status is left to the sweep.
   */
  readonly writesSlaStatus?: boolean;
  writeTossUp(updates: readonly TossUpUpdate[]): Promise<WriteOutcome[]>;
  /** Must be idempotent per `FollowUpTask.key`: a repeated key never creates a second task. */
  createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]>;
}
