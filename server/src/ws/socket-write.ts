/**
 * Writes of shared message bytes to one client's socket, straight to the kernel when
 * nothing is queued for that socket.
 *
 * Why: at 5,000 clients the broadcaster makes 50,000 writes a second. Through Node's
 * stream write path (Writable.write, a write request object, an after-write callback on
 * the next tick) each took about 4 µs of user-space CPU; written directly, about 3.2
 * (perf on the benchmark's floor server, which does nothing else). A socket whose stream
 * holds nothing has nothing its bytes must wait behind, so they may go to the kernel with
 * one `write(2)`: the public `fs.writeSync` on the socket's file descriptor. What the
 * kernel does not take at once (its send buffer is full) goes through `socket.write`, and
 * from then on, while the stream holds anything, so does everything else: bytes never
 * overtake earlier ones.
 *
 * The descriptor is `socket._handle.fd`, which Node sets for TCP sockets on Unix but does
 * not document. Where there is none (another platform, a TLS socket), every write goes
 * through `socket.write`, which is always correct, only slower.
 */
import { writeSync } from 'node:fs';
import type { Duplex } from 'node:stream';

/** What Node keeps under a TCP socket, as far as this module reads it (undocumented). */
interface SocketInternals {
  _handle?: { fd?: unknown } | null;
}

/** Writes to one socket, in order, directly when the socket's stream is empty. */
export class SocketWriter {
  readonly #socket: Duplex & SocketInternals;
  /** The handle the descriptor belongs to; the descriptor is closed once the socket drops it. */
  readonly #handle: SocketInternals['_handle'];
  readonly #fd: number;

  constructor(socket: Duplex) {
    this.#socket = socket;
    this.#handle = this.#socket._handle;
    const fd = this.#handle?.fd;
    this.#fd = typeof fd === 'number' && fd >= 0 ? fd : -1;
  }

  /** Bytes the socket's stream holds, not yet taken by the kernel. */
  get queued(): number {
    return this.#socket.writableLength;
  }

  /**
   * Write `bytes` after everything written to the socket before. Returns true when the
   * socket may still hold (a part of) `bytes` after this call, false when the kernel took
   * them all.
   */
  write(bytes: Uint8Array): boolean {
    const socket = this.#socket;
    // A closed socket's descriptor may already belong to another connection: only while
    // the socket still has its handle is the descriptor its own.
    if (this.#fd < 0 || socket.writableLength !== 0 || socket._handle !== this.#handle) return queueWrite(socket, bytes);
    let written: number;
    try {
      written = writeSync(this.#fd, bytes);
    } catch {
      // EAGAIN (the send buffer is full) or a broken connection: the stream writes again
      // and, for a broken connection, reports the error and closes the socket as it would have.
      return queueWrite(socket, bytes);
    }
    return written < bytes.length ? queueWrite(socket, bytes.subarray(written)) : false;
  }
}

function queueWrite(socket: Duplex, bytes: Uint8Array): boolean {
  socket.write(bytes);
  return socket.writableLength > 0;
}
