/**
 * A store's directory as kill -9 would leave it, copied from a store still running in this
 * process (the region tests' "killed" regions): every file but the lock (the abandoned store
 * still holds it) and a snapshot being written (`.tmp`: gone by the time it is copied, or
 * torn). The store runs on while it is copied, so a log segment a new snapshot made obsolete
 * may go between the listing and its copy; then the listing is stale and the whole
 * directory is copied again (kill -9 leaves it as it is at one instant, never half of two).
 */
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCK_FILE } from '@lifemmo/server/store';

/** Copy `dir` into `to` (emptied first) as described above; resolves to `to`. */
export async function imageOf(dir: string, to: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    await rm(to, { recursive: true, force: true });
    await mkdir(to, { recursive: true });
    try {
      for (const name of await readdir(dir)) if (name !== LOCK_FILE && !name.endsWith('.tmp')) await copyFile(join(dir, name), join(to, name));
      return to;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 10) throw err;
    }
  }
}
