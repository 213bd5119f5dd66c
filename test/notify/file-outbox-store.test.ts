import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileOutboxStore } from '../../src/state/file-outbox-store.ts';
import { outboxStoreContract } from './outbox-store.contract.ts';

outboxStoreContract('the file store', {
  async stores(clock) {
    const dir = mkdtempSync(join(tmpdir(), 'tossup-outbox-store-'));
    return [new FileOutboxStore(dir, { clock }), new FileOutboxStore(dir, { clock })];
  },
});
