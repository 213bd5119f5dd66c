import { ConfigError, CrmError, FailureKind } from '../domain/errors.ts';
import { MESSAGE_MAX, scrubText } from '../logging/scrub.ts';
import { CursorConflictError } from '../ports/state-store.ts';
import { RunLeaseLostError } from './run-lease.ts';

/**
 * What the run does about a failure, decided in one place (docs/pipeline.md has the table):
 * - `skip`: this record cannot be written; record why, go on with the others, commit the page.
 * - `retry`: a CRM hiccup the connector could not absorb; stop before committing the page, the next
 *   run re-processes it (idempotent).
 * - `resume_later`: the day's API allowance is spent; stop cleanly, cursor where it was.
 * - `fix`: credentials or mapping are wrong; stop, an admin must fix the settings.
 * - `investigate`: another run moved the cursor, or an unexpected error; stop, nothing committed.
 */
export type FailureAction = 'skip' | 'retry' | 'resume_later' | 'fix' | 'investigate';

const ACTION: Readonly<Record<FailureKind, FailureAction>> = {
  [FailureKind.InvalidRecord]: 'skip',
  [FailureKind.Transient]: 'retry',
  [FailureKind.RateLimited]: 'retry',
  [FailureKind.QuotaExhausted]: 'resume_later',
  [FailureKind.Auth]: 'fix',
  [FailureKind.Config]: 'fix',
};

export function actionFor(kind: FailureKind): FailureAction {
  return ACTION[kind];
}

/** Why a run (or a batch) stopped early. */
export interface StopSignal {
  /** A CRM failure kind, `conflict` (cursor moved by another run) or `error` (unexpected). */
  kind: FailureKind | 'conflict' | 'error';
  action: Exclude<FailureAction, 'skip'>;
  code: string;
  message: string;
  /** The record whose failure stopped the run, when one did. */
  leadId?: string;
}

/** Classifies anything thrown by a connector, the state store or the config into a stop. */
export function stopFromError(e: unknown): StopSignal {
  if (e instanceof CrmError) {
    const action = actionFor(e.kind);
    return {
      kind: e.kind,
      // A whole call failing with invalid_record is not one record: nothing can be committed.
      action: action === 'skip' ? 'retry' : action,
      code: e.code,
      message: scrubText(e.message, MESSAGE_MAX),
    };
  }
  if (e instanceof ConfigError) return { kind: 'config', action: 'fix', code: 'config', message: e.message };
  if (e instanceof CursorConflictError) {
    return { kind: 'conflict', action: 'investigate', code: 'cursor_conflict', message: e.message };
  }
  if (e instanceof RunLeaseLostError) {
    return { kind: 'conflict', action: 'investigate', code: 'lease_lost', message: e.message };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    kind: 'error',
    action: 'investigate',
    code: 'unexpected',
    message: scrubText(message, MESSAGE_MAX),
  };
}

/** Process exit codes of `tossup sync`, documented in docs/pipeline.md. */
export const ExitCode = {
  Ok: 0,
  Unexpected: 1,
  Fix: 2,
  Skipped: 3,
  Stopped: 4,
  /** Another run of the same CRM and profile holds the run lease; nothing was done. */
  Busy: 5,
} as const;
