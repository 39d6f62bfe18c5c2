/** One suite for every Store implementation, then the file store's crash and damage cases. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, MemoryStore, type Snapshot, type Store, type WalRecord } from '@lifemmo/server/store';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifemmo-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function snapshotAt(lsn: number, generation: number): Snapshot {
  const cells = new Int32Array(128);
  cells[0] = 0b111;
  cells[5] = -1;
  const owners = new Uint16Array(4096).fill(3);
  owners[1] = 9;
  return {
    header: {
      lsn,
      createdAt: new Date(0).toISOString(),
      world: { generation, rule: 'B3/S23', seed: 5, width: 128, height: 128, topology: 'torus' },
      pending: [[130, 2]],
      players: [{ id: 1, name: 'ada', color: '#ff0000', tokenHash: 'ab'.repeat(32) }],
      budgets: [{ id: 1, cells: 12.5, generation }],
    },
    chunks: [
      { index: 0, cells, owner: 1, owners: null },
      { index: 3, cells, owner: 0, owners },
    ],
  };
}

/** A store factory; calling `reopen` gives a fresh store over the same stored state. */
interface Harness {
  store(): Store;
}

const implementations: Array<[string, () => Promise<Harness>]> = [
  ['MemoryStore', async () => {
    const shared = { records: [] as WalRecord[], snapshot: null as Snapshot | null };
    return { store: () => new MemoryStore(shared) };
  }],
  ['FileStore', async () => {
    const dir = await tempDir();
    return { store: () => new FileStore(dir, { keepSnapshots: 2 }) };
  }],
];

for (const [name, make] of implementations) {
  describe(`Store contract: ${name}`, () => {
    it('starts empty', async () => {
      const s = (await make()).store();
      const state = await s.open();
      expect(state.snapshot).toBeNull();
      expect(state.records).toEqual([]);
      expect(s.lastLsn).toBe(0);
      await s.close();
    });

    it('gives back every record, in order, after a restart', async () => {
      const h = await make();
      const s = h.store();
      await s.open();
      await s.append({ t: 'player', id: 1, name: 'ada', color: '#fff', tokenHash: 'x' }, true);
      await s.sync();
      await Promise.all([
        s.append({ t: 'place', owner: 1, generation: 3, cells: [[1, 2], [3, 4]] }, true),
        s.append({ t: 'tick', generation: 2 }, false),
        s.append({ t: 'reset', rule: 'B36/S23', seed: 4 }, true),
      ]);
      expect(s.lastLsn).toBe(4);
      await s.close();
      const again = h.store();
      const state = await again.open();
      expect(state.records.map((r) => [r.lsn, r.t])).toEqual([[1, 'player'], [2, 'place'], [3, 'tick'], [4, 'reset']]);
      expect(state.records[1]).toEqual({ t: 'place', lsn: 2, owner: 1, generation: 3, cells: [[1, 2], [3, 4]] });
      expect(state.warnings).toEqual([]);
      await again.append({ t: 'tick', generation: 9 }, true);
      expect(again.lastLsn).toBe(5);
      await again.close();
    });

    it('a snapshot replaces the records it includes', async () => {
      const h = await make();
      const s = h.store();
      await s.open();
      for (let g = 1; g <= 3; g++) await s.append({ t: 'tick', generation: g }, true);
      await s.writeSnapshot(snapshotAt(3, 3));
      await s.append({ t: 'tick', generation: 4 }, true);
      await s.close();
      const state = await h.store().open();
      expect(state.snapshot?.header).toEqual(snapshotAt(3, 3).header);
      expect(state.snapshot?.chunks.map((c) => [c.index, c.owner, Array.from(c.cells.slice(0, 6)), c.owners?.[1]])).toEqual([
        [0, 1, [7, 0, 0, 0, 0, -1], undefined],
        [3, 0, [7, 0, 0, 0, 0, -1], 9],
      ]);
      expect(state.records.map((r) => r.lsn)).toEqual([4]);
    });
  });
}

describe('FileStore damage and pruning', () => {
  async function filled(dir: string): Promise<void> {
    const s = new FileStore(dir, { keepSnapshots: 2 });
    await s.open();
    await s.append({ t: 'tick', generation: 1 }, true);
    await s.writeSnapshot(snapshotAt(1, 1));
    await s.append({ t: 'tick', generation: 2 }, true);
    await s.writeSnapshot(snapshotAt(2, 2));
    await s.append({ t: 'place', owner: 1, generation: 3, cells: [[5, 5]] }, true);
    await s.append({ t: 'tick', generation: 3 }, true);
    await s.close();
  }

  it('cuts a log torn mid-record and keeps everything before it', async () => {
    const dir = await tempDir();
    await filled(dir);
    const segments = (await readdir(dir)).filter((n) => n.startsWith('wal-')).sort();
    const last = join(dir, segments.at(-1)!);
    const size = (await stat(last)).size;
    await truncate(last, size - 5);
    const state = await new FileStore(dir).open();
    expect(state.snapshot?.header.lsn).toBe(2);
    expect(state.records.map((r) => r.t)).toEqual(['place']);
    expect(state.warnings.join('\n')).toMatch(/truncated frame/);
  });

  it('falls back to the previous snapshot when the newest is damaged, and replays the log from there', async () => {
    const dir = await tempDir();
    await filled(dir);
    const newest = join(dir, 'snapshot-000000000002.lms');
    const bytes = await readFile(newest);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(newest, bytes);
    const state = await new FileStore(dir).open();
    expect(state.warnings.join('\n')).toMatch(/snapshot-000000000002\.lms: Snapshot is damaged: checksum mismatch/);
    expect(state.snapshot?.header.lsn).toBe(1);
    expect(state.records.map((r) => r.lsn)).toEqual([2, 3, 4]);
  });

  it('keeps only the newest snapshots and the log they need', async () => {
    const dir = await tempDir();
    const s = new FileStore(dir, { keepSnapshots: 2 });
    await s.open();
    for (let k = 1; k <= 5; k++) {
      await s.append({ t: 'tick', generation: k }, true);
      await s.writeSnapshot(snapshotAt(k, k));
    }
    await s.close();
    const names = (await readdir(dir)).sort();
    expect(names.filter((n) => n.startsWith('snapshot-'))).toEqual(['snapshot-000000000004.lms', 'snapshot-000000000005.lms']);
    // Segments from the one holding record 5 (needed by snapshot 4) onwards.
    expect(names.filter((n) => n.startsWith('wal-'))[0]).toBe('wal-000000000005.log');
  });

  it('many concurrent durable appends share flushes and all land', async () => {
    const dir = await tempDir();
    const s = new FileStore(dir);
    await s.open();
    await Promise.all(Array.from({ length: 500 }, (_, i) => s.append({ t: 'tick', generation: i }, true)));
    await s.close();
    const state = await new FileStore(dir).open();
    expect(state.records).toHaveLength(500);
    expect(state.records.map((r) => r.lsn)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('refuses to start when the log does not reach back to an intact snapshot', async () => {
    const dir = await tempDir();
    await filled(dir);
    for (const n of await readdir(dir)) if (n.startsWith('snapshot-')) await writeFile(join(dir, n), 'garbage');
    await expect(new FileStore(dir).open()).rejects.toThrow(/refusing to start on partial data/);
  });
});
