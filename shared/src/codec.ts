/**
 * The binary frames of the WebSocket protocol: snapshots and diffs of 64x64 chunks.
 * Used by the server to encode and by clients to decode; docs/protocol.md has the
 * byte-for-byte layout. Plain Uint8Array and DataView, so it runs in browsers too.
 *
 * Every number is little-endian. A frame is a 20-byte header and one record per chunk;
 * a chunk record is built on its own (`encodeDiffChunk`, `encodeSnapshotChunk`) so the
 * server can encode each changed chunk once per tick and splice the same record bytes
 * into the frames of every client that watches it (`encodeFrame`).
 *
 * Inside a record, a set of cells (0..4095, (y % 64) * 64 + x % 64, ascending) is a
 * one-byte tag then either nothing (empty), a list of u16 indices, a list of gaps as
 * one- or two-byte varints (delta), or a 512-byte bitmap, whichever is smallest. Owners
 * follow: none (deaths), one u16 for all (uniform), or one u16 per cell in index order.
 */
import { LifeError } from './errors.js';
import { CHUNK_CELLS } from './geometry.js';
import { FrameTypes, type SnapshotReason } from './protocol-constants.js';

/** Bytes of the frame header: type u8, reason u8, reserved u16, generation u32, timestamp f64, chunk count u32. */
export const FRAME_HEADER_BYTES = 20;
/** Bytes of a chunk bitmap: 4096 bits. */
export const BITMAP_BYTES = CHUNK_CELLS / 8;

/** How the cells of a set are stored: low two bits of the set's tag byte. */
export const CellEncodings = { EMPTY: 0, LIST: 1, BITMAP: 2, DELTA: 3 } as const;
/** How the owners of a set are stored: bits 2-3 of the set's tag byte. */
export const OwnerEncodings = { NONE: 0, UNIFORM: 1, PER_CELL: 2 } as const;

/** The live cells of one chunk with their owners (a snapshot record). */
export interface ChunkCells {
  readonly cx: number;
  readonly cy: number;
  /** Cell indices in the chunk, ascending. */
  readonly cells: Uint16Array;
  /** Owner of each cell, same order. */
  readonly owners: Uint16Array;
}

/** The change of one chunk in one tick (a diff record); same shape as the engine's ChunkDiff. */
export interface ChunkChange {
  readonly cx: number;
  readonly cy: number;
  /** Cells that became live, ascending. */
  readonly births: Uint16Array;
  /** Owner of each birth, same order. */
  readonly birthOwners: Uint16Array;
  /** Cells that died, ascending. */
  readonly deaths: Uint16Array;
}

/** The fixed part of every frame. */
export interface FrameHeader {
  readonly type: (typeof FrameTypes)[keyof typeof FrameTypes];
  /** Why a snapshot was sent (SnapshotReasons); 0 in diffs. */
  readonly reason: number;
  /** Snapshot: the generation it shows. Diff: the generation it leads to. */
  readonly generation: number;
  /** Server clock when the generation was committed (diffs) or read (snapshots), ms since the epoch. */
  readonly timestamp: number;
  /** Number of chunk records. */
  readonly chunkCount: number;
}

/** A decoded snapshot: these chunks hold exactly these cells; other chunks are not described. */
export interface SnapshotFrame extends FrameHeader {
  readonly type: typeof FrameTypes.SNAPSHOT;
  readonly chunks: ChunkCells[];
}

/** A decoded diff: apply to the generation before `generation`. */
export interface DiffFrame extends FrameHeader {
  readonly type: typeof FrameTypes.DIFF;
  readonly chunks: ChunkChange[];
}

/** Any decoded binary frame. */
export type Frame = SnapshotFrame | DiffFrame;

// ---------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------

function allSame(values: Uint16Array): boolean {
  const first = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return false;
  return true;
}

/** How one cell set will be written, and its size in bytes (tag included). */
interface SetPlan {
  readonly cells: number;
  readonly owners: number;
  readonly bytes: number;
}

const EMPTY_PLAN: SetPlan = { cells: CellEncodings.EMPTY, owners: OwnerEncodings.NONE, bytes: 1 };

/**
 * Pick the smallest encoding of a cell set: list, delta or bitmap (a list on a tie with
 * delta, as it is simpler to read). `owners` null means a set without owners (deaths).
 */
function planCellSet(cells: Uint16Array, owners: Uint16Array | null): SetPlan {
  const n = cells.length;
  if (n === 0) return EMPTY_PLAN;
  const listBytes = 2 + 2 * n;
  let deltaBytes = 2;
  let previous = -1;
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    deltaBytes += c - previous - 1 < 128 ? 1 : 2;
    previous = c;
  }
  let cellEncoding: number = CellEncodings.LIST;
  let cellBytes = listBytes;
  if (deltaBytes < cellBytes) {
    cellEncoding = CellEncodings.DELTA;
    cellBytes = deltaBytes;
  }
  if (BITMAP_BYTES < cellBytes) {
    cellEncoding = CellEncodings.BITMAP;
    cellBytes = BITMAP_BYTES;
  }
  const ownerEncoding = owners === null ? OwnerEncodings.NONE : allSame(owners) ? OwnerEncodings.UNIFORM : OwnerEncodings.PER_CELL;
  const ownerBytes = ownerEncoding === OwnerEncodings.NONE ? 0 : ownerEncoding === OwnerEncodings.UNIFORM ? 2 : 2 * n;
  return { cells: cellEncoding, owners: ownerEncoding, bytes: 1 + cellBytes + ownerBytes };
}

/** Write a cell set as planned at `at`; returns the offset after it. */
function writeCellSet(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  cells: Uint16Array,
  owners: Uint16Array | null,
  plan: SetPlan,
): number {
  const n = cells.length;
  bytes[at++] = plan.cells | (plan.owners << 2);
  if (plan.cells === CellEncodings.EMPTY) return at;
  if (plan.cells === CellEncodings.LIST) {
    view.setUint16(at, n, true);
    at += 2;
    for (let i = 0; i < n; i++, at += 2) view.setUint16(at, cells[i]!, true);
  } else if (plan.cells === CellEncodings.DELTA) {
    view.setUint16(at, n, true);
    at += 2;
    let previous = -1;
    for (let i = 0; i < n; i++) {
      const c = cells[i]!;
      const gap = c - previous - 1;
      previous = c;
      if (gap < 128) {
        bytes[at++] = gap;
      } else {
        bytes[at++] = (gap & 0x7f) | 0x80;
        bytes[at++] = gap >> 7;
      }
    }
  } else {
    // The bytes may hold anything (encodeDiffChunkWith): clear the bitmap, then set bits.
    bytes.fill(0, at, at + BITMAP_BYTES);
    for (let i = 0; i < n; i++) {
      const c = cells[i]!;
      bytes[at + (c >> 3)]! |= 1 << (c & 7);
    }
    at += BITMAP_BYTES;
  }
  if (plan.owners === OwnerEncodings.UNIFORM) {
    view.setUint16(at, owners![0]!, true);
    at += 2;
  } else if (plan.owners === OwnerEncodings.PER_CELL) {
    for (let i = 0; i < n; i++, at += 2) view.setUint16(at, owners![i]!, true);
  }
  return at;
}

function checkChunkXY(cx: number, cy: number): void {
  if (!Number.isInteger(cx) || !Number.isInteger(cy) || cx < 0 || cy < 0 || cx > 0xffff || cy > 0xffff) {
    throw new LifeError('VALIDATION', `Chunk coordinates must be integers from 0 to 65535, got (${cx}, ${cy})`);
  }
}

function checkOwners(cells: Uint16Array, owners: Uint16Array, what: string): void {
  if (owners.length !== cells.length) {
    throw new LifeError('VALIDATION', `${what}: ${cells.length} cells but ${owners.length} owners`);
  }
}

/** Encode one chunk's diff record: cx u16, cy u16, births (with owners), deaths. */
export function encodeDiffChunk(change: ChunkChange): Uint8Array {
  return encodeDiffChunkWith(change, (bytes) => new Uint8Array(bytes));
}

/**
 * encodeDiffChunk into bytes from `allocate`, for a server that encodes hundreds of
 * records a tick and cuts them from a larger buffer instead of making an array each. The
 * bytes it returns may hold anything: every byte of the record is written.
 */
export function encodeDiffChunkWith(change: ChunkChange, allocate: (bytes: number) => Uint8Array): Uint8Array {
  checkChunkXY(change.cx, change.cy);
  checkOwners(change.births, change.birthOwners, 'births');
  const births = planCellSet(change.births, change.birthOwners);
  const deaths = planCellSet(change.deaths, null);
  const bytes = allocate(4 + births.bytes + deaths.bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint16(0, change.cx, true);
  view.setUint16(2, change.cy, true);
  writeCellSet(bytes, view, 4, change.births, change.birthOwners, births);
  writeCellSet(bytes, view, 4 + births.bytes, change.deaths, null, deaths);
  return bytes;
}

/** Encode one chunk's snapshot record: cx u16, cy u16, live cells (with owners). */
export function encodeSnapshotChunk(chunk: ChunkCells): Uint8Array {
  checkChunkXY(chunk.cx, chunk.cy);
  checkOwners(chunk.cells, chunk.owners, 'cells');
  const plan = planCellSet(chunk.cells, chunk.owners);
  const bytes = new Uint8Array(4 + plan.bytes);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, chunk.cx, true);
  view.setUint16(2, chunk.cy, true);
  writeCellSet(bytes, view, 4, chunk.cells, chunk.owners, plan);
  return bytes;
}

/** What encodeFrame needs besides the records. */
export interface FrameHeaderInput {
  readonly type: FrameHeader['type'];
  /** Snapshot reason (SnapshotReasons); ignored (0) for diffs. */
  readonly reason?: SnapshotReason;
  readonly generation: number;
  readonly timestamp: number;
}

/**
 * A whole frame: the header, then the given chunk records (from encodeDiffChunk for a
 * diff, encodeSnapshotChunk for a snapshot) copied in order. Records are not re-encoded.
 */
export function encodeFrame(header: FrameHeaderInput, records: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(frameLength(records));
  writeFrame(bytes, 0, header, records);
  return bytes;
}

/** Bytes of the frame of `records` (what encodeFrame returns, what writeFrame writes). */
export function frameLength(records: readonly Uint8Array[]): number {
  let size = FRAME_HEADER_BYTES;
  for (const record of records) size += record.length;
  return size;
}

/**
 * encodeFrame into `target` from `offset` (frameLength(records) bytes), for a caller that
 * puts the frame inside a buffer of its own, such as a WebSocket message with its header.
 */
export function writeFrame(target: Uint8Array, offset: number, header: FrameHeaderInput, records: readonly Uint8Array[]): void {
  if (!Number.isInteger(header.generation) || header.generation < 0 || header.generation > 0xffff_ffff) {
    throw new LifeError('VALIDATION', `Generation must fit in 32 bits, got ${header.generation}`);
  }
  const view = new DataView(target.buffer, target.byteOffset + offset, FRAME_HEADER_BYTES);
  target[offset] = header.type;
  target[offset + 1] = header.type === FrameTypes.SNAPSHOT ? (header.reason ?? 0) : 0;
  view.setUint16(2, 0, true);
  view.setUint32(4, header.generation, true);
  view.setFloat64(8, header.timestamp, true);
  view.setUint32(16, records.length, true);
  let at = offset + FRAME_HEADER_BYTES;
  for (const record of records) {
    target.set(record, at);
    at += record.length;
  }
}

// ---------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------

function malformed(why: string): LifeError {
  return new LifeError('WS_BAD_MESSAGE', `Malformed frame: ${why}`);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Read only the header of a frame (cheap: for latency figures and gap checks).
 * @throws LifeError LIFE_ERR_WS_BAD_MESSAGE when it is not a frame.
 */
export function readFrameHeader(bytes: Uint8Array): FrameHeader {
  if (bytes.length < FRAME_HEADER_BYTES) throw malformed(`${bytes.length} bytes is shorter than the header`);
  const type = bytes[0];
  if (type !== FrameTypes.SNAPSHOT && type !== FrameTypes.DIFF) throw malformed(`unknown frame type ${type}`);
  const view = viewOf(bytes);
  return {
    type,
    reason: bytes[1]!,
    generation: view.getUint32(4, true),
    timestamp: view.getFloat64(8, true),
    chunkCount: view.getUint32(16, true),
  };
}

/** A cursor over a frame being decoded. */
class Reader {
  at: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    at: number,
  ) {
    this.at = at;
  }

  need(n: number): void {
    if (this.at + n > this.bytes.length) throw malformed(`truncated at byte ${this.at}`);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }

  /** A cell set; owners are read only when `withOwners`. */
  cellSet(withOwners: boolean): { cells: Uint16Array; owners: Uint16Array } {
    const tag = this.u8();
    const cellEncoding = tag & 3;
    const ownerEncoding = (tag >> 2) & 3;
    if (tag >> 4 !== 0) throw malformed(`reserved bits set in cell set tag ${tag}`);
    if (cellEncoding === CellEncodings.EMPTY) {
      if (ownerEncoding !== OwnerEncodings.NONE) throw malformed('owners on an empty cell set');
      return { cells: EMPTY, owners: EMPTY };
    }
    if ((ownerEncoding === OwnerEncodings.NONE) === withOwners || ownerEncoding > OwnerEncodings.PER_CELL) {
      throw malformed(`owner encoding ${ownerEncoding} is not allowed here`);
    }
    let cells: Uint16Array;
    if (cellEncoding === CellEncodings.LIST) {
      const n = this.u16();
      if (n === 0 || n > CHUNK_CELLS) throw malformed(`cell list of ${n}`);
      this.need(2 * n);
      cells = new Uint16Array(n);
      let previous = -1;
      for (let i = 0; i < n; i++) {
        const c = this.view.getUint16(this.at + 2 * i, true);
        if (c <= previous || c >= CHUNK_CELLS) throw malformed(`cell index ${c} out of order or range`);
        cells[i] = previous = c;
      }
      this.at += 2 * n;
    } else if (cellEncoding === CellEncodings.DELTA) {
      const n = this.u16();
      if (n === 0 || n > CHUNK_CELLS) throw malformed(`cell list of ${n}`);
      cells = new Uint16Array(n);
      let previous = -1;
      for (let i = 0; i < n; i++) {
        let gap = this.u8();
        if (gap & 0x80) {
          const high = this.u8();
          if (high & 0x80) throw malformed('cell gap longer than two bytes');
          gap = (gap & 0x7f) | (high << 7);
        }
        const c = previous + 1 + gap;
        if (c >= CHUNK_CELLS) throw malformed(`cell index ${c} out of range`);
        cells[i] = previous = c;
      }
    } else if (cellEncoding === CellEncodings.BITMAP) {
      this.need(BITMAP_BYTES);
      const list: number[] = [];
      for (let b = 0; b < BITMAP_BYTES; b++) {
        let m = this.bytes[this.at + b]!;
        while (m !== 0) {
          const low = m & -m;
          list.push((b << 3) | (31 - Math.clz32(low)));
          m ^= low;
        }
      }
      if (list.length === 0) throw malformed('empty bitmap');
      cells = Uint16Array.from(list);
      this.at += BITMAP_BYTES;
    } else {
      throw malformed(`unknown cell encoding ${cellEncoding}`);
    }
    if (ownerEncoding === OwnerEncodings.UNIFORM) return { cells, owners: new Uint16Array(cells.length).fill(this.u16()) };
    if (ownerEncoding === OwnerEncodings.PER_CELL) {
      this.need(2 * cells.length);
      const owners = new Uint16Array(cells.length);
      for (let i = 0; i < owners.length; i++) owners[i] = this.view.getUint16(this.at + 2 * i, true);
      this.at += 2 * cells.length;
      return { cells, owners };
    }
    return { cells, owners: EMPTY };
  }
}

const EMPTY = new Uint16Array(0);

/**
 * Decode a whole binary frame. Strict: trailing bytes, unordered or out-of-range cells
 * and unknown tags are errors, so a decoder never silently builds a wrong replica.
 * @throws LifeError LIFE_ERR_WS_BAD_MESSAGE when the bytes are not a valid frame.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  return decodeFrameRecords(bytes).frame;
}

/**
 * decodeFrame, plus each chunk record's own bytes (views into `bytes`, same order as
 * `frame.chunks`): for a relay that keeps a replica from the frame and copies the records
 * on into frames of its own without encoding them again.
 * @throws LifeError LIFE_ERR_WS_BAD_MESSAGE when the bytes are not a valid frame.
 */
export function decodeFrameRecords(bytes: Uint8Array): { frame: Frame; records: Uint8Array[] } {
  const header = readFrameHeader(bytes);
  const reader = new Reader(bytes, viewOf(bytes), FRAME_HEADER_BYTES);
  // Every record takes at least 5 bytes: refuse absurd counts before allocating.
  if (header.chunkCount > (bytes.length - FRAME_HEADER_BYTES) / 5) throw malformed(`chunk count ${header.chunkCount} exceeds the frame`);
  const records: Uint8Array[] = [];
  let frame: Frame;
  if (header.type === FrameTypes.SNAPSHOT) {
    const chunks: ChunkCells[] = [];
    for (let i = 0; i < header.chunkCount; i++) {
      const start = reader.at;
      const cx = reader.u16();
      const cy = reader.u16();
      const { cells, owners } = reader.cellSet(true);
      chunks.push({ cx, cy, cells, owners });
      records.push(bytes.subarray(start, reader.at));
    }
    frame = { ...header, type: FrameTypes.SNAPSHOT, chunks };
  } else {
    const chunks: ChunkChange[] = [];
    for (let i = 0; i < header.chunkCount; i++) {
      const start = reader.at;
      const cx = reader.u16();
      const cy = reader.u16();
      const births = reader.cellSet(true);
      const deaths = reader.cellSet(false);
      chunks.push({ cx, cy, births: births.cells, birthOwners: births.owners, deaths: deaths.cells });
      records.push(bytes.subarray(start, reader.at));
    }
    frame = { ...header, reason: 0, type: FrameTypes.DIFF, chunks };
  }
  if (reader.at !== bytes.length) throw malformed(`${bytes.length - reader.at} trailing bytes`);
  return { frame, records };
}

/**
 * Decode one diff record (as encodeDiffChunk made it), strictly.
 * @throws LifeError LIFE_ERR_WS_BAD_MESSAGE when the bytes are not exactly one diff record.
 */
export function decodeDiffRecord(record: Uint8Array): ChunkChange {
  const reader = new Reader(record, viewOf(record), 0);
  const cx = reader.u16();
  const cy = reader.u16();
  const births = reader.cellSet(true);
  const deaths = reader.cellSet(false);
  if (reader.at !== record.length) throw malformed(`${record.length - reader.at} trailing bytes after a diff record`);
  return { cx, cy, births: births.cells, birthOwners: births.owners, deaths: deaths.cells };
}

/** Bytes of the cell set starting at `at`, read from its tag and counts only (no decoding). */
function cellSetLength(bytes: Uint8Array, view: DataView, at: number): number {
  if (at >= bytes.length) throw malformed(`truncated at byte ${at}`);
  const tag = bytes[at]!;
  const cellEncoding = tag & 3;
  const ownerEncoding = (tag >> 2) & 3;
  if (cellEncoding === CellEncodings.EMPTY) return 1;
  let n: number;
  let cellBytes: number;
  if (cellEncoding === CellEncodings.BITMAP) {
    if (at + 1 + BITMAP_BYTES > bytes.length) throw malformed(`truncated bitmap at byte ${at}`);
    n = 0;
    for (let b = at + 1; b < at + 1 + BITMAP_BYTES; b++) {
      let m = bytes[b]!;
      while (m !== 0) {
        m &= m - 1;
        n++;
      }
    }
    cellBytes = BITMAP_BYTES;
  } else {
    if (at + 3 > bytes.length) throw malformed(`truncated at byte ${at}`);
    n = view.getUint16(at + 1, true);
    if (cellEncoding === CellEncodings.LIST) {
      cellBytes = 2 + 2 * n;
    } else {
      let p = at + 3;
      for (let i = 0; i < n; i++) p += p < bytes.length && bytes[p]! & 0x80 ? 2 : 1;
      cellBytes = p - at - 1;
    }
  }
  const ownerBytes = ownerEncoding === OwnerEncodings.UNIFORM ? 2 : ownerEncoding === OwnerEncodings.PER_CELL ? 2 * n : 0;
  return 1 + cellBytes + ownerBytes;
}

/**
 * Split a diff frame into its records without decoding their cells: each record's bytes
 * (a view) and chunk coordinates. For a relay that forwards records first and decodes them
 * later, off its latency path. Lengths are checked against the frame; contents are not.
 * @throws LifeError LIFE_ERR_WS_BAD_MESSAGE when the records do not fit the frame.
 */
export function splitDiffFrame(bytes: Uint8Array): { header: FrameHeader; records: Array<{ cx: number; cy: number; bytes: Uint8Array }> } {
  const header = readFrameHeader(bytes);
  if (header.type !== FrameTypes.DIFF) throw malformed('not a diff frame');
  const view = viewOf(bytes);
  const records: Array<{ cx: number; cy: number; bytes: Uint8Array }> = [];
  let at = FRAME_HEADER_BYTES;
  for (let i = 0; i < header.chunkCount; i++) {
    if (at + 4 > bytes.length) throw malformed(`truncated at byte ${at}`);
    const start = at;
    const cx = view.getUint16(at, true);
    const cy = view.getUint16(at + 2, true);
    at += 4;
    at += cellSetLength(bytes, view, at);
    at += cellSetLength(bytes, view, at);
    if (at > bytes.length) throw malformed(`record ${i} runs past the frame`);
    records.push({ cx, cy, bytes: bytes.subarray(start, at) });
  }
  if (at !== bytes.length) throw malformed(`${bytes.length - at} trailing bytes`);
  return { header, records };
}
