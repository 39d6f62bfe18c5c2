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
export { MessageArena } from '../wire/message-arena.js';

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

/** Where a message's bytes come from: a tick's MessageArena, or a buffer of its own. */
export interface MessageMemory {
  allocate(bytes: number): Buffer;
}

/** Memory for a message that outlives a tick (the garbage collector frees it). */
export const OWN_BUFFER: MessageMemory = { allocate: (bytes) => Buffer.allocUnsafeSlow(bytes) };

/**
 * Frame a protocol frame of `header` and `records` as one unmasked, final, binary
 * WebSocket frame, in `memory`. The protocol frame is written straight into the message,
 * after its WebSocket header: no copy of the frame.
 */
export function sharedFrameMessage(memory: MessageMemory, header: FrameHeaderInput, records: readonly Uint8Array[]): SharedMessage {
  const length = frameLength(records);
  const headerBytes = length <= MAX_7_BIT ? 2 : length <= 0xffff ? 4 : 10;
  const wire = memory.allocate(headerBytes + length);
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
