/**
 * Messages about chunks between a sim and its gateways:
 *
 * - a shard's diff (`diff.<shard>`): WIRE_VERSION then a protocol diff frame (shared
 *   codec) holding the records of the shard's changed, watched chunks. The gateway copies
 *   those record bytes into its clients' frames as they are: encoded once, in the sim.
 * - a snapshot request (`snapshot.<shard>`): who asks (the gateway's id, which is also an
 *   interest lease) and which chunks; the reply body is a protocol snapshot frame.
 * - interest (`interest`): the chunks a gateway's clients watch, valid for `leaseMs`. The
 *   sim encodes and publishes only chunks someone watches.
 */
import { ByteReader, ByteWriter } from './bytes.js';

/** Who watches what, for how long. */
export interface Interest {
  readonly gateway: string;
  readonly leaseMs: number;
  /** Chunk indices. */
  readonly chunks: Uint32Array;
}

function writeInterest(w: ByteWriter, m: Interest): Uint8Array {
  w.str(m.gateway).u32(m.leaseMs).u32(m.chunks.length);
  for (const c of m.chunks) w.u32(c);
  return w.finish();
}

function readInterest(r: ByteReader): Interest {
  const gateway = r.str();
  const leaseMs = r.u32();
  const chunks = new Uint32Array(r.u32());
  for (let i = 0; i < chunks.length; i++) chunks[i] = r.u32();
  return { gateway, leaseMs, chunks };
}

/** An interest announcement (also the body of a snapshot request). */
export function encodeInterest(m: Interest): Uint8Array {
  return writeInterest(new ByteWriter(16 + m.gateway.length + 4 * m.chunks.length), m);
}

export function decodeInterest(payload: Uint8Array): Interest {
  return readInterest(new ByteReader(payload));
}

/** A shard's diff message: the version byte, then a protocol diff frame. */
export function encodeShardDiff(frame: Uint8Array): Uint8Array {
  return new ByteWriter(frame.length + 1).bytes(frame).finish();
}

/** The protocol diff frame inside a shard's diff message (a view). */
export function shardDiffFrame(payload: Uint8Array): Uint8Array {
  return new ByteReader(payload).rest();
}
