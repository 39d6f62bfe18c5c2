/**
 * A minimal WebSocket client for the load generator: it reads only the first bytes of each
 * binary message and skips the rest where it lies in the socket's read buffers, without
 * assembling messages.
 *
 * Why not `ws` here: at 5,000 clients the load generator, not the server, was the saturated
 * process (one worker thread at 100%+ of a core, docs/benchmarks.md). `ws` assembles every
 * 8 KB message, emits it and hands it to a listener; the load generator reads 20 bytes of
 * it. What the generator spends is time the server under test does not get on this
 * 2-core machine, and queueing in the generator shows up as tick-to-client latency. The
 * server side still runs `ws`, and so does every test. `BENCH_WS_CLIENT=ws` switches the
 * generator back to `ws` to compare.
 *
 * What it speaks (RFC 6455, client side): the HTTP/1.1 upgrade with a checked
 * Sec-WebSocket-Accept; masked text frames out; unmasked frames in (binary, text, ping,
 * close), each message in one frame as lifemmo's server sends them; a pong for every ping;
 * a close frame echoed. Anything else ends the connection with an error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/**
 * Where every client of this thread reads into: Node's `onread` fills it and calls back
 * synchronously, and nothing read is kept past the callback without a copy (the split
 * frame header in `rest`, the handshake), so one buffer serves all. Compared with the
 * 'data' event it saves a Buffer and a stream push per read.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** What a RawWsClient reports. */
export interface RawWsHandlers {
  open(): void;
  /** A binary message of `length` bytes; `bytes` holds at least its first `prefix` bytes (fewer only if the message is shorter) from `offset`. */
  binary(bytes: Buffer, offset: number, length: number): void;
  /** The connection ended: `code` is the close frame's status code, absent when the socket ended without one. */
  close(code?: number): void;
  error(err: Error): void;
}

/** One WebSocket connection; see the module comment. */
export class RawWsClient {
  private readonly socket: Socket;
  private readonly key = randomBytes(16).toString('base64');
  private handshake: Buffer | null = Buffer.alloc(0);
  // Bytes of a frame header (and the prefix wanted from its payload) split across reads.
  private rest: Buffer | null = null;
  // Payload bytes still to pass over before the next frame header.
  private skip = 0;
  private closed = false;

  constructor(
    url: string,
    private readonly prefix: number,
    private readonly handlers: RawWsHandlers,
  ) {
    const { hostname, port, pathname, search } = new URL(url);
    // Reads land in the worker's one shared buffer (see READ_BUFFER), not in a new Buffer
    // per read emitted through the stream's 'data' event.
    const onread = { buffer: READ_BUFFER, callback: (nread: number, buffer: Uint8Array): boolean => this.onRead(nread, buffer) };
    this.socket = connect({ host: hostname, port: Number(port), onread }, () => {
      this.socket.setNoDelay(true);
      this.socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => {
      if (!this.closed) {
        this.closed = true;
        handlers.close();
      }
    });
  }

  /** Send a text message (masked, as clients must). */
  sendText(text: string): void {
    this.sendFrame(OP_TEXT, Buffer.from(text, 'utf8'));
  }

  /**
   * Stop reading from the socket (the kernel's buffers then fill, as with a stalled
   * client); frames already read were reported. `resumeReading` reads on.
   */
  pauseReading(): void {
    this.socket.pause();
  }

  /** Read again after `pauseReading`. */
  resumeReading(): void {
    this.socket.resume();
  }

  /** The local TCP port of the connection (undefined before it is connected): names its socket in /proc/net/tcp. */
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** Drop the connection at once. */
  terminate(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private sendFrame(opcode: number, payload: Buffer): void {
    const extended = payload.length < 126 ? 0 : 2;
    if (payload.length > 0xffff) throw new Error('raw client: message too large');
    const frame = Buffer.allocUnsafe(2 + extended + 4 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | (extended === 0 ? payload.length : 126);
    if (extended === 2) frame.writeUInt16BE(payload.length, 2);
    const maskAt = 2 + extended;
    randomBytes(4).copy(frame, maskAt);
    for (let i = 0; i < payload.length; i++) frame[maskAt + 4 + i] = payload[i]! ^ frame[maskAt + (i & 3)]!;
    this.socket.write(frame);
  }

  private onRead(nread: number, buffer: Uint8Array): boolean {
    this.onData(Buffer.from(buffer.buffer, buffer.byteOffset, nread));
    return true;
  }

  private onData(chunk: Buffer): void {
    if (this.handshake !== null) {
      const seen = Buffer.concat([this.handshake, chunk]);
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0) {
        this.handshake = seen;
        return;
      }
      const head = seen.subarray(0, end).toString('latin1');
      const accept = createHash('sha1').update(this.key + GUID).digest('base64');
      if (!head.startsWith('HTTP/1.1 101') || !head.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`)) {
        this.fail(new Error(`raw client: upgrade refused: ${head.split('\r\n')[0]}`));
        return;
      }
      this.handshake = null;
      this.handlers.open();
      chunk = seen.subarray(end + 4);
    }
    let bytes = chunk;
    if (this.rest !== null) {
      bytes = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let at = 0;
    while (at < bytes.length && !this.closed) {
      if (this.skip > 0) {
        const passed = Math.min(this.skip, bytes.length - at);
        this.skip -= passed;
        at += passed;
        continue;
      }
      const frame = this.readFrame(bytes, at);
      if (frame === null) {
        // Keep only the unread tail (a few bytes), not the whole read buffer.
        this.rest = Buffer.from(bytes.subarray(at));
        return;
      }
      at = frame.payloadAt;
      this.skip = frame.length;
    }
  }

  /**
   * Parse the frame header at `at` and act on the frame once the bytes it needs are here;
   * null when they are not all here yet.
   */
  private readFrame(bytes: Buffer, at: number): { payloadAt: number; length: number } | null {
    if (bytes.length - at < 2) return null;
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let payloadAt = at + 2;
    if (length === 126) {
      if (bytes.length - at < 4) return null;
      length = bytes.readUInt16BE(at + 2);
      payloadAt = at + 4;
    } else if (length === 127) {
      if (bytes.length - at < 10) return null;
      length = bytes.readUInt32BE(at + 2) * 2 ** 32 + bytes.readUInt32BE(at + 6);
      payloadAt = at + 10;
    }
    // Control frames are answered with their payload; binary messages need their prefix.
    const needed = opcode === OP_BINARY ? Math.min(length, this.prefix) : opcode >= OP_CLOSE ? length : 0;
    if (bytes.length - payloadAt < needed) return null;
    switch (opcode) {
      case OP_BINARY:
        this.handlers.binary(bytes, payloadAt, length);
        break;
      case OP_PING:
        this.sendFrame(OP_PONG, Buffer.from(bytes.subarray(payloadAt, payloadAt + length)));
        break;
      case OP_CLOSE:
        this.sendFrame(OP_CLOSE, Buffer.from(bytes.subarray(payloadAt, payloadAt + Math.min(length, 2))));
        this.closed = true;
        this.socket.end();
        // 1005: "no status code present" (RFC 6455, 7.1.5).
        this.handlers.close(length >= 2 ? bytes.readUInt16BE(payloadAt) : 1005);
        break;
      case OP_TEXT:
      case OP_PONG:
        break;
      default:
        this.fail(new Error(`raw client: unexpected opcode ${opcode}`));
    }
    return { payloadAt, length };
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.handlers.error(err);
  }
}
