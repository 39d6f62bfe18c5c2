// Snapshot frames: a group's snapshot is framed once per generation and reason and shared
// by its members; a new generation, another reason, or a chunk the replica fetched again
// (its old cells were wrong) makes a new one, with the replica's cells of now.
import { describe, expect, it } from 'vitest';
import { FrameTypes, Geometry, SnapshotReasons, decodeFrame } from '@lifemmo/shared';
import { ChunkReplica } from '../gateway/chunk-replica.js';
import type { WorldView } from '../gateway/sim-link.js';
import { SnapshotEncoder } from './snapshots.js';
import type { ClientGroup } from './ws-context.js';
import { createWsStats } from './ws-stats.js';

const geometry = new Geometry({ width: 256, height: 256, topology: 'torus', shardChunks: 8 });

function setup() {
  const replica = new ChunkReplica(geometry);
  const world = { generation: 1 };
  const stats = createWsStats();
  const encoder = new SnapshotEncoder(replica, world as unknown as WorldView, stats);
  const group: ClientGroup = { key: '0,1', chunks: Uint32Array.of(0, 1), members: new Set() };
  replica.track(0);
  replica.track(1);
  replica.applySnapshot(1, [
    { cx: 0, cy: 0, cells: Uint16Array.of(5), owners: Uint16Array.of(2) },
    { cx: 1, cy: 0, cells: Uint16Array.of(6), owners: Uint16Array.of(3) },
  ], replica.era);
  return { replica, world, stats, encoder, group };
}

/** The frame's generation, reason and every chunk's cells. */
function read(payload: Uint8Array) {
  const frame = decodeFrame(payload);
  if (frame.type !== FrameTypes.SNAPSHOT) throw new Error('not a snapshot');
  return { generation: frame.generation, reason: frame.reason, chunks: frame.chunks.map((c) => [c.cx, c.cy, ...c.cells]) };
}

describe('SnapshotEncoder.sharedFrame', () => {
  it('frames a group snapshot once per generation and reason, as one WebSocket binary frame', () => {
    const { encoder, group, stats } = setup();
    const a = encoder.sharedFrame(group, SnapshotReasons.BACKPRESSURE);
    const b = encoder.sharedFrame(group, SnapshotReasons.BACKPRESSURE);
    expect(b).toBe(a);
    expect(stats.snapshotFrames).toBe(1);
    expect(a.wire[0]).toBe(0x82); // FIN + binary
    expect(a.wire.subarray(a.wire.length - a.payload.length)).toEqual(Buffer.from(a.payload));
    expect(read(a.payload)).toEqual({ generation: 1, reason: SnapshotReasons.BACKPRESSURE, chunks: [[0, 0, 5], [1, 0, 6]] });

    const other = encoder.sharedFrame(group, SnapshotReasons.RESYNC);
    expect(other).not.toBe(a);
    expect(read(other.payload).reason).toBe(SnapshotReasons.RESYNC);
  });

  it('makes a new frame at a new generation, and when a chunk was fetched again at the same one', () => {
    const { encoder, group, replica, world } = setup();
    const first = encoder.sharedFrame(group, SnapshotReasons.SUBSCRIBE);
    replica.advance(2, new Map());
    world.generation = 2;
    const second = encoder.sharedFrame(group, SnapshotReasons.SUBSCRIBE);
    expect(second).not.toBe(first);
    expect(read(second.payload).generation).toBe(2);

    // The replica's cells of chunk 1 were wrong (a lease lapsed): forgotten and fetched
    // again at the same generation, with other cells. The old frame must not be sent again.
    replica.invalidate([1]);
    replica.applySnapshot(2, [{ cx: 1, cy: 0, cells: Uint16Array.of(7, 8), owners: Uint16Array.of(3, 3) }], replica.era);
    const third = encoder.sharedFrame(group, SnapshotReasons.SUBSCRIBE);
    expect(third).not.toBe(second);
    expect(read(third.payload).chunks).toEqual([[0, 0, 5], [1, 0, 7, 8]]);
  });
});
