/**
 * The embedded default store: files under one directory.
 *
 *   wal-<first lsn>.log        write-ahead log segments: checksummed frames of JSON records
 *   snapshot-<lsn>.lms         snapshots (snapshot-codec.ts), newest = highest lsn
 *
 * Durability: a durable append resolves only after write + fdatasync of its segment;
 * appends that arrive while a flush is running wait for the next one, so under load one
 * fsync serves many requests (group commit) and an idle server pays one per request.
 * Snapshots are written to a temporary file, fsynced, renamed, and the directory fsynced.
 * A new log segment starts at every open and every snapshot; the newest `keepSnapshots`
 * snapshots are kept, with every log segment any of them may need.
 *
 * Damage: a snapshot that fails its checksum is skipped for an older one; a log ends at
 * its first damaged frame (a torn write at a crash): the segment is cut there and later
 * segments are set aside as *.damaged. Both are reported as warnings.
 *
 * One store per directory: `open` first takes DATA_DIR's lock (data-dir-lock.ts) and
 * reads nothing before it has it; `close` gives it back.
 *
 * A failed write (ENOSPC, EIO, a short write): the log goes back to what the last good
 * fdatasync covered (the segment is truncated there, so no torn frame stays between good
 * ones), the records written since are put back at the head of the queue in order, and
 * the store is failing: durable appends are refused at once (`failure`), every record is
 * still kept in order, and every second the queue is written again. When a write and its
 * fdatasync succeed, the store is healthy again with no gap in the records, so the log
 * still says exactly what the live world did. Nothing is acknowledged before its fdatasync.
 */
import { mkdir, open, readdir, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { writevSync } from 'node:fs';
import { join } from 'node:path';
import { LifeError } from '@lifemmo/shared';
import { DataDirLock } from './data-dir-lock.js';
import { encodeFrame, scanFrames } from './frames.js';
import { WalRecordSchema, type WalEntry, type WalRecord } from './records.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from './snapshot-codec.js';
import type { Store, StoredState, StoreFailureListener } from './store.js';

const SEGMENT = /^wal-(\d+)\.log$/;
const SNAPSHOT = /^snapshot-(\d+)\.lms$/;
const pad = (n: number) => String(n).padStart(12, '0');

/** How often a failing store tries to write its queue again, ms. */
export const STORE_RETRY_MS = 1_000;
/**
 * Bytes of frames written without an fdatasync (tick marks, which wait for none) after
 * which a flush syncs anyway: what a failed fdatasync makes the store write again is kept
 * in memory until then.
 */
const SYNC_EVERY_BYTES = 1024 * 1024;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A record encoded for the log. */
interface Frame {
  readonly bytes: Buffer;
  readonly lsn: number;
  /** A tick mark: the next tick's mark may replace it while it waits (see append). */
  readonly tick: boolean;
}

/** Options of FileStore. */
export interface FileStoreOptions {
  /** Snapshots to keep (>= 1); older ones and the log only they need are deleted. */
  readonly keepSnapshots: number;
  /** How often a failing store retries, ms (default STORE_RETRY_MS). */
  readonly retryMs?: number;
}

/** Files under `dir`; see the module comment. */
export class FileStore implements Store {
  private lsn = 0;
  private lock: DataDirLock | null = null;
  private segment: FileHandle | null = null;
  // Bytes of whole frames in the segment, and how many of them the last fdatasync covered.
  private segmentBytes = 0;
  private syncedBytes = 0;
  // Frames written since the last good fdatasync (written again if it fails).
  private unsynced: Frame[] = [];
  private unsyncedBytes = 0;
  private pending: Frame[] = [];
  private waiters: Waiter[] = [];
  private flushQueued = false;
  // Every file operation (flush, segment switch, close) runs in this order, one at a time.
  private operations: Promise<void> = Promise.resolve();
  private failed: LifeError | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly failureListeners = new Set<StoreFailureListener>();

  constructor(
    readonly dir: string,
    private readonly options: FileStoreOptions = { keepSnapshots: 3 },
  ) {}

  get lastLsn(): number {
    return this.lsn;
  }

  get failure(): LifeError | null {
    return this.failed;
  }

  onFailureChange(listener: StoreFailureListener): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  async claim(): Promise<void> {
    if (this.lock !== null) return;
    await mkdir(this.dir, { recursive: true });
    this.lock = await DataDirLock.acquire(this.dir);
  }

  async open(): Promise<StoredState> {
    await this.claim();
    try {
      return await this.read();
    } catch (err) {
      await this.lock?.release();
      this.lock = null;
      throw err;
    }
  }

  private async read(): Promise<StoredState> {
    const names = await readdir(this.dir);
    const warnings: string[] = [];

    // The newest snapshot that reads back whole.
    let snapshot: Snapshot | null = null;
    const snapshots = names.filter((n) => SNAPSHOT.test(n)).sort().reverse();
    for (const name of snapshots) {
      try {
        snapshot = decodeSnapshot(await readFile(join(this.dir, name)));
        break;
      } catch (err) {
        warnings.push(`${name}: ${(err as Error).message}; falling back to an older snapshot`);
      }
    }
    const base = snapshot?.header.lsn ?? 0;

    // The log after it, up to the first damage.
    const records: WalRecord[] = [];
    let last = base;
    const segments = names.filter((n) => SEGMENT.test(n)).sort();
    let damagedFrom = -1;
    for (let s = 0; s < segments.length && damagedFrom < 0; s++) {
      const name = segments[s]!;
      const path = join(this.dir, name);
      const scan = scanFrames(await readFile(path));
      for (const payload of scan.payloads) {
        const record = parseRecord(payload);
        if (record === null || record.lsn <= base) {
          if (record === null) warnings.push(`${name}: unreadable record skipped`);
          continue;
        }
        if (record.lsn !== last + 1 && last > 0) {
          warnings.push(`${name}: log jumps from record ${last} to ${record.lsn}; stopping there`);
          damagedFrom = s + 1;
          break;
        }
        records.push(record);
        last = record.lsn;
      }
      if (scan.problem !== null && damagedFrom < 0) {
        warnings.push(`${name}: ${scan.problem}; the log is cut there (${records.length} records after the snapshot kept)`);
        await truncate(path, scan.goodBytes);
        damagedFrom = s + 1;
      }
    }
    if (damagedFrom >= 0) {
      for (const name of segments.slice(damagedFrom)) await rename(join(this.dir, name), join(this.dir, `${name}.damaged`));
    }
    if (snapshot === null && records.length > 0 && records[0]!.lsn !== 1) {
      throw new LifeError('STORE_DAMAGED', `No snapshot, and the log starts at record ${records[0]!.lsn}, not 1: refusing to start on partial data`);
    }
    if (snapshot !== null && records.length > 0 && records[0]!.lsn !== base + 1) {
      throw new LifeError('STORE_DAMAGED', `The log after the snapshot starts at record ${records[0]!.lsn}, not ${base + 1}: refusing to start on partial data`);
    }

    this.lsn = last;
    await this.startSegment(last + 1);
    return { snapshot, records, warnings };
  }

  append(entry: WalEntry, durable: boolean): Promise<void> {
    if (this.closed) return Promise.reject(storeFailed(new Error('the store is closed')));
    // While failing, consecutive tick marks waiting to be written say no more than the
    // last of them (a mark means "the world reached this generation"), so the newest
    // replaces the one before under its sequence number: the queue of a store that cannot
    // write grows only with records that matter, not by one mark a tick.
    const tail = this.pending.at(-1);
    if (entry.t === 'tick' && tail?.tick === true && this.failed !== null) {
      this.pending[this.pending.length - 1] = frameOf({ ...entry, lsn: tail.lsn });
    } else {
      this.pending.push(frameOf({ ...entry, lsn: ++this.lsn }));
    }
    if (!durable) {
      this.kick();
      return Promise.resolve();
    }
    // Kept in order all the same: the caller may have changed the world already, and the
    // log must say so once it can be written.
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  sync(): Promise<void> {
    if (this.closed) return Promise.reject(storeFailed(new Error('the store is closed')));
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  async writeSnapshot(snapshot: Snapshot): Promise<void> {
    const name = `snapshot-${pad(snapshot.header.lsn)}.lms`;
    const temporary = join(this.dir, `${name}.tmp`);
    try {
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(encodeSnapshot(snapshot));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(this.dir, name));
    } catch (err) {
      // A half-written snapshot on a full disk would hold on to the space it took.
      await rm(temporary, { force: true });
      throw err;
    }
    await this.syncDir();
    await this.serial(() => this.nextSegment());
    await this.prune();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.serial(async () => {
      try {
        // A last try for what is queued; what cannot be written was never acknowledged.
        if (this.pending.length > 0) await this.flush(true);
        await this.segment?.close();
      } finally {
        this.segment = null;
        await this.lock?.release();
        this.lock = null;
      }
    });
  }

  /** Run `op` after every file operation queued before it. */
  private serial(op: () => Promise<void>): Promise<void> {
    const run = this.operations.then(op);
    this.operations = run.catch(() => undefined);
    return run;
  }

  /** Queue one flush unless one is queued already (it will take everything pending then). */
  private kick(): void {
    // A failing store writes again on its retry timer, not on every append.
    if (this.flushQueued || this.failed !== null) return;
    this.flushQueued = true;
    void this.serial(() => this.flush(false));
  }

  /** Write what is pending; fdatasync when someone waits. `retry`: also while failing. */
  private async flush(retry: boolean): Promise<void> {
    this.flushQueued = false;
    if (this.failed !== null && !retry) return;
    const frames = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    if (frames.length === 0 && waiters.length === 0) return;
    // Once written, the frames are among `unsynced`, which a failure queues again.
    let written = false;
    try {
      const segment = this.segment;
      if (segment === null) throw new Error('the store is closed');
      // After a failure the segment is cut back to its last good fdatasync before anything
      // else is written (a no-op when that already worked).
      if (retry) await segment.truncate(this.segmentBytes);
      if (frames.length > 0) {
        // The write is synchronous: it only copies a batch of frames (tens of KB) into the
        // page cache, which takes microseconds, while an async write costs a trip through
        // the thread pool and back through a busy event loop, measured at 2-13 ms (p50-p90)
        // under load, that every waiting request would sit through. The fsync, which waits
        // for the disk, stays async.
        const buffers = frames.map((f) => f.bytes);
        const size = buffers.reduce((n, b) => n + b.length, 0);
        const wrote = writevSync(segment.fd, buffers);
        if (wrote !== size) throw Object.assign(new Error(`short write to the log: ${wrote} of ${size} bytes (is the disk full?)`), { code: 'ENOSPC' });
        this.segmentBytes += size;
        this.unsynced.push(...frames);
        this.unsyncedBytes += size;
        written = true;
      }
      if (waiters.length > 0 || this.unsyncedBytes >= SYNC_EVERY_BYTES || retry) {
        await segment.datasync();
        this.syncedBytes = this.segmentBytes;
        this.unsynced = [];
        this.unsyncedBytes = 0;
      }
      if (this.failed !== null) this.setFailure(null);
      for (const w of waiters) w.resolve();
    } catch (err) {
      await this.fail(err, written ? [] : frames, waiters);
    }
  }

  /**
   * A write or fdatasync failed: go back to the last good fdatasync, queue again in order
   * what was written since and what this flush tried, refuse the waiters, and retry later.
   */
  private async fail(err: unknown, frames: Frame[], waiters: Waiter[]): Promise<void> {
    const failure = storeFailed(err);
    this.pending = [...this.unsynced, ...frames, ...this.pending];
    this.unsynced = [];
    this.unsyncedBytes = 0;
    this.segmentBytes = this.syncedBytes;
    // Cut now if possible; if not, the retry cuts before it writes anything.
    await this.segment?.truncate(this.syncedBytes).catch(() => undefined);
    for (const w of [...waiters, ...this.waiters]) w.reject(failure);
    this.waiters = [];
    if (this.failed === null) this.setFailure(failure);
    else this.failed = failure;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.serial(() => (this.failed === null ? Promise.resolve() : this.flush(true)));
    }, this.options.retryMs ?? STORE_RETRY_MS);
    this.retryTimer.unref();
  }

  private setFailure(failure: LifeError | null): void {
    this.failed = failure;
    for (const listener of this.failureListeners) listener(failure);
  }

  /**
   * After a snapshot: the log goes on in a new segment, once the current one is wholly on
   * disk (so no later segment can ever follow a torn one). A failing store stays in its
   * segment until it is healthy again.
   */
  private async nextSegment(): Promise<void> {
    if (this.failed !== null || this.segment === null) return;
    try {
      await this.segment.datasync();
    } catch (err) {
      await this.fail(err, [], []);
      return;
    }
    // Records queued meanwhile go to the new segment, which is named by the first of them.
    const next = this.pending[0]?.lsn ?? this.lsn + 1;
    await this.startSegment(next);
  }

  private async startSegment(firstLsn: number): Promise<void> {
    await this.segment?.close();
    this.segment = await open(join(this.dir, `wal-${pad(firstLsn)}.log`), 'a');
    const { size } = await this.segment.stat();
    this.segmentBytes = size;
    this.syncedBytes = size;
    this.unsynced = [];
    this.unsyncedBytes = 0;
    await this.syncDir();
  }

  private async syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** Keep the newest snapshots and the log segments they need. */
  private async prune(): Promise<void> {
    const names = await readdir(this.dir);
    const snapshots = names.filter((n) => SNAPSHOT.test(n)).sort().reverse();
    const kept = snapshots.slice(0, Math.max(1, this.options.keepSnapshots));
    for (const name of snapshots.slice(kept.length)) await rm(join(this.dir, name), { force: true });
    const oldestKeptLsn = Number(SNAPSHOT.exec(kept.at(-1)!)![1]);
    // A segment is needed while the next one starts after the oldest kept snapshot's lsn + 1.
    const segments = names.filter((n) => SEGMENT.test(n)).sort();
    for (let s = 0; s + 1 < segments.length; s++) {
      const nextFirst = Number(SEGMENT.exec(segments[s + 1]!)![1]);
      if (nextFirst <= oldestKeptLsn + 1) await rm(join(this.dir, segments[s]!), { force: true });
    }
  }
}

function frameOf(record: WalRecord): Frame {
  return { bytes: encodeFrame(Buffer.from(JSON.stringify(record), 'utf8')), lsn: record.lsn, tick: record.t === 'tick' };
}

function parseRecord(payload: Buffer): WalRecord | null {
  try {
    return WalRecordSchema.parse(JSON.parse(payload.toString('utf8')));
  } catch {
    return null;
  }
}

function storeFailed(cause: unknown): LifeError {
  return new LifeError('STORE_FAILED', `Could not write the log: ${(cause as Error).message ?? String(cause)}`);
}
