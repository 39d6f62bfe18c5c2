/**
 * A binary WebSocket message framed once and written as it is to every socket that gets it.
 *
 * Why: the broadcaster sends the same diff frame to every client of a group. Through
 * `ws.send`, each of those sends frames the message again: an options object, a header
 * Buffer, a view of the payload, cork, two writes, uncork and a two-buffer writev. At 5,000
 * clients that JavaScript was about a sixth of the server's time (docs/benchmarks.md). A
 * server's frames are not masked (RFC 6455 section 5.1), so the bytes on the wire are the
 * same for every client: header and payload are built once per group, and each client
 * costs one `write` of one buffer.
 *
 * Only for connections without permessage-deflate (see `WsConnection`): there every frame
 * goes straight to the socket in order, so a direct write lands after everything `ws` has
 * written before it. With compression, `ws` compresses per connection and may queue frames
 * while it does, so those connections keep using `ws.send` with `payload`.
 */

import { frameLength, writeFrame, type FrameHeaderInput } from '@lifemmo/shared';

/** FIN + binary opcode: a whole binary message in one frame. */
const FIN_BINARY = 0x82;
/** Payload lengths up to this fit in the 7-bit length field. */
const MAX_7_BIT = 125;
const LENGTH_16_BIT = 126;
const LENGTH_64_BIT = 127;

/** One binary message, framed once. */
export interface SharedMessage {
  /** The message itself (a protocol frame of shared/src/codec.ts), a view into `wire`. */
  readonly payload: Uint8Array;
  /** The whole WebSocket frame: header, then `payload`. */
  readonly wire: Buffer;
}

/** Bytes of a fresh arena slab; a message larger than this gets a slab of its own size. */
const SLAB_BYTES = 4 * 1024 * 1024;

/**
 * Where a tick's messages are written: slabs that are reused from tick to tick while no
 * socket can still hold their bytes.
 *
 * Why: a buffer per group and tick came to about 2 MB of ArrayBuffers a tick at 5,000
 * clients. V8 frees young ArrayBuffers only in a garbage collection and starts one for
 * "external memory pressure" after some tens of MB, so that was a scavenge about every
 * second, each holding the event loop 10-20 ms, and the tick it fell on reached every
 * client that much later (docs/benchmarks.md).
 *
 * When reuse is safe: a socket write that completes at once leaves no reference to the
 * bytes behind; one that does not (the socket's queue is not empty after it), and every
 * send through `ws.send`, may still hold them. `release(retained)` at the end of a tick
 * says which: if anything may still hold this tick's bytes, its slabs are left to the
 * garbage collector and the next tick starts on new ones. (The broadcaster also cuts a
 * tick's diff records from an arena of their own, released every tick: records are only
 * copied into messages and never reach a socket.)
 */
export class MessageArena {
  #slabs: Buffer[] = [];
  /** Slab being filled (index into #slabs) and where its free part starts. */
  #current = 0;
  #offset = 0;

  /** `bytes` bytes of this tick's slabs, to be overwritten from the next tick on unless retained. */
  allocate(bytes: number): Buffer {
    for (;;) {
      const slab = this.#slabs[this.#current];
      if (slab === undefined) {
        this.#slabs.push(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes)));
        continue;
      }
      if (slab.length - this.#offset >= bytes) {
        const part = slab.subarray(this.#offset, this.#offset + bytes);
        this.#offset += bytes;
        return part;
      }
      this.#current++;
      this.#offset = 0;
    }
  }

  /**
   * The tick's messages are all handed out. With `retained` (some socket or `ws.send` may
   * still hold their bytes), the slabs are dropped for new ones; otherwise they are reused.
   */
  release(retained: boolean): void {
    if (retained) this.#slabs = [];
    this.#current = 0;
    this.#offset = 0;
  }
}

/**
 * Frame a protocol frame of `header` and `records` as one unmasked, final, binary
 * WebSocket frame, in `arena`. The protocol frame is written straight into the message,
 * after its WebSocket header: no copy of the frame.
 */
export function sharedFrameMessage(arena: MessageArena, header: FrameHeaderInput, records: readonly Uint8Array[]): SharedMessage {
  const length = frameLength(records);
  const headerBytes = length <= MAX_7_BIT ? 2 : length <= 0xffff ? 4 : 10;
  const wire = arena.allocate(headerBytes + length);
  wire[0] = FIN_BINARY;
  if (headerBytes === 2) {
    wire[1] = length;
  } else if (headerBytes === 4) {
    wire[1] = LENGTH_16_BIT;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = LENGTH_64_BIT;
    wire.writeBigUInt64BE(BigInt(length), 2);
  }
  writeFrame(wire, headerBytes, header, records);
  return { payload: wire.subarray(headerBytes), wire };
}
