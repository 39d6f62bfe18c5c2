/**
 * Little-endian byte writing and reading for the bus messages (wire/). Every message
 * starts with WIRE_VERSION; a reader refuses any other, so a sim and a gateway of
 * incompatible versions fail loudly instead of misreading each other.
 */
import { LifeError } from '@lifemmo/shared';

/** Version byte that starts every bus payload (what each version changed: docs/cluster.md, "Subjects"). */
export const WIRE_VERSION = 6;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends numbers and strings to a growing buffer; `finish()` returns exactly the bytes written. */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #at = 0;

  constructor(capacity = 256) {
    this.#bytes = new Uint8Array(capacity);
    this.#view = new DataView(this.#bytes.buffer);
    this.u8(WIRE_VERSION);
  }

  #room(n: number): void {
    if (this.#at + n <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#at + n));
    grown.set(this.#bytes.subarray(0, this.#at));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  u8(v: number): this {
    this.#room(1);
    this.#bytes[this.#at++] = v;
    return this;
  }
  u16(v: number): this {
    this.#room(2);
    this.#view.setUint16(this.#at, v, true);
    this.#at += 2;
    return this;
  }
  u32(v: number): this {
    this.#room(4);
    this.#view.setUint32(this.#at, v, true);
    this.#at += 4;
    return this;
  }
  f64(v: number): this {
    this.#room(8);
    this.#view.setFloat64(this.#at, v, true);
    this.#at += 8;
    return this;
  }
  /** A string of at most 65535 UTF-8 bytes. */
  str(v: string): this {
    const b = encoder.encode(v);
    this.#room(2);
    this.#view.setUint16(this.#at, b.length, true);
    this.#at += 2;
    return this.bytes(b);
  }
  bytes(b: Uint8Array): this {
    this.#room(b.length);
    this.#bytes.set(b, this.#at);
    this.#at += b.length;
    return this;
  }
  /** The bytes written, as one whole buffer (the local bus transfers it without a copy). */
  finish(): Uint8Array {
    return this.#at === this.#bytes.length ? this.#bytes : this.#bytes.slice(0, this.#at);
  }
}

/** Reads what ByteWriter wrote; checks the version byte first. */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  /** @throws LifeError LIFE_ERR_VALIDATION when the payload is of another wire version. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = this.u8();
    if (version !== WIRE_VERSION) {
      throw new LifeError('VALIDATION', `Bus message of wire version ${version}; this process speaks ${WIRE_VERSION}`);
    }
  }

  #need(n: number): void {
    if (this.#at + n > this.#bytes.length) throw new LifeError('VALIDATION', `Bus message truncated at byte ${this.#at}`);
  }
  u8(): number {
    this.#need(1);
    return this.#bytes[this.#at++]!;
  }
  u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.#at, true);
    this.#at += 2;
    return v;
  }
  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#at, true);
    this.#at += 4;
    return v;
  }
  f64(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.#at, true);
    this.#at += 8;
    return v;
  }
  str(): string {
    this.#need(2);
    const n = this.#view.getUint16(this.#at, true);
    this.#at += 2;
    return decoder.decode(this.bytes(n));
  }
  /** The next `n` bytes, as a view (no copy). */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const b = this.#bytes.subarray(this.#at, this.#at + n);
    this.#at += n;
    return b;
  }
  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#at;
  }
  /** Everything not read yet, as a view. */
  rest(): Uint8Array {
    const b = this.#bytes.subarray(this.#at);
    this.#at = this.#bytes.length;
    return b;
  }
}

/** `value` as a versioned JSON payload (small control messages only). */
export function encodeJson(value: unknown): Uint8Array {
  return new ByteWriter(64).bytes(encoder.encode(JSON.stringify(value))).finish();
}

/** The value of a versioned JSON payload. The caller validates its shape. */
export function decodeJson(payload: Uint8Array): unknown {
  return JSON.parse(decoder.decode(new ByteReader(payload).rest()));
}
