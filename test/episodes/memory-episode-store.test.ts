import { MemoryEpisodeStore } from '../../src/state/memory-episode-store.ts';
import { describeEpisodeStoreContract } from './episode-store.contract.ts';

// One process, one map: the "other" view is the same store.
describeEpisodeStoreContract('MemoryEpisodeStore', async () => {
  const store = new MemoryEpisodeStore();
  return { store, other: () => store };
});
