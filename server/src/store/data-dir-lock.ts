/**
 * One server per data directory: an exclusive lock file, `DATA_DIR/lifemmo.lock`, taken
 * before anything else in the directory is read or written and removed at a clean close.
 *
 * The file is created atomically (a hard link that fails if the name exists, or
 * O_CREAT | O_EXCL where there are no hard links) and holds its holder's pid, host name
 * and start time as JSON. A lock left by a process that died (kill -9, power loss) is
 * stale and taken over when the holder is on this host and its pid is gone (or is our own
 * pid from before this process started, which a restarted container can hand out again);
 * a lock held from another host is never taken over, since its pid cannot be checked from
 * here: the operator removes the file once sure that server is gone.
 *
 * Why not an npm lock package: proper-lockfile decides staleness by an mtime it refreshes
 * on a timer, so a sim thread busy for longer than its stale period (an overloaded tick)
 * would lose its lock to a second server; the holder's pid is what says whether a holder
 * is alive. A kernel lock (flock) would be best but Node has no binding for it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeError } from '@lifemmo/shared';

/** The lock file's name inside DATA_DIR. */
export const LOCK_FILE = 'lifemmo.lock';

/** What the lock file says. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
}

// Lock files this thread holds: a second store on the same directory is refused like a
// second process (other threads are told apart by the lock's age, see isStale).
const heldHere = new Set<string>();

/** A held lock on one directory; `release()` at a clean close. */
export class DataDirLock {
  private constructor(
    /** The lock file's path. */
    readonly path: string,
    private readonly content: string,
  ) {}

  /**
   * Take the lock on `dir` (which must exist), taking over a stale one.
   * @throws LifeError LIFE_ERR_STORE_LOCKED when another live server holds it, naming it.
   */
  static async acquire(dir: string): Promise<DataDirLock> {
    const path = join(dir, LOCK_FILE);
    if (heldHere.has(path)) throw locked(dir, path, { pid: process.pid, host: hostname(), since: 'earlier' }, 'another store of this process');
    // A live holder is refused before anything is written, not even our own lock file.
    const current = await readHolder(path);
    if (current !== 'gone' && current !== 'unreadable' && !isStale(current)) throw locked(dir, path, current, 'another lifemmo server');
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    const content = `${JSON.stringify(holder)}\n`;
    // A few rounds: between finding a stale lock and removing it another starting server
    // may take it first, and then it is that server's.
    for (let round = 0; round < 5; round++) {
      if (await createWith(path, content)) {
        heldHere.add(path);
        return new DataDirLock(path, content);
      }
      const found = await readHolder(path);
      if (found === 'gone') continue;
      // An unreadable file (damaged, or written by hand) names no holder that could be alive.
      if (found !== 'unreadable' && !isStale(found)) throw locked(dir, path, found, 'another lifemmo server');
      // Remove it only if it is still the stale one we read, so a lock another server
      // just took is left alone.
      const again = await readHolder(path);
      if (JSON.stringify(again) !== JSON.stringify(found)) continue;
      await rm(path, { force: true });
    }
    throw new LifeError('STORE_LOCKED', `Could not take the lock ${path}: other servers keep taking it`);
  }

  /** Remove the lock file (only if it is still ours). */
  async release(): Promise<void> {
    if (!heldHere.delete(this.path)) return;
    const now = await readFile(this.path, 'utf8').catch(() => null);
    if (now === this.content) await rm(this.path, { force: true });
  }
}

/**
 * Create `path` holding `content` unless it exists; false when it does. The content is
 * written to a file of our own first and linked into place, so the lock file is never seen
 * empty; where the file system has no hard links, `wx` (create exclusively) does it.
 */
async function createWith(path: string, content: string): Promise<boolean> {
  const own = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(own, content, { flag: 'wx' });
  try {
    await link(own, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
  } finally {
    await rm(own, { force: true });
  }
  try {
    await writeFile(path, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readHolder(path: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return 'unreadable';
    return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? 'unknown') };
  } catch {
    return 'unreadable';
  }
}

/**
 * A holder on this host whose process is gone, or whose pid is ours but who took the lock
 * before this process started: a previous life of a container that hands out the same
 * pid again. (Our own threads' locks are younger than the process; a margin of a second
 * keeps a small clock step from mistaking one for stale.)
 */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) {
    const processStart = Date.now() - process.uptime() * 1000;
    const since = Date.parse(holder.since);
    return Number.isFinite(since) && since < processStart - 1000;
  }
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists but is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function locked(dir: string, path: string, holder: LockHolder, who: string): LifeError {
  return new LifeError(
    'STORE_LOCKED',
    `DATA_DIR ${dir} is in use by ${who} (pid ${holder.pid} on host ${holder.host}, since ${holder.since}): ` +
      `one server per data directory. Stop that server or use another DATA_DIR; if no server runs there, delete ${path}`,
    { path, pid: holder.pid, host: holder.host },
  );
}
