// The gateway's replica: snapshots, then records applied in order (lazily, before any
// snapshot of the chunk is made), a chunk that misses a generation is reported lost, and
// snapshot records are encoded once per chunk and generation.
import { describe, expect, it } from 'vitest';
import { Geometry, decodeFrame, encodeDiffChunk, encodeFrame, FrameTypes } from '@lifemmo/shared';
import { ChunkReplica } from './chunk-replica.js';

const geometry = new Geometry({ width: 256, height: 256, topology: 'torus', shardChunks: 8 });

/** The cells of chunk `index` as the replica's snapshot record says: [cell, owner]. */
function cellsOf(replica: ChunkReplica, index: number): Array<[number, number]> {
  const frame = decodeFrame(encodeFrame({ type: FrameTypes.SNAPSHOT, generation: 0, timestamp: 0 }, [replica.snapshotRecord(index)]));
  if (frame.type !== FrameTypes.SNAPSHOT) throw new Error('not a snapshot');
  const c = frame.chunks[0]!;
  return [...c.cells].map((cell, i) => [cell, c.owners[i]!]);
}

describe('ChunkReplica', () => {
  it('follows a snapshot with diffs, applying them when a snapshot needs them or on settle', () => {
    const replica = new ChunkReplica(geometry);
    replica.track(5);
    expect(replica.takeUnrequested()).toEqual([5]);
    expect(replica.takeUnrequested()).toEqual([]); // asked once
    expect(replica.readyAt(Uint32Array.of(5), 10)).toBe(false);
    replica.applySnapshot(10, [{ cx: 1, cy: 1, cells: Uint16Array.of(1, 2, 3), owners: Uint16Array.of(7, 7, 8) }], replica.era);
    expect(replica.readyAt(Uint32Array.of(5), 10)).toBe(true);
    expect(cellsOf(replica, 5)).toEqual([[1, 7], [2, 7], [3, 8]]);

    const record = encodeDiffChunk({ cx: 1, cy: 1, births: Uint16Array.of(4000), birthOwners: Uint16Array.of(9), deaths: Uint16Array.of(2) });
    expect(replica.advance(11, new Map([[5, record]]))).toEqual([]);
    expect(replica.readyAt(Uint32Array.of(5), 11)).toBe(true);
    expect(cellsOf(replica, 5)).toEqual([[1, 7], [3, 8], [4000, 9]]); // applied on demand
    expect(replica.advance(12, new Map())).toEqual([]); // unchanged chunks move along
    expect(replica.settle()).toEqual([]);
    expect(cellsOf(replica, 5)).toEqual([[1, 7], [3, 8], [4000, 9]]);
  });

  it('reports a chunk that skipped a generation as lost, and a bad record as broken', () => {
    const replica = new ChunkReplica(geometry);
    replica.track(0);
    replica.track(1);
    replica.applySnapshot(3, [
      { cx: 0, cy: 0, cells: Uint16Array.of(1), owners: Uint16Array.of(1) },
      { cx: 1, cy: 0, cells: Uint16Array.of(1), owners: Uint16Array.of(1) },
    ], replica.era);
    expect(replica.advance(5, new Map())).toEqual([0, 1]); // generation 4 never came
    expect(replica.readyAt(Uint32Array.of(0), 5)).toBe(false);
    expect(replica.takeUnrequested().sort()).toEqual([0, 1]);

    replica.applySnapshot(5, [{ cx: 0, cy: 0, cells: Uint16Array.of(1), owners: Uint16Array.of(1) }], replica.era);
    replica.advance(6, new Map([[0, Uint8Array.of(0, 0, 0, 0, 0xff)]]));
    expect(replica.settle()).toEqual([0]);
    expect(replica.readyAt(Uint32Array.of(0), 6)).toBe(false);
  });

  it('encodes a snapshot record once per generation; a reset empties every chunk at generation 0', () => {
    const replica = new ChunkReplica(geometry);
    replica.track(2);
    replica.applySnapshot(1, [{ cx: 2, cy: 0, cells: Uint16Array.of(9), owners: Uint16Array.of(4) }], replica.era);
    const first = replica.snapshotRecord(2);
    expect(replica.snapshotRecord(2)).toBe(first);
    expect(replica.recordsEncoded).toBe(1);
    replica.advance(2, new Map());
    replica.snapshotRecord(2);
    expect(replica.recordsEncoded).toBe(2);
    replica.resetEmpty();
    expect(replica.readyAt(Uint32Array.of(2), 0)).toBe(true);
    expect(cellsOf(replica, 2)).toEqual([]);
  });

  it('drops a snapshot reply to a request made before a reset or a restart: it is of the world before', () => {
    const replica = new ChunkReplica(geometry);
    replica.track(3);
    const oldWorld = [{ cx: 3, cy: 0, cells: Uint16Array.of(9), owners: Uint16Array.of(4) }];
    // Asked for, then the world is reset (emptied at generation 0) before the reply comes.
    expect(replica.takeUnrequested()).toEqual([3]);
    const before = replica.era;
    replica.resetEmpty();
    expect(replica.applySnapshot(812, oldWorld, before)).toBe(false);
    expect(replica.readyAt(Uint32Array.of(3), 0)).toBe(true);
    expect(cellsOf(replica, 3)).toEqual([]);
    replica.requestFailed([3], before);
    expect(replica.takeUnrequested()).toEqual([]); // ready: nothing to ask

    // Asked for, then the sim restarts (or a seeded reset): asked for again; the first reply is dropped.
    replica.invalidate([3]);
    expect(replica.takeUnrequested()).toEqual([3]);
    const first = replica.era;
    replica.invalidateAll();
    expect(replica.takeUnrequested()).toEqual([3]);
    const second = replica.era;
    replica.requestFailed([3], first); // the first request's failure does not ask a third time
    expect(replica.takeUnrequested()).toEqual([]);
    expect(replica.applySnapshot(813, oldWorld, first)).toBe(false);
    expect(replica.readyAt(Uint32Array.of(3), 813)).toBe(false);
    expect(replica.applySnapshot(4, [{ cx: 3, cy: 0, cells: Uint16Array.of(1, 2), owners: Uint16Array.of(5, 5) }], second)).toBe(true);
    expect(replica.readyAt(Uint32Array.of(3), 4)).toBe(true);
    expect(cellsOf(replica, 3)).toEqual([[1, 5], [2, 5]]);
  });
});
