import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import type { OutcomeStore } from '../../src/ports/outcome-store.ts';
import { FileOutcomeStore, MemoryOutcomeStore } from '../../src/state/file-outcome-store.ts';
import { outcomeStoreContract } from './outcome-store.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-outcomes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const stores: [string, () => OutcomeStore, (() => OutcomeStore) | null][] = [
  ['MemoryOutcomeStore', () => new MemoryOutcomeStore(), null],
  [
    'FileOutcomeStore',
    () => new FileOutcomeStore(join(root, 'a')),
    () => new FileOutcomeStore(join(root, 'a')),
  ],
];

describe.each(stores)('%s', (_name, make, reopen) => outcomeStoreContract(async () => make(), reopen));
