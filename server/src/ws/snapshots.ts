/**
 * Snapshot frames: the live cells and owners of a viewport's chunks at the current
 * generation. Each chunk's record is encoded at most once per generation and shared by
 * every snapshot that needs it (after a world reset, every client wants one at once).
 */
import { FrameTypes, encodeFrame, encodeSnapshotChunk, type SnapshotReason } from '@lifemmo/shared';
import type { Engine } from '../engine/index.js';
import type { WsStats } from './ws-stats.js';

/** Encodes snapshot frames, caching chunk records for one generation. */
export class SnapshotEncoder {
  readonly #engine: Engine;
  readonly #stats: WsStats;
  readonly #records = new Map<number, Uint8Array>();
  #generation = -1;

  constructor(engine: Engine, stats: WsStats) {
    this.#engine = engine;
    this.#stats = stats;
  }

  /** Forget cached records: the world has moved on (called on every tick). */
  invalidate(): void {
    this.#records.clear();
    this.#generation = -1;
  }

  /** A snapshot frame of `chunks` (ascending indices) at the current generation. */
  frame(chunks: Uint32Array, reason: SnapshotReason): Uint8Array {
    const generation = this.#engine.generation;
    if (generation !== this.#generation) {
      this.#records.clear();
      this.#generation = generation;
    }
    const records: Uint8Array[] = new Array(chunks.length);
    for (let i = 0; i < chunks.length; i++) records[i] = this.#record(chunks[i]!);
    this.#stats.snapshotFrames++;
    return encodeFrame({ type: FrameTypes.SNAPSHOT, reason, generation, timestamp: Date.now() }, records);
  }

  #record(index: number): Uint8Array {
    let record = this.#records.get(index);
    if (record !== undefined) return record;
    const world = this.#engine.world;
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
    record = encodeSnapshotChunk({ cx: g.chunkX(index), cy: g.chunkY(index), cells, owners });
    this.#stats.snapshotChunkEncodings++;
    this.#records.set(index, record);
    return record;
  }
}
