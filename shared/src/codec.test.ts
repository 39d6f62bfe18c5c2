// Binary codec: round trips of snapshot and diff frames (fast-check), the smaller of
// list and bitmap, uniform owners, and strict decoding of junk.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BITMAP_BYTES,
  CellEncodings,
  FRAME_HEADER_BYTES,
  decodeDiffRecord,
  decodeFrame,
  decodeFrameRecords,
  splitDiffFrame,
  encodeDiffChunk,
  encodeDiffChunkWith,
  encodeFrame,
  frameLength,
  writeFrame,
  encodeSnapshotChunk,
  readFrameHeader,
  type ChunkCells,
  type ChunkChange,
} from './codec.js';
import { LifeError } from './errors.js';
import { FrameTypes, SnapshotReasons } from './protocol.js';

/** A sorted set of distinct cell indices 0..4095, small or large. */
const cellSet = fc.oneof(
  fc.uniqueArray(fc.integer({ min: 0, max: 4095 }), { maxLength: 300 }),
  fc.uniqueArray(fc.integer({ min: 0, max: 4095 }), { minLength: 200, maxLength: 4096 }),
).map((cells) => Uint16Array.from(cells.sort((a, b) => a - b)));

/** Owners for n cells: sometimes one owner for all, sometimes mixed. */
const ownersFor = (n: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: 65535 }).map((o) => new Uint16Array(n).fill(o)),
    fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: n, maxLength: n }).map((a) => Uint16Array.from(a)),
  );

const chunkXY = fc.record({ cx: fc.integer({ min: 0, max: 65535 }), cy: fc.integer({ min: 0, max: 65535 }) });

const snapshotChunk: fc.Arbitrary<ChunkCells> = fc
  .tuple(chunkXY, cellSet)
  .chain(([xy, cells]) => ownersFor(cells.length).map((owners) => ({ ...xy, cells, owners })));

/** Births and deaths are disjoint in a real diff. */
const diffChunk: fc.Arbitrary<ChunkChange> = fc
  .tuple(chunkXY, cellSet, fc.array(fc.boolean(), { minLength: 4096, maxLength: 4096 }))
  .chain(([xy, cells, split]) => {
    const births = Uint16Array.from([...cells].filter((c) => split[c]));
    const deaths = Uint16Array.from([...cells].filter((c) => !split[c]));
    return ownersFor(births.length).map((birthOwners) => ({ ...xy, births, birthOwners, deaths }));
  });

const generation = fc.integer({ min: 0, max: 0xffff_ffff });
const timestamp = fc.double({ noNaN: true, noDefaultInfinity: true });

describe('codec round trips', () => {
  it('decodes every snapshot frame to what was encoded', () => {
    fc.assert(
      fc.property(fc.array(snapshotChunk, { maxLength: 6 }), generation, timestamp, (chunks, g, t) => {
        const bytes = encodeFrame(
          { type: FrameTypes.SNAPSHOT, reason: SnapshotReasons.RESYNC, generation: g, timestamp: t },
          chunks.map(encodeSnapshotChunk),
        );
        const frame = decodeFrame(bytes);
        expect(frame).toEqual({
          type: FrameTypes.SNAPSHOT,
          reason: SnapshotReasons.RESYNC,
          generation: g,
          timestamp: t,
          chunkCount: chunks.length,
          chunks,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('decodes every diff frame to what was encoded', () => {
    fc.assert(
      fc.property(fc.array(diffChunk, { maxLength: 6 }), generation, timestamp, (chunks, g, t) => {
        const bytes = encodeFrame({ type: FrameTypes.DIFF, generation: g, timestamp: t }, chunks.map(encodeDiffChunk));
        const frame = decodeFrame(bytes);
        expect(frame).toEqual({ type: FrameTypes.DIFF, reason: 0, generation: g, timestamp: t, chunkCount: chunks.length, chunks });
        expect(readFrameHeader(bytes)).toEqual({ type: FrameTypes.DIFF, reason: 0, generation: g, timestamp: t, chunkCount: chunks.length });
      }),
      { numRuns: 200 },
    );
  });

  it('splits a diff frame into the very records it was made of, each decoding to its change', () => {
    fc.assert(
      fc.property(fc.array(diffChunk, { maxLength: 6 }), generation, (chunks, g) => {
        const records = chunks.map(encodeDiffChunk);
        const frame = encodeFrame({ type: FrameTypes.DIFF, generation: g, timestamp: 1 }, records);
        const split = splitDiffFrame(frame);
        expect(split.header.generation).toBe(g);
        expect(split.records.map((r) => [...r.bytes])).toEqual(records.map((r) => [...r]));
        expect(split.records.map((r) => [r.cx, r.cy])).toEqual(chunks.map((c) => [c.cx, c.cy]));
        expect(split.records.map((r) => decodeDiffRecord(r.bytes))).toEqual(chunks.map(({ cx, cy, births, birthOwners, deaths }) => ({ cx, cy, births, birthOwners, deaths })));
        // decodeFrameRecords finds the same boundaries while decoding.
        expect(decodeFrameRecords(frame).records.map((r) => [...r])).toEqual(records.map((r) => [...r]));
      }),
    );
  });

  it('splitDiffFrame refuses a frame whose records do not fit it; decodeDiffRecord refuses trailing bytes', () => {
    const record = encodeDiffChunk({ cx: 1, cy: 2, births: Uint16Array.of(5, 9), birthOwners: Uint16Array.of(3, 3), deaths: Uint16Array.of(7) });
    const frame = encodeFrame({ type: FrameTypes.DIFF, generation: 4, timestamp: 1 }, [record]);
    expect(() => splitDiffFrame(frame.subarray(0, frame.length - 1))).toThrow(LifeError);
    const longer = new Uint8Array(frame.length + 1);
    longer.set(frame);
    expect(() => splitDiffFrame(longer)).toThrow(/trailing/);
    expect(() => splitDiffFrame(encodeFrame({ type: FrameTypes.SNAPSHOT, generation: 4, timestamp: 1 }, []))).toThrow(/not a diff frame/);
    const padded = new Uint8Array(record.length + 1);
    padded.set(record);
    expect(() => decodeDiffRecord(padded)).toThrow(/trailing/);
  });

  it('decodes a frame that sits inside a larger buffer (byteOffset != 0)', () => {
    const record = encodeDiffChunk({ cx: 1, cy: 2, births: Uint16Array.of(5, 9), birthOwners: Uint16Array.of(3, 4), deaths: Uint16Array.of(7) });
    const frame = encodeFrame({ type: FrameTypes.DIFF, generation: 7, timestamp: 1.5 }, [record]);
    const big = new Uint8Array(frame.length + 10);
    big.set(frame, 3);
    const decoded = decodeFrame(big.subarray(3, 3 + frame.length));
    expect(decoded.generation).toBe(7);
    expect(decoded.chunks).toHaveLength(1);
  });

  it('writeFrame writes at an offset of a larger buffer exactly what encodeFrame returns, and nothing around it', () => {
    const records = [
      encodeDiffChunk({ cx: 1, cy: 2, births: Uint16Array.of(5, 9), birthOwners: Uint16Array.of(3, 4), deaths: Uint16Array.of(7) }),
      encodeDiffChunk({ cx: 0, cy: 0, births: new Uint16Array(0), birthOwners: new Uint16Array(0), deaths: Uint16Array.of(1, 2, 3) }),
    ];
    const header = { type: FrameTypes.DIFF, generation: 9, timestamp: 123.25 } as const;
    const frame = encodeFrame(header, records);
    expect(frameLength(records)).toBe(frame.length);
    const big = new Uint8Array(frame.length + 10).fill(0xee);
    writeFrame(big.subarray(2), 3, header, records);
    expect(big.subarray(5, 5 + frame.length)).toEqual(frame);
    expect([...big.subarray(0, 5), ...big.subarray(5 + frame.length)].every((b) => b === 0xee)).toBe(true);
  });
  it('encodes a diff record into stale bytes from an allocator exactly as into fresh ones', () => {
    fc.assert(
      fc.property(diffChunk, fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 64 }), (chunk, stale, offset) => {
        const slab = new Uint8Array(offset + 2 * 4096 + 64).fill(stale);
        const record = encodeDiffChunkWith(chunk, (bytes) => slab.subarray(offset, offset + bytes));
        expect(record.byteOffset).toBe(offset);
        expect(Array.from(record)).toEqual(Array.from(encodeDiffChunk(chunk)));
      }),
      { numRuns: 200 },
    );
    // Dense sets take the bitmap encoding, which must not keep stale bits.
    for (const step of [2, 3, 7]) {
      const births = Uint16Array.from({ length: Math.ceil(4096 / step) }, (_, i) => i * step);
      const chunk = { cx: 3, cy: 4, births, birthOwners: births.map((c) => c % 5), deaths: births.map((c) => c + 1).filter((c) => c < 4096) };
      const record = encodeDiffChunkWith(chunk, (bytes) => new Uint8Array(bytes).fill(0xff));
      expect(record[4]! & 3).toBe(CellEncodings.BITMAP);
      expect(Array.from(record)).toEqual(Array.from(encodeDiffChunk(chunk)));
    }
  });
});

describe('codec sizes', () => {
  it('an empty diff frame is just the header', () => {
    expect(encodeFrame({ type: FrameTypes.DIFF, generation: 1, timestamp: 0 }, [])).toHaveLength(FRAME_HEADER_BYTES);
  });

  it('a chunk with nothing in it costs 5 bytes in a snapshot and 6 in a diff', () => {
    const none = new Uint16Array(0);
    expect(encodeSnapshotChunk({ cx: 0, cy: 0, cells: none, owners: none })).toHaveLength(5);
    expect(encodeDiffChunk({ cx: 0, cy: 0, births: none, birthOwners: none, deaths: none })).toHaveLength(6);
  });

  it('picks the smallest of list, delta and bitmap, and one owner when all are the same', () => {
    for (const n of [1, 10, 40, 200, 255, 256, 300, 511, 1000, 4096]) {
      const cells = Uint16Array.from({ length: n }, (_, i) => Math.floor((i * 4096) / n));
      let delta = 2;
      cells.forEach((c, i) => (delta += c - (i === 0 ? -1 : cells[i - 1]!) - 1 < 128 ? 1 : 2));
      const cellBytes = Math.min(2 + 2 * n, delta, BITMAP_BYTES);
      const uniform = encodeSnapshotChunk({ cx: 0, cy: 0, cells, owners: new Uint16Array(n).fill(7) });
      expect(uniform.length, `${n} cells`).toBe(4 + 1 + cellBytes + 2);
      const mixed = encodeSnapshotChunk({ cx: 0, cy: 0, cells, owners: Uint16Array.from({ length: n }, (_, i) => i % 3) });
      expect(mixed.length).toBe(n === 1 ? uniform.length : 4 + 1 + cellBytes + 2 * n);
      expect((decodeFrame(encodeFrame({ type: FrameTypes.SNAPSHOT, generation: 0, timestamp: 0 }, [mixed])).chunks[0] as ChunkCells).cells).toEqual(cells);
    }
  });

  it('uses each cell encoding where it is smallest: list for sparse, delta for clustered, bitmap for dense', () => {
    const tag = (cells: number[]) =>
      encodeSnapshotChunk({ cx: 0, cy: 0, cells: Uint16Array.from(cells), owners: new Uint16Array(cells.length) })[4]! & 3;
    expect(tag([200, 2000, 4000])).toBe(1); // gaps >= 128: list and delta tie, list wins
    expect(tag(Array.from({ length: 100 }, (_, i) => i * 3))).toBe(3);
    expect(tag(Array.from({ length: 2000 }, (_, i) => i * 2))).toBe(2);
  });

  it('refuses records it cannot represent', () => {
    const cells = Uint16Array.of(1);
    expect(() => encodeSnapshotChunk({ cx: 65536, cy: 0, cells, owners: cells })).toThrow(LifeError);
    expect(() => encodeSnapshotChunk({ cx: 0, cy: 0, cells, owners: new Uint16Array(0) })).toThrow(LifeError);
    expect(() => encodeFrame({ type: FrameTypes.DIFF, generation: 2 ** 32, timestamp: 0 }, [])).toThrow(LifeError);
  });
});

describe('codec decoding junk', () => {
  it('throws only LifeError LIFE_ERR_WS_BAD_MESSAGE on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.constantFrom(1, 2), (junk, type) => {
        if (junk.length > 0) junk[0] = type;
        try {
          decodeFrame(junk);
        } catch (err) {
          expect(err).toBeInstanceOf(LifeError);
          expect((err as LifeError).code).toBe('LIFE_ERR_WS_BAD_MESSAGE');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('throws on truncated and padded frames', () => {
    const record = encodeSnapshotChunk({ cx: 3, cy: 4, cells: Uint16Array.of(1, 2, 3), owners: Uint16Array.of(1, 1, 2) });
    const frame = encodeFrame({ type: FrameTypes.SNAPSHOT, generation: 1, timestamp: 0 }, [record]);
    for (let cut = 0; cut < frame.length; cut++) expect(() => decodeFrame(frame.subarray(0, cut))).toThrow(LifeError);
    const padded = new Uint8Array(frame.length + 1);
    padded.set(frame);
    expect(() => decodeFrame(padded)).toThrow(/trailing/);
  });

  it('refuses an unsorted cell list and an unknown frame type', () => {
    // Far apart, so written as a plain list: tag at byte 4, count at 5-6, indices at 7-10.
    const record = encodeSnapshotChunk({ cx: 0, cy: 0, cells: Uint16Array.of(200, 3000), owners: Uint16Array.of(1, 1) });
    expect(record[4]! & 3).toBe(1);
    record.set([0xb8, 0x0b, 0xc8, 0x00], 7); // 3000 then 200
    const frame = encodeFrame({ type: FrameTypes.SNAPSHOT, generation: 1, timestamp: 0 }, [record]);
    expect(() => decodeFrame(frame)).toThrow(/out of order/);
    frame[0] = 9;
    expect(() => decodeFrame(frame)).toThrow(/unknown frame type/);
  });
});
