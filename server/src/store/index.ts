/** Durable storage: the write-ahead log, snapshots, and the stores behind them. */
export type { Store, StoredState, StoreFailureListener } from './store.js';
export { DataDirLock, LOCK_FILE, type LockHolder } from './data-dir-lock.js';
export { FileStore, STORE_RETRY_MS, type FileStoreOptions } from './file-store.js';
export { MemoryStore } from './memory-store.js';
export type { WalEntry, WalRecord } from './records.js';
export { SNAPSHOT_VERSION, decodeSnapshot, encodeSnapshot, type Snapshot, type SnapshotHeader } from './snapshot-codec.js';
