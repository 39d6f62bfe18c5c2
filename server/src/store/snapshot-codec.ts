/**
 * The snapshot file format, version 1: the whole world and its players in one
 * checksummed file.
 *
 *   magic "LMSN" | version u16 | flags u16 (0) | header length u32 | header (JSON, UTF-8)
 *   | chunk count u32 | chunks... | crc32 u32 of every byte before it
 *
 * A chunk: index u32 | owner mode u8 (0 one owner, 1 per-cell) | owner u16 | 128 words of
 * cell bits (int32, little-endian) | 4096 owners u16 (per-cell mode only). All numbers are
 * little-endian.
 */
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { LifeError, TOPOLOGIES } from '@lifemmo/shared';
import type { SavedChunk } from '../engine/index.js';

const MAGIC = 0x4e534d4c; // "LMSN" read as little-endian u32
/** Format version written by this code; older or newer versions are refused. */
export const SNAPSHOT_VERSION = 1;
const CHUNK_WORDS = 128;
const CHUNK_CELLS = 4096;

/** Everything but the chunks, stored as JSON. */
export const SnapshotHeaderSchema = z.object({
  /** Sequence number of the last log record the snapshot includes. */
  lsn: z.number().int().min(0),
  createdAt: z.string(),
  world: z.object({
    generation: z.number().int().min(0),
    rule: z.string(),
    seed: z.number().int().min(0),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    topology: z.enum(TOPOLOGIES),
    /** The tick loop was paused by an admin (absent in older snapshots: running). */
    paused: z.boolean().optional(),
    /** Resets before this state, the world's epoch (absent in older snapshots: 0). */
    epoch: z.number().int().min(0).optional(),
  }),
  /** Placements queued for the next generation: [cell key (y * width + x), owner]. */
  pending: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0)])),
  /** Players; `banned` and `seenAt` (last seen, ms since the epoch) are absent in older snapshots. */
  players: z.array(
    z.object({
      id: z.number().int().positive(),
      name: z.string(),
      color: z.string(),
      tokenHash: z.string(),
      banned: z.boolean().optional(),
      seenAt: z.number().optional(),
    }),
  ),
  /** Player ids 1..playerIdsGiven were given at least once (absent in older snapshots: the highest id). */
  playerIdsGiven: z.number().int().min(0).optional(),
  /** Placement budgets: cells available (may be fractional) as of `generation`. */
  budgets: z.array(z.object({ id: z.number().int().positive(), cells: z.number().min(0), generation: z.number().int().min(0) })),
});

/** The JSON part of a snapshot. */
export type SnapshotHeader = z.infer<typeof SnapshotHeaderSchema>;

/** A whole snapshot. */
export interface Snapshot {
  readonly header: SnapshotHeader;
  readonly chunks: readonly SavedChunk[];
}

/** Encode a snapshot to bytes. */
export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const header = Buffer.from(JSON.stringify(snapshot.header), 'utf8');
  let size = 12 + header.length + 4 + 4;
  for (const c of snapshot.chunks) size += 7 + CHUNK_WORDS * 4 + (c.owners === null ? 0 : CHUNK_CELLS * 2);
  const out = Buffer.alloc(size);
  let o = 0;
  o = out.writeUInt32LE(MAGIC, o);
  o = out.writeUInt16LE(SNAPSHOT_VERSION, o);
  o = out.writeUInt16LE(0, o);
  o = out.writeUInt32LE(header.length, o);
  o += header.copy(out, o);
  o = out.writeUInt32LE(snapshot.chunks.length, o);
  for (const c of snapshot.chunks) {
    o = out.writeUInt32LE(c.index, o);
    o = out.writeUInt8(c.owners === null ? 0 : 1, o);
    o = out.writeUInt16LE(c.owner, o);
    for (let i = 0; i < CHUNK_WORDS; i++) o = out.writeInt32LE(c.cells[i]!, o);
    if (c.owners !== null) for (let i = 0; i < CHUNK_CELLS; i++) o = out.writeUInt16LE(c.owners[i]!, o);
  }
  out.writeUInt32LE(crc32(out.subarray(0, o)), o);
  return out;
}

function damaged(why: string): LifeError {
  return new LifeError('STORE_DAMAGED', `Snapshot is damaged: ${why}`);
}

/**
 * Decode and verify a snapshot.
 * @throws LifeError LIFE_ERR_STORE_DAMAGED for a wrong magic or version, a checksum
 *   mismatch, a short file or a malformed header.
 */
export function decodeSnapshot(data: Buffer): Snapshot {
  if (data.length < 20) throw damaged(`only ${data.length} bytes`);
  if (data.readUInt32LE(0) !== MAGIC) throw damaged('not a lifemmo snapshot (bad magic)');
  const version = data.readUInt16LE(4);
  if (version !== SNAPSHOT_VERSION) throw damaged(`format version ${version}, this server reads ${SNAPSHOT_VERSION}`);
  const body = data.length - 4;
  if (crc32(data.subarray(0, body)) !== data.readUInt32LE(body)) throw damaged('checksum mismatch');
  let o = 8;
  const headerLength = data.readUInt32LE(o);
  o += 4;
  if (o + headerLength + 4 > body) throw damaged('header runs past the end');
  let header: SnapshotHeader;
  try {
    header = SnapshotHeaderSchema.parse(JSON.parse(data.toString('utf8', o, o + headerLength)));
  } catch (err) {
    throw damaged(`bad header (${(err as Error).message.split('\n')[0]})`);
  }
  o += headerLength;
  const count = data.readUInt32LE(o);
  o += 4;
  const chunks: SavedChunk[] = [];
  for (let k = 0; k < count; k++) {
    if (o + 7 + CHUNK_WORDS * 4 > body) throw damaged(`chunk ${k} runs past the end`);
    const index = data.readUInt32LE(o);
    const mode = data.readUInt8(o + 4);
    const owner = data.readUInt16LE(o + 5);
    o += 7;
    const cells = new Int32Array(CHUNK_WORDS);
    for (let i = 0; i < CHUNK_WORDS; i++, o += 4) cells[i] = data.readInt32LE(o);
    let owners: Uint16Array | null = null;
    if (mode === 1) {
      if (o + CHUNK_CELLS * 2 > body) throw damaged(`owners of chunk ${k} run past the end`);
      owners = new Uint16Array(CHUNK_CELLS);
      for (let i = 0; i < CHUNK_CELLS; i++, o += 2) owners[i] = data.readUInt16LE(o);
    } else if (mode !== 0) {
      throw damaged(`chunk ${k} has owner mode ${mode}`);
    }
    chunks.push({ index, cells, owner, owners });
  }
  if (o !== body) throw damaged(`${body - o} unexpected bytes after the chunks`);
  return { header, chunks };
}
