import { MemoryRecheckStore } from '../../src/state/memory-recheck-store.ts';
import { describeRecheckStoreContract } from './recheck-store.contract.ts';

// One process only: `other` is the same store (a second process would not see it).
describeRecheckStoreContract('MemoryRecheckStore', async () => {
  const store = new MemoryRecheckStore();
  return { store, other: () => store };
});
