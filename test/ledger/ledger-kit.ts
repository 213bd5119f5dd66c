import { type Dirent, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerWiring } from '../../src/ledger/flush-ledger.ts';
import type { DecisionRecord, EventRecord, LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { FileLedgerOutbox } from '../../src/state/file-ledger-outbox.ts';

/** A fresh state directory with the local ledger and its outbox. */
export function localLedgerAt(stateDir = mkdtempSync(join(tmpdir(), 'tossup-ledger-'))): LedgerWiring & {
  stateDir: string;
  errors: string[];
} {
  const errors: string[] = [];
  return {
    stateDir,
    errors,
    ledger: new FileLedger(stateDir),
    outbox: new FileLedgerOutbox(stateDir),
    onError: (m) => {
      errors.push(m);
    },
  };
}

/** Every file under `dir` (recursively), as text: what the PII test searches. */
export function allText(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out += `${readFileSync(join(e.parentPath, e.name), 'utf8')}\n`;
  }
  return out;
}

/** The ledger's rows as written (JSON Lines of every partition). */
export function ledgerRows(stateDir: string): LedgerRecord[] {
  const root = join(stateDir, 'ledger');
  let names: Dirent[];
  try {
    names = readdirSync(root, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return names
    .filter((e) => e.isFile() && e.name.endsWith('.jsonl'))
    .flatMap((e) =>
      readFileSync(join(e.parentPath, e.name), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as LedgerRecord),
    );
}

export const decisionsOf = (rows: LedgerRecord[]): DecisionRecord[] =>
  rows.filter((r): r is DecisionRecord => r.kind === 'decision');
export const eventsOf = (rows: LedgerRecord[]): EventRecord[] =>
  rows.filter((r): r is EventRecord => r.kind === 'event');
