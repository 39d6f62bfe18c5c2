/** A store that keeps everything in the process: tests, and servers that need no durability. */
import type { WalEntry, WalRecord } from './records.js';
import type { Snapshot } from './snapshot-codec.js';
import type { Store, StoredState } from './store.js';

/** In-process store; a new MemoryStore over the same `shared` state acts as a restart. */
export class MemoryStore implements Store {
  private lsn = 0;

  constructor(
    /** The state that outlives one store object (pass the same one to "restart"). */
    readonly shared: { records: WalRecord[]; snapshot: Snapshot | null } = { records: [], snapshot: null },
  ) {}

  get lastLsn(): number {
    return this.lsn;
  }

  /** Memory never fails to write. */
  get failure(): null {
    return null;
  }

  onFailureChange(): () => void {
    return () => undefined;
  }

  async claim(): Promise<void> {}

  async open(): Promise<StoredState> {
    const base = this.shared.snapshot?.header.lsn ?? 0;
    const records = this.shared.records.filter((r) => r.lsn > base);
    this.lsn = this.shared.records.at(-1)?.lsn ?? base;
    return { snapshot: this.shared.snapshot, records, warnings: [] };
  }

  async append(entry: WalEntry, _durable: boolean): Promise<void> {
    this.shared.records.push({ ...entry, lsn: ++this.lsn } as WalRecord);
  }

  async sync(): Promise<void> {}

  async writeSnapshot(snapshot: Snapshot): Promise<void> {
    this.shared.snapshot = snapshot;
    this.shared.records = this.shared.records.filter((r) => r.lsn > snapshot.header.lsn);
  }

  async close(): Promise<void> {}
}
