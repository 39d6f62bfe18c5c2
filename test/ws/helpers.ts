/**
 * Test helpers for the WebSocket suite: a real `ws` client that records every message,
 * keeps a replica built only from snapshots and diffs, and waits with deadlines.
 */
import WebSocket from 'ws';
import {
  CHUNK_SIZE,
  FrameTypes,
  PROTOCOL_VERSION,
  decodeFrame,
  readFrameHeader,
  type FrameHeader,
  mod,
  mulberry32,
  parseServerMessage,
  type Frame,
  type Rect,
  type ServerHello,
  type ServerMessage,
} from '@lifemmo/shared';
import type { TestServer } from '../rest/helpers.js';

export { ADMIN, admin, call, newPlayer, sortCells, startServer, type TestServer } from '../rest/helpers.js';

/** A frame as received, with the local receive time. */
export interface Received {
  readonly frame: Frame;
  readonly bytes: number;
  /** Date.now() at receipt, ms. */
  readonly at: number;
}

/** Options of connectClient. */
export interface ClientOptions {
  /** Sent in the hello message. */
  readonly token?: string;
  /** Extra query string, e.g. `token=...`. */
  readonly query?: string;
  readonly headers?: Record<string, string>;
  /** Send hello on open (default true). */
  readonly hello?: boolean;
  /** Answer pings (default true). */
  readonly autoPong?: boolean;
  /** Decode only frame headers and keep no replica (cheap clients for load). Default true. */
  readonly decode?: boolean;
  /** Acknowledge every frame read, as protocol version 2 asks (default true). */
  readonly ack?: boolean;
}

/**
 * A recording client. `json` and `frames` hold everything received; the replica maps
 * chunk index -> (cell index -> owner) and is updated by every frame, strictly.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly json: ServerMessage[] = [];
  readonly frames: Received[] = [];
  /** With `decode: false`: frame headers only. */
  readonly headers: Array<FrameHeader & { bytes: number; at: number }> = [];
  /** Generation of the replica, -1 before the first snapshot. */
  generation = -1;
  /** Diffs whose generation was not generation + 1. */
  gaps = 0;
  readonly replica = new Map<number, Map<number, number>>();
  closeCode: number | undefined;
  closeReason = '';
  readonly closed: Promise<void>;
  readonly opened: Promise<void>;
  #waiters: Array<() => void> = [];
  #chunksX = 0;
  readonly #decode: boolean;
  readonly #ack: boolean;

  constructor(url: string, options: ClientOptions = {}) {
    this.#decode = options.decode ?? true;
    this.#ack = options.ack ?? true;
    this.ws = new WebSocket(url, { headers: options.headers, autoPong: options.autoPong ?? true });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString('utf8');
        resolve();
        this.#wake();
      });
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    if (options.hello ?? true) {
      this.ws.once('open', () =>
        this.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, ...(options.token !== undefined && { token: options.token }) }),
      );
    }
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      const message = parseServerMessage(data.toString('utf8'));
      if (message.type === 'hello') this.#chunksX = message.world.width / CHUNK_SIZE;
      this.json.push(message);
    } else {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (this.#ack) this.send({ type: 'ack', generation: readFrameHeader(bytes).generation });
      if (this.#decode) {
        const frame = decodeFrame(bytes);
        this.frames.push({ frame, bytes: data.length, at: Date.now() });
        this.#apply(frame);
      } else {
        const header = readFrameHeader(bytes);
        this.headers.push({ ...header, bytes: data.length, at: Date.now() });
        if (header.type === FrameTypes.SNAPSHOT || header.generation === this.generation + 1) this.generation = header.generation;
        else this.gaps++;
      }
    }
    this.#wake();
  }

  #apply(frame: Frame): void {
    if (frame.type === FrameTypes.SNAPSHOT) {
      this.replica.clear();
      for (const chunk of frame.chunks) {
        const cells = new Map<number, number>();
        chunk.cells.forEach((cell, i) => cells.set(cell, chunk.owners[i]!));
        this.replica.set(chunk.cy * this.#chunksX + chunk.cx, cells);
      }
      this.generation = frame.generation;
      return;
    }
    if (this.generation < 0) return;
    if (frame.generation !== this.generation + 1) {
      this.gaps++;
      return;
    }
    for (const chunk of frame.chunks) {
      const cells = this.replica.get(chunk.cy * this.#chunksX + chunk.cx);
      if (cells === undefined) throw new Error(`diff for chunk (${chunk.cx}, ${chunk.cy}) outside the snapshot`);
      chunk.deaths.forEach((cell) => {
        if (!cells.delete(cell)) throw new Error(`death of a dead cell ${cell} in chunk (${chunk.cx}, ${chunk.cy})`);
      });
      chunk.births.forEach((cell, i) => {
        if (cells.has(cell)) throw new Error(`birth of a live cell ${cell}`);
        cells.set(cell, chunk.birthOwners[i]!);
      });
    }
    this.generation = frame.generation;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Send a JSON message (or raw text / bytes). */
  send(message: unknown): void {
    if (typeof message === 'string' || message instanceof Uint8Array) this.ws.send(message);
    else this.ws.send(JSON.stringify(message));
  }

  /** Resolve once `test()` is true, re-checked on every message; reject after `timeoutMs`. */
  async until(test: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (generation ${this.generation}, close ${this.closeCode})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first JSON message matching `test` (waits). */
  async message<T extends ServerMessage['type']>(
    type: T,
    test: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    let found: Extract<ServerMessage, { type: T }> | undefined;
    await this.until(
      () => {
        found = this.json.find((m): m is Extract<ServerMessage, { type: T }> => m.type === type && test(m as Extract<ServerMessage, { type: T }>));
        return found !== undefined;
      },
      timeoutMs,
      `a ${type} message`,
    );
    return found!;
  }

  /** Wait for the server hello. */
  hello(): Promise<ServerHello> {
    return this.message('hello');
  }

  /** Wait until the replica is at `generation` (or later). */
  atGeneration(generation: number, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.generation >= generation, timeoutMs, `generation ${generation}`);
  }

  /** Live cells of the replica inside `rect`, as sorted [x, y, owner] in world coordinates (like GET /cells). */
  cellsIn(rect: Rect, world: { width: number; height: number }): number[][] {
    const out: number[][] = [];
    const chunksX = world.width / CHUNK_SIZE;
    for (const [index, cells] of this.replica) {
      const cx = index % chunksX;
      const cy = Math.floor(index / chunksX);
      for (const [cell, owner] of cells) {
        const x = cx * CHUNK_SIZE + (cell & 63);
        const y = cy * CHUNK_SIZE + (cell >> 6);
        if (mod(x - rect.x, world.width) < rect.w && mod(y - rect.y, world.height) < rect.h) out.push([x, y, owner]);
      }
    }
    return out.sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!);
  }

  /** Close (if open) and wait for the close event. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close();
    else if (this.ws.readyState === WebSocket.CLOSING) this.ws.terminate();
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
    this.ws.terminate();
  }

  /** Stop reading from the socket (the kernel buffers fill, then the server's). */
  pauseReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }
}

/** The ws:// URL of a test server's endpoint, with an optional query. */
export function wsUrl(server: TestServer, query = ''): string {
  return `${server.url.replace('http', 'ws')}/ws${query === '' ? '' : `?${query}`}`;
}

/** Open a client and wait until it is open. */
export async function connectClient(server: TestServer, options: ClientOptions = {}): Promise<TestClient> {
  const client = new TestClient(wsUrl(server, options.query), options);
  await client.opened;
  return client;
}

/** Resolve once `test()` holds, polled every 20 ms (for state no client message wakes); reject after `timeoutMs`. */
/**
 * A `world`-sided world under Seeds (B2/S) ticking every 20 ms, where anyone may place as
 * much as they like: every live cell dies each generation, so every generation changes
 * every chunk with life and frames stay large.
 */
export function seedsWorldEnv(world: number): Record<string, string> {
  return {
    WORLD_WIDTH: String(world),
    WORLD_HEIGHT: String(world),
    RULE: 'B2/S',
    TICK_MS: '20',
    BUDGET_CELLS: '1000000',
    MAX_CELLS_PER_REQUEST: '1000000',
    RATE_LIMIT_PER_MINUTE: '0',
  };
}

export async function waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The shared seeded PRNG, so soups are the same on every run. */
export const prng = mulberry32;

/** A random soup: distinct cells in a side x side square at (x0, y0), density 0..1. */
export function soup(random: () => number, x0: number, y0: number, side: number, density: number, world: number): Array<[number, number]> {
  const cells: Array<[number, number]> = [];
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) if (random() < density) cells.push([mod(x0 + x, world), mod(y0 + y, world)]);
  }
  return cells;
}

/**
 * Close what a test opened: every client in `clients` (emptied in place), then `server`.
 * Each test file calls it from its afterEach, so a failed test leaves nothing running.
 */
export async function closeAll(clients: TestClient[], server: TestServer | undefined): Promise<void> {
  const closing = clients.splice(0);
  await Promise.all(closing.map((c) => c.close()));
  await server?.close();
}
