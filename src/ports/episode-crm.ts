import type { RepFeedback } from '../domain/rep-feedback.ts';
import type { FirstResponseActivity } from '../episodes/episode.ts';
import type { FollowUpTask, WriteOutcome } from './lead-sink.ts';

/**
 * What the SLA sweep asks of a CRM about episodes after the hand-off (issue 13). A connector offers it
 * as `CrmConnector.episodes`; every method works in batches (Salesforce SOQL `IN` of up to 200 ids,
 * HubSpot batch reads of up to 100), never one call per episode, and returns one result per input in
 * input order, like `LeadSink`.
 */

/** One open episode as the CRM knows it. */
export interface EpisodeRef {
  /** The episode key (also the toss-up task's idempotency key). */
  key: string;
  leadId: string;
  /** `Lead` / `Contact` (Salesforce) or `contact` (HubSpot). */
  objectType: string;
  /** The CRM user who owns the episode now (the task owner). */
  ownerId: string;
  /** The toss-up task's CRM id, when known. */
  taskId: string | null;
  /** ISO UTC: only activities at or after this instant count as a response. */
  since: string;
}

/** What the CRM shows about one episode. */
export interface EpisodeFacts {
  key: string;
  /** When the toss-up task was completed (Salesforce `Task.Status` closed; HubSpot `hs_task_status` COMPLETED). */
  taskCompletedAt: string | null;
  /**
   * The earliest call, e-mail, meeting or other activity logged by the owner on the lead/contact at or
   * after `since` (the toss-up task itself excluded); null = none.
   */
  firstActivity: { at: string; activity: FirstResponseActivity } | null;
  /** The lead/contact no longer exists (deleted, merged away, converted): the sweep closes the episode. */
  recordGone: boolean;
  /**
   * Optional (added for the sweep's chat notices): the lead's name and company, read in the same query,
   * the only personal data a chat message carries. Absent = the notice names the record by its id.
   */
  lead?: { name: string; company?: string };
  /**
   * Optional (issue 14): the rep's verdict on the lead/contact as its feedback fields hold it now (the
   * same shape the sync reads into `lead.current.feedback`), null when nothing is set. Absent = this
   * CRM does not read it in the sweep; the sync still records verdicts from its own read.
   */
  feedback?: RepFeedback | null;
}

/** The SLA status the CRM shows on the lead, so list views and reports work (values in English). */
export const SLA_STATUSES = [
  'on_track',
  'due_soon',
  'overdue',
  'escalated',
  'reassigned',
  'met',
  'late',
  'paused',
] as const;
export type SlaStatus = (typeof SLA_STATUSES)[number];

export interface SlaFieldUpdate {
  leadId: string;
  objectType: string;
  status: SlaStatus;
  /** ISO UTC of the first response, or null while there is none. */
  firstResponseAt: string | null;
}

export interface TaskClosure {
  /** The task to close (`Status` Completed / `hs_task_status` COMPLETED), with the note appended. */
  taskId: string;
  /** One line for the task's description: why it was closed ("reassigned to …"). */
  note: string;
}

/** What the CRM shows about a pending manager approval (src/approval/), read on the lead/contact. */
export interface ApprovalFacts {
  key: string;
  /** The manager's answer in the approval field (Salesforce TossUp_Approval__c, HubSpot tossup_approval). */
  decision: 'approved' | 'rejected' | null;
  /** The rejection reason field, trimmed; null when empty. */
  rejectionReason: string | null;
  /** The lead/contact no longer exists: the sweep closes the episode. */
  recordGone: boolean;
  /** The lead's name and company, read in the same call (for the chat notice), when known. */
  lead?: { name: string; company?: string };
}

export interface EpisodeCrm {
  /**
   * Episodes per `readFacts` batch this CRM reads cheapest (HubSpot: 1,000, one v4 association read
   * per activity type for the whole batch); absent = the sweep's default (200, a SOQL `IN`).
   */
  readonly batchSize?: number;
  readFacts(refs: readonly EpisodeRef[]): Promise<EpisodeFacts[]>;
  /** Writes the SLA-status and first-response fields; only what changed should be passed. */
  writeSlaFields(updates: readonly SlaFieldUpdate[]): Promise<WriteOutcome[]>;
  /** Manager and reassigned-owner tasks: the same idempotency per `key` as `LeadSink.createTasks`. */
  createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]>;
  /** Closes tasks with a note; closing a task that is already closed is a success. */
  closeTasks(closures: readonly TaskClosure[]): Promise<WriteOutcome[]>;
  /** Moves the lead/contact to a new owner (reassignment). */
  reassign(
    updates: readonly { leadId: string; objectType: string; ownerId: string }[],
  ): Promise<WriteOutcome[]>;
  /**
   * The manager of each user as the CRM records it (Salesforce `User.ManagerId`); absent where the CRM
   * has no such notion (HubSpot), null for a user without one.
   */
  managersOf?(userIds: readonly string[]): Promise<Map<string, string | null>>;
  /**
   * Optional (issue 14, manager approval): the approval fields of the leads/contacts of pending
   * approvals, batched (Salesforce `Id IN` per 200, HubSpot batch read per 100), one result per input
   * in input order. Absent = the CRM offers no approval fields, and approvals are never answered.
   */
  readApprovals?(refs: readonly EpisodeRef[]): Promise<ApprovalFacts[]>;
}
