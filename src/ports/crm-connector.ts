import type { CrmName, Lead } from '../domain/lead.ts';
import type { AccountChangeSource } from './account-changes.ts';
import type { ChangeEventStream } from './change-event-stream.ts';
import type { ChangeEventRules } from './change-events.ts';
import type { EpisodeCrm } from './episode-crm.ts';
import type { LeadSink } from './lead-sink.ts';
import type { LeadSource, SyncCursor } from './lead-source.ts';
import type { OpportunityCrm } from './opportunity-crm.ts';

/** API usage so far, per endpoint, for the run report ("calls vs the theoretical minimum"). */
export interface ApiUsage {
  calls: Readonly<Record<string, number>>;
  /** Minimum calls the same work needs (e.g. reads N/2000 + updates N/200 + tasks K/200). */
  minimum: number;
}

/** Everything the pipeline needs from one CRM; built by connectors/<crm>/, used by CLI and Lambda. */
export interface CrmConnector {
  readonly crm: CrmName;
  readonly source: LeadSource;
  readonly sink: LeadSink;
  /** Deep link to the record, for the hand-off note. */
  recordUrl(lead: Lead): string | null;
  usage(): ApiUsage;
  close(): Promise<void>;
  /**
   * The reason field's length in UTF-16 units (src/domain/text-length.ts), from the mapping. The
   * planner renders reasons to fit it, so the sink never cuts them and a re-run finds them equal.
   */
  readonly reasonMaxLength?: number;
  /** The SLA sweep's reads and writes (src/ports/episode-crm.ts); absent = the CRM has no sweep support. */
  readonly episodes?: EpisodeCrm;
  /** Opportunity outcomes for the sweep's opportunity phase (src/ports/opportunity-crm.ts); absent = none. */
  readonly opportunities?: OpportunityCrm;
  /** Account-level triggers (src/ports/account-changes.ts); absent = account changes re-decide nobody. */
  readonly accountChanges?: AccountChangeSource;
  /**
   * Before lead-field writes between syncs (the SLA sweep: SLA fields, owner, opportunity flag): the
   * sync's cursor (null: none yet). A CRM whose incremental reads leave out our own writes (Salesforce,
   * connectors/salesforce/BEHAVIOR.md "No echo") then holds back writes to records others changed
   * since it (`CHANGED_SINCE_READ`), so the next sync still reads their change. Absent = the CRM's
   * reads see our writes anyway (HubSpot).
   */
  guardWritesSince?(syncCursor: SyncCursor | null): void;
  /** How this CRM's change events are read (Salesforce CDC, src/ports/change-events.ts); absent = none. */
  readonly changeEvents?: ChangeEventRules;
  /** The change events themselves, as a stream to subscribe to (`tossup listen`); absent = none. */
  readonly changeEventStream?: ChangeEventStream;
}
