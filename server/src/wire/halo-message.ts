/**
 * A region's halo on the bus (`halo.<region>`, docs/cluster.md): its border ring of one
 * generation, live cells and owners (region/halo.ts). Published once per generation and
 * read by every neighbour, each keeping the cells that touch it.
 *
 * Layout after the wire version byte (little-endian):
 *
 *   u16 HALO_FORMAT   this message's own layout version, so halos can change alone
 *   u8  waiting       1: the sender is stuck waiting for its neighbours' halos of this
 *                     generation (a resend; each neighbour answers with its own halo of it),
 *                     0: an ordinary send or an answer
 *   u32 region        the sender's id
 *   u32 epoch         the world's resets so far when the cells were committed: a receiver
 *                     takes a halo of its own epoch only (a halo of the world before a
 *                     reset is never laid into the world after it)
 *   f64 generation    the committed generation the cells are of
 *   u32 x, y, w, h    the sender's rectangle in cells
 *   u8  ring flags    1: top and bottom rows on the ring, 2: left and right columns
 *   u32 live          live cells on the ring
 *   bitmap            ceil(ringLength / 8) bytes, bit (p & 7) of byte (p >> 3) set when
 *                     ring position p is live (ring order: region/halo-ring.ts)
 *   u32 runs          owner runs, then per run u16 owner, u32 length: the owners of the
 *                     live cells in ring order (a border mostly holds one owner, so one
 *                     run; a mixed one costs 6 bytes per change of owner)
 *
 * A 512x512 region's full ring is 2,044 cells: 256 bytes of bitmap plus its owner runs.
 *
 * Format 2 added the epoch (format 1 had none); a halo of another format is refused.
 */
import { LifeError } from '@lifemmo/shared';
import { ringLength } from '../region/halo-ring.js';
import type { Halo } from '../region/halo.js';
import { ByteReader, ByteWriter } from './bytes.js';

/** Layout version of the halo message (after the wire version byte). */
export const HALO_FORMAT = 2;

const ROWS = 1;
const COLUMNS = 2;

/**
 * Encode a halo (see the module comment). `waiting`: the sender is stuck waiting for its
 * neighbours' halos of this generation and asks them to send theirs again.
 */
export function encodeHalo(halo: Halo, waiting = false): Uint8Array {
  const { shape, positions, owners } = halo;
  const bitmap = new Uint8Array(Math.ceil(ringLength(shape) / 8));
  for (let i = 0; i < positions.length; i++) bitmap[positions[i]! >> 3]! |= 1 << (positions[i]! & 7);
  const runs: number[] = [];
  for (let i = 0; i < owners.length; i++) {
    if (runs.length > 0 && runs[runs.length - 2] === owners[i]) runs[runs.length - 1]!++;
    else runs.push(owners[i]!, 1);
  }
  const w = new ByteWriter(52 + bitmap.length + 3 * runs.length)
    .u16(HALO_FORMAT)
    .u8(waiting ? 1 : 0)
    .u32(halo.region)
    .u32(halo.epoch)
    .f64(halo.generation)
    .u32(shape.rect.x)
    .u32(shape.rect.y)
    .u32(shape.rect.w)
    .u32(shape.rect.h)
    .u8((shape.rows ? ROWS : 0) | (shape.columns ? COLUMNS : 0))
    .u32(positions.length)
    .bytes(bitmap)
    .u32(runs.length / 2);
  for (let i = 0; i < runs.length; i += 2) w.u16(runs[i]!).u32(runs[i + 1]!);
  return w.finish();
}

/** The sender, epoch and generation of an encoded halo, and whether the sender waits, without decoding the cells (for routing). */
export function peekHalo(payload: Uint8Array): { region: number; epoch: number; generation: number; waiting: boolean } {
  const r = new ByteReader(payload);
  checkFormat(r.u16());
  const waiting = r.u8() === 1;
  return { region: r.u32(), epoch: r.u32(), generation: r.f64(), waiting };
}

/**
 * Decode a halo.
 * @throws LifeError LIFE_ERR_VALIDATION for another wire version or halo format, a payload
 * cut short, or counts that disagree.
 */
export function decodeHalo(payload: Uint8Array): Halo {
  const r = new ByteReader(payload);
  checkFormat(r.u16());
  r.u8(); // waiting: for the link (peekHalo), not part of the halo
  const region = r.u32();
  const epoch = r.u32();
  const generation = r.f64();
  const rect = { x: r.u32(), y: r.u32(), w: r.u32(), h: r.u32() };
  const flags = r.u8();
  const shape = { rect, rows: (flags & ROWS) !== 0, columns: (flags & COLUMNS) !== 0 };
  const live = r.u32();
  const length = ringLength(shape);
  const bitmap = r.bytes(Math.ceil(length / 8));
  const positions = new Uint32Array(live);
  let n = 0;
  for (let byte = 0; byte < bitmap.length; byte++) {
    let bits = bitmap[byte]!;
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const position = (byte << 3) | (31 - Math.clz32(low));
      if (n === live || position >= length) throw new LifeError('VALIDATION', 'Halo bitmap disagrees with its live count or ring');
      positions[n++] = position;
    }
  }
  if (n !== live) throw new LifeError('VALIDATION', `Halo bitmap holds ${n} live cells, its count says ${live}`);
  const owners = new Uint16Array(live);
  let filled = 0;
  const runs = r.u32();
  for (let i = 0; i < runs; i++) {
    const owner = r.u16();
    const count = r.u32();
    if (filled + count > live) throw new LifeError('VALIDATION', 'Halo owner runs cover more cells than are live');
    owners.fill(owner, filled, filled + count);
    filled += count;
  }
  if (filled !== live) throw new LifeError('VALIDATION', `Halo owner runs cover ${filled} of ${live} live cells`);
  return { region, epoch, generation, shape, positions, owners };
}

function checkFormat(format: number): void {
  if (format !== HALO_FORMAT) throw new LifeError('VALIDATION', `Halo of format ${format}; this process reads ${HALO_FORMAT}`);
}
