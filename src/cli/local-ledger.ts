import type { LedgerWiring } from '../ledger/flush-ledger.ts';
import { ledgeredEpisodeStore } from '../ledger/ledgered-episode-store.ts';
import type { EpisodeStore } from '../ports/episode-store.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import { FileLedger } from '../state/file-ledger.ts';
import { FileLedgerOutbox } from '../state/file-ledger-outbox.ts';

/**
 * The local decision ledger of `tossup sync` and `tossup sweep` (docs/ledger.md): JSON Lines under
 * `<state dir>/ledger/`, its outbox under `<state dir>/ledger-outbox/`. A failure is said once per
 * run on stderr; it never stops the run.
 */
export function localLedger(stateDir: string, stderr: NodeJS.WritableStream): LedgerWiring {
  let warned = false;
  return {
    ledger: new FileLedger(stateDir),
    outbox: new FileLedgerOutbox(stateDir),
    onError(message) {
      if (warned) return;
      warned = true;
      stderr.write(`warning: ${message}\n`);
    },
  };
}

/** The episode store whose recorded steps also go to the ledger (none: the store as it is). */
export function withLedger(
  store: EpisodeStore,
  ledger: LedgerWiring | undefined,
  sla: SlaConfig,
): EpisodeStore {
  return ledger ? ledgeredEpisodeStore(store, ledger, sla) : store;
}
