// Worker threads do not inherit tsx's loader on Node 20 (as server/src/sim/sim-worker-entry.mjs
// explains): register it, then load the TypeScript worker of the region durability test.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import('./durable-region-worker.ts');
