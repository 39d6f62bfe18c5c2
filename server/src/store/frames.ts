/**
 * Checksummed frames, the unit of the write-ahead log: [length u32][crc32 u32][payload].
 * A frame whose length runs past the end of the file, or whose checksum does not match,
 * marks where the good part of a log ends (a torn write at a crash, or damage).
 */
import { crc32 } from 'node:zlib';

/** Bytes before the payload. */
export const FRAME_HEADER_BYTES = 8;
/** Largest payload accepted when reading; anything larger is damage, not data. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Wrap a payload in a frame. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** The frames of a buffer, and where the good part ends (`goodBytes`). */
export interface FrameScan {
  readonly payloads: Buffer[];
  /** Offset just past the last good frame. */
  readonly goodBytes: number;
  /** Why the scan stopped early, or null when the buffer ended on a frame boundary. */
  readonly problem: string | null;
}

/** Read frames from the start of `data` until the end or the first damaged frame. */
export function scanFrames(data: Buffer): FrameScan {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset < FRAME_HEADER_BYTES) {
      return { payloads, goodBytes: offset, problem: `truncated frame header at byte ${offset}` };
    }
    const length = data.readUInt32LE(offset);
    const sum = data.readUInt32LE(offset + 4);
    if (length > MAX_FRAME_BYTES) return { payloads, goodBytes: offset, problem: `impossible frame length ${length} at byte ${offset}` };
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > data.length) return { payloads, goodBytes: offset, problem: `truncated frame at byte ${offset} (${end - data.length} bytes missing)` };
    const payload = data.subarray(offset + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== sum) return { payloads, goodBytes: offset, problem: `checksum mismatch in frame at byte ${offset}` };
    payloads.push(payload);
    offset = end;
  }
  return { payloads, goodBytes: offset, problem: null };
}
