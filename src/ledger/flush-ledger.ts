import type { Ledger, LedgerOutbox } from '../ports/ledger.ts';

/** The ledger and its outbox, as the sync and the sweep are given them (absent: nothing is recorded). */
export interface LedgerWiring {
  ledger: Ledger;
  outbox: LedgerOutbox;
  /**
   * Told when the outbox or the ledger fails. Recording never stops or fails a CRM write: what could
   * not be appended stays in the outbox for the next flush.
   */
  onError?: (message: string) => void;
  /**
   * Whether a decision is staged in the outbox before its CRM write (default true). False where the
   * caller's input comes back if it dies before acknowledging it — the worker's SQS messages: the
   * redelivery decides the lead again and writes and records the same decision (the same record id;
   * readers keep one row per id), so staging would only double what the message already keeps, at a
   * write and a delete of the outbox a batch (docs/cost.md). Then only a decision whose append fails
   * goes to the outbox, for the next flush.
   */
  stageBeforeWrite?: boolean;
}

/** At most this many records per append, so a long backlog is written in bounded files. */
const CHUNK = 5_000;

/**
 * Appends every outbox entry that no longer awaits a CRM write, then removes it from the outbox. Safe
 * to repeat and to run beside another flush: the ledger keeps one row per record id, so a crash
 * between the append and the removal only makes the next flush append nothing.
 */
export async function flushLedger(w: LedgerWiring): Promise<{ appended: number; awaiting: number }> {
  const entries = await w.outbox.list();
  const ready = entries.filter((e) => !e.awaiting);
  let appended = 0;
  for (let i = 0; i < ready.length; i += CHUNK) {
    const chunk = ready.slice(i, i + CHUNK);
    appended += (await w.ledger.append(chunk.map((e) => e.record))).appended;
    await w.outbox.remove(chunk.map((e) => e.record.record_id));
  }
  return { appended, awaiting: entries.length - ready.length };
}

/** `flushLedger` that reports a failure instead of throwing (the next flush retries). */
export async function flushLedgerQuietly(w: LedgerWiring | undefined): Promise<void> {
  if (!w) return;
  try {
    await flushLedger(w);
  } catch (e) {
    w.onError?.(
      `the decision ledger could not be appended to (${errorText(e)}); its records stay in the outbox and are appended by the next run`,
    );
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
