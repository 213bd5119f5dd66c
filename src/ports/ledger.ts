import type { CrmName } from '../domain/lead.ts';
import type { LedgerQuery } from '../ledger/ledger-queries.ts';
import type { LedgerRecord } from '../ledger/ledger-record.ts';
import type { TossUpFieldValues } from './lead-sink.ts';

/**
 * The decision ledger (docs/ledger.md): append-only, partitioned by date, idempotent per record id —
 * appending a record whose id is already there adds nothing, however often a retry brings it.
 */
export interface Ledger {
  /** Appends the records not in the ledger yet; resolves once they are durable. */
  append(records: readonly LedgerRecord[]): Promise<{ appended: number }>;
}

/** A CRM write a staged decision waits for: the lead and the fields it writes. */
export interface AwaitedWrite {
  crm: CrmName;
  objectType: string;
  leadId: string;
  fields: TossUpFieldValues;
}

export interface LedgerOutboxEntry {
  record: LedgerRecord;
  /**
   * Set while the decision's CRM write is not known to have happened (staged before it): the entry is
   * appended once it is (`ready`), or once a later read of the lead shows the written fields; dropped
   * when the write failed or the lead shows otherwise. Absent: ready to append.
   */
  awaiting?: AwaitedWrite;
}

/**
 * Where ledger records wait between the moment they are known and their append (file store for the
 * CLI): written before the CRM write, so a crash in between loses nothing, and emptied by `flush`
 * (src/ledger/flush-ledger.ts) after it. Record ids make every step safe to repeat.
 */
export interface LedgerOutbox {
  put(entries: readonly LedgerOutboxEntry[]): Promise<void>;
  /** The entries of these ids no longer await a write. */
  ready(ids: readonly string[]): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
  list(): Promise<LedgerOutboxEntry[]>;
}

/** Runs the ledger's queries (src/ledger/ledger-queries.ts): DuckDB over the local files, Athena later. */
export interface LedgerReader {
  query(q: LedgerQuery, params: readonly (string | number | boolean)[]): Promise<Record<string, unknown>[]>;
  close(): void;
}
