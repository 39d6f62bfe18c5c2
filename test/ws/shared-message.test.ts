// A message framed once (server/src/ws/shared-message.ts) and written straight to the
// upgraded socket reaches a real `ws` client as exactly the protocol frame encodeFrame
// makes of the same header and records, at every WebSocket length encoding (7-, 16- and
// 64-bit), in order with what `ws.send` writes on the same socket.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { FRAME_HEADER_BYTES, FrameTypes, encodeFrame } from '@lifemmo/shared';
import { MessageArena, sharedFrameMessage } from '../../server/src/ws/shared-message.js';

let http: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
  http = undefined;
});

/** A bare ws server on 127.0.0.1 handing over its first connection with the socket under it. */
async function serverWithSocket(): Promise<{ url: string; connection: Promise<{ ws: WebSocket; socket: Duplex }> }> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  http = createServer();
  const connection = new Promise<{ ws: WebSocket; socket: Duplex }>((resolve) => {
    http!.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket })));
  });
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, connection };
}

/** Records that make a protocol frame of `length` bytes in all (at least the 20-byte header). */
function recordsFor(length: number): Uint8Array[] {
  const body = length - FRAME_HEADER_BYTES;
  const records: Uint8Array[] = [];
  // Two records where there is room, to check they are laid out one after the other.
  for (const size of body > 1 ? [1, body - 1] : body === 1 ? [1] : []) {
    const record = new Uint8Array(size);
    for (let i = 0; i < size; i++) record[i] = (i * 31 + length + size) & 0xff;
    records.push(record);
  }
  return records;
}

describe('shared framed message', () => {
  it('is received as its payload at every length encoding, in order with ws.send', async () => {
    const { url, connection } = await serverWithSocket();
    const client = new WebSocket(url);
    const received: Array<{ binary: boolean; data: Buffer }> = [];
    client.on('message', (data: Buffer, isBinary) => received.push({ binary: isBinary, data }));
    const { ws, socket } = await connection;

    const lengths = [20, 21, 125, 126, 127, 65535, 65536, 70001];
    const header = (length: number) => ({ type: FrameTypes.DIFF, generation: length, timestamp: 1.5 * length }) as const;
    const arena = new MessageArena();
    for (const length of lengths) {
      const message = sharedFrameMessage(arena, header(length), recordsFor(length));
      expect(message.payload.length).toBe(length);
      expect(message.wire.length - length).toBe(length <= 125 ? 2 : length <= 65535 ? 4 : 10);
      socket.write(message.wire);
      ws.send(`after ${length}`);
    }
    const deadline = Date.now() + 5000;
    while (received.length < lengths.length * 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

    expect(received).toHaveLength(lengths.length * 2);
    lengths.forEach((length, i) => {
      const framed = received[2 * i]!;
      expect(framed.binary).toBe(true);
      expect(new Uint8Array(framed.data)).toEqual(encodeFrame(header(length), recordsFor(length)));
      expect(received[2 * i + 1]).toEqual({ binary: false, data: Buffer.from(`after ${length}`) });
    });
    client.close();
    await new Promise((resolve) => client.once('close', resolve));
  });

  it('an arena reuses its slabs after a tick nobody retained, and leaves retained bytes alone', () => {
    const arena = new MessageArena();
    const first = sharedFrameMessage(arena, { type: FrameTypes.DIFF, generation: 1, timestamp: 1 }, recordsFor(5000));
    const second = sharedFrameMessage(arena, { type: FrameTypes.DIFF, generation: 1, timestamp: 1 }, recordsFor(300));
    // One tick's messages share a slab without overlapping.
    expect(second.wire.buffer).toBe(first.wire.buffer);
    expect(second.wire.byteOffset).toBeGreaterThanOrEqual(first.wire.byteOffset + first.wire.length);
    expect(new Uint8Array(first.payload)).toEqual(encodeFrame({ type: FrameTypes.DIFF, generation: 1, timestamp: 1 }, recordsFor(5000)));

    arena.release(false);
    const reused = sharedFrameMessage(arena, { type: FrameTypes.DIFF, generation: 2, timestamp: 2 }, recordsFor(300));
    expect(reused.wire.buffer).toBe(first.wire.buffer);
    expect(reused.wire.byteOffset).toBe(first.wire.byteOffset);

    const kept = Buffer.from(reused.wire);
    arena.release(true);
    const fresh = sharedFrameMessage(arena, { type: FrameTypes.DIFF, generation: 3, timestamp: 3 }, recordsFor(300));
    expect(fresh.wire.buffer).not.toBe(reused.wire.buffer);
    expect(Buffer.from(reused.wire)).toEqual(kept);

    // A message larger than a slab gets one of its own.
    const huge = sharedFrameMessage(arena, { type: FrameTypes.DIFF, generation: 3, timestamp: 3 }, recordsFor(5 * 1024 * 1024));
    expect(huge.payload.length).toBe(5 * 1024 * 1024);
    expect(huge.wire.buffer).not.toBe(fresh.wire.buffer);
  });
});
