// Worker threads do not inherit tsx's loader on Node 20 (`--import tsx` in the parent is
// not applied to workers), so each worker registers it, then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
