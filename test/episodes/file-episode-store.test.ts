import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { describeEpisodeStoreContract } from './episode-store.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-episodes-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeEpisodeStoreContract('FileEpisodeStore', async (clock) => {
  const dir = join(root, `s${++n}`);
  // `other` is a second store object on the same directory: another process's view.
  return { store: new FileEpisodeStore(dir, { clock }), other: () => new FileEpisodeStore(dir, { clock }) };
});

it('FileEpisodeStore offers the batch forms (one lock and one write per file for a whole sweep batch)', () => {
  const store = new FileEpisodeStore(join(root, 'batch'));
  expect(typeof store.recordSteps).toBe('function');
  expect(typeof store.putMany).toBe('function');
});
