import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { describeStateStoreContract } from './state-store.contract.ts';

describeStateStoreContract('MemoryStateStore', (clock) => new MemoryStateStore({ clock }));
