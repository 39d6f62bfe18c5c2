/**
 * The storage seam: where acknowledged facts (players, placements, resets) and world
 * snapshots are kept. `FileStore` (files under DATA_DIR) is the embedded default;
 * `MemoryStore` keeps everything in the process (tests, and a server that needs no
 * durability). One contract test suite runs over both.
 */
import type { LifeError } from '@lifemmo/shared';
import type { WalEntry, WalRecord } from './records.js';
import type { Snapshot } from './snapshot-codec.js';

/** What a store holds when it is opened: the base snapshot and the log after it. */
export interface StoredState {
  /** The newest valid snapshot, or null (start from an empty world). */
  readonly snapshot: Snapshot | null;
  /** Log records after the snapshot (lsn > snapshot lsn), in order. */
  readonly records: readonly WalRecord[];
  /** Damage found and worked around (a bad snapshot skipped, a torn log tail cut). */
  readonly warnings: readonly string[];
}

/** Told when a store starts or stops failing to write (null: writable again). */
export type StoreFailureListener = (failure: LifeError | null) => void;

/** Durable storage of one world. */
export interface Store {
  /**
   * Take exclusive use of the storage (DATA_DIR's lock), touching nothing else; `open`
   * does it too. Lets a process refuse to start before it connects to anything.
   * @throws LifeError LIFE_ERR_STORE_LOCKED when another server holds it.
   */
  claim(): Promise<void>;
  /** Claim, read what is stored and get ready to append. Call once, before anything else. */
  open(): Promise<StoredState>;
  /**
   * Append a record. With `durable`, resolves once it is on stable storage (records
   * arriving meanwhile share the next flush: group commit); without, once queued (it is
   * flushed with the next durable one). Every record is kept, in order, even when its
   * durable append is refused (LIFE_ERR_STORE_FAILED): the caller may have changed the
   * world already, and the log must say so once it can be written again.
   */
  append(entry: WalEntry, durable: boolean): Promise<void>;
  /**
   * LIFE_ERR_STORE_FAILED while records cannot be made durable (a full disk, an I/O
   * error); null when they can. The store keeps retrying meanwhile.
   */
  readonly failure: LifeError | null;
  /** Listen to changes of `failure`; returns the function that stops listening. */
  onFailureChange(listener: StoreFailureListener): () => void;
  /** Resolves once every record appended so far is on stable storage. */
  sync(): Promise<void>;
  /** Sequence number of the last record appended (0 before any). */
  readonly lastLsn: number;
  /** Write a snapshot (its header.lsn says which records it includes) and prune old files. */
  writeSnapshot(snapshot: Snapshot): Promise<void>;
  /** Flush and release files. */
  close(): Promise<void>;
}
