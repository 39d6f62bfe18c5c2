// Worker threads do not inherit tsx's loader on Node 20 (`--import tsx` in the parent is
// not applied to workers), so each worker registers it, then loads the TypeScript worker.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The repo's tsconfig maps @lifemmo/* to their sources (whatever the current directory).
register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
await import('./worker.ts');
