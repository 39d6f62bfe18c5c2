// Worker threads do not inherit tsx's loader on Node 20 (`--import tsx` in the parent is
// not applied to workers), so when the server runs from its TypeScript sources (tests,
// `tsx`), the sim's worker registers it, then loads the TypeScript worker. The built
// server (server/dist/) starts server/dist/sim-worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./sim-worker.ts');
