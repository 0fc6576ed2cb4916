// The in-memory store passes the shared Store contract.
import { MemoryStore } from '../../src/proxy/store/memory.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory', async () => new MemoryStore());
