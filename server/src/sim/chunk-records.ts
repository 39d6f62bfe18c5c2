/**
 * Chunk records straight from the engine's world, in the shared codec: a chunk's live
 * cells with owners (snapshot records), and frames of records as bus messages.
 * Serialisation lives here, outside the engine: the engine keeps bit words, and nothing
 * past the sim ever reads them.
 */
import { FrameTypes, encodeSnapshotChunk, frameLength, writeFrame, type FrameHeaderInput } from '@lifemmo/shared';
import type { World } from '../engine/index.js';
import { WIRE_VERSION } from '../wire/index.js';

/** The snapshot record of chunk `index` (an empty record for a chunk with no live cells). */
export function snapshotRecord(world: World, index: number): Uint8Array {
  const g = world.geometry;
  const chunk = world.chunkAt(index);
  const n = chunk === null ? 0 : chunk.population;
  const cells = new Uint16Array(n);
  const owners = new Uint16Array(n);
  if (chunk !== null && n > 0) {
    let k = 0;
    const words = chunk.cells;
    for (let w = 0; w < words.length; w++) {
      let m = words[w]!;
      while (m !== 0) {
        const low = m & -m;
        const cell = (w << 5) | (31 - Math.clz32(low));
        cells[k] = cell;
        owners[k++] = chunk.ownerOf(cell);
        m ^= low;
      }
    }
  }
  return encodeSnapshotChunk({ cx: g.chunkX(index), cy: g.chunkY(index), cells, owners });
}

/** A snapshot frame of `chunks` of `world` now. */
export function snapshotFrame(world: World, chunks: Uint32Array): Uint8Array {
  const records = Array.from(chunks, (c) => snapshotRecord(world, c));
  return framed({ type: FrameTypes.SNAPSHOT, generation: world.generation, timestamp: Date.now() }, records, false);
}

/**
 * A protocol frame of `records`, with the wire version byte in front when `versioned`
 * (a bus message of its own), in one buffer of its own (the local bus transfers it).
 */
export function framed(header: FrameHeaderInput, records: readonly Uint8Array[], versioned: boolean): Uint8Array {
  const at = versioned ? 1 : 0;
  const bytes = new Uint8Array(at + frameLength(records));
  if (versioned) bytes[0] = WIRE_VERSION;
  writeFrame(bytes, at, header, records);
  return bytes;
}
