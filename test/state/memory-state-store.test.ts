import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { describeLeaseStoreContract, describeStateStoreContract } from './state-store.contract.ts';

describeStateStoreContract('MemoryStateStore', (clock) => new MemoryStateStore({ clock }));
describeLeaseStoreContract('MemoryStateStore', (clock) => new MemoryStateStore({ clock }));
