import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRecheckStore } from '../../src/state/file-recheck-store.ts';
import { describeRecheckStoreContract } from './recheck-store.contract.ts';

describeRecheckStoreContract('FileRecheckStore', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'rechecks-'));
  return { store: new FileRecheckStore(dir, { clock }), other: () => new FileRecheckStore(dir, { clock }) };
});
