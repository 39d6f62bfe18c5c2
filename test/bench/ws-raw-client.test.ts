// The load generator's minimal WebSocket client against a real `ws` server and against a
// server that dribbles its bytes one at a time (every header and prefix split across reads).
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { tcpQueues } from '../../bench/tcp-queues.js';
import { RawWsClient, type RawWsHandlers } from '../../bench/ws-raw-client.js';
import { waitFor } from '../support/wait.js';

interface Seen {
  opened: boolean;
  binaries: Array<{ prefix: number[]; length: number }>;
  closed: boolean;
  errors: string[];
}

function recorder(prefix: number): { seen: Seen; handlers: RawWsHandlers; until(done: (s: Seen) => boolean): Promise<void> } {
  const seen: Seen = { opened: false, binaries: [], closed: false, errors: [] };
  const wakers: Array<() => void> = [];
  const wake = () => wakers.splice(0).forEach((w) => w());
  const handlers: RawWsHandlers = {
    open: () => ((seen.opened = true), wake()),
    binary: (bytes, at, length) => {
      seen.binaries.push({ prefix: Array.from(bytes.subarray(at, at + Math.min(prefix, length))), length });
      wake();
    },
    close: () => ((seen.closed = true), wake()),
    error: (err) => (seen.errors.push(err.message), wake()),
  };
  const until = async (done: (s: Seen) => boolean): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!done(seen)) {
      if (Date.now() > deadline) throw new Error(`timed out; seen ${JSON.stringify(seen)}`);
      await new Promise<void>((resolve) => {
        wakers.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return { seen, handlers, until };
}

const pattern = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed) & 255));

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

/** A plain TCP server on 127.0.0.1 handing each connection to `onSocket`, closed (connections and all) after the test; resolves to its port. */
async function serveRaw(onSocket: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    onSocket(socket);
  });
  closers.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A RawWsClient (20-byte prefix) to 127.0.0.1:`port`, terminated after the test, with what it reports. */
function openRaw(port: number): ReturnType<typeof recorder> & { client: RawWsClient } {
  const recorded = recorder(20);
  const client = new RawWsClient(`ws://127.0.0.1:${port}/ws`, 20, recorded.handlers);
  closers.push(async () => client.terminate());
  return { ...recorded, client };
}

/** A `ws` server on a free loopback port, closed (its clients terminated) after the test. */
async function listeningServer(): Promise<{ server: WebSocketServer; port: number }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const ws of server.clients) ws.terminate();
        server.close(() => resolve());
      }),
  );
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('RawWsClient (bench load generator)', () => {
  it('talks to a ws server: masked text out; 7-, 16- and 64-bit lengths, ping and close in', async () => {
    const { server, port } = await listeningServer();
    const texts: string[] = [];
    let pongs = 0;
    let peer: WebSocket | undefined;
    server.on('connection', (ws) => {
      peer = ws;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) texts.push(data.toString());
      });
      ws.on('pong', (data) => {
        if (data.toString() === 'hi') pongs++;
      });
    });

    const { seen, until, client } = openRaw(port);
    await until((s) => s.opened);
    client.sendText('{"type":"hello","protocolVersion":1}');
    client.sendText('x'.repeat(300)); // a 16-bit length, masked
    await new Promise<void>((resolve) => {
      const check = () => (texts.length === 2 ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(texts).toEqual(['{"type":"hello","protocolVersion":1}', 'x'.repeat(300)]);

    peer!.send(pattern(8000, 1));
    peer!.send(pattern(10, 2)); // shorter than the prefix
    peer!.ping(Buffer.from('hi'));
    peer!.send(pattern(70_000, 3)); // a 64-bit length
    peer!.send('text is passed over');
    peer!.send(pattern(100, 4));
    await until((s) => s.binaries.length === 4);
    expect(seen.binaries).toEqual([
      { prefix: Array.from(pattern(20, 1)), length: 8000 },
      { prefix: Array.from(pattern(10, 2)), length: 10 },
      { prefix: Array.from(pattern(20, 3)), length: 70_000 },
      { prefix: Array.from(pattern(20, 4)), length: 100 },
    ]);
    // The pong crosses back to the server after the client has read everything.
    const pongDeadline = Date.now() + 5000;
    while (pongs === 0 && Date.now() < pongDeadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pongs).toBe(1);

    const closed = new Promise<number>((resolve) => peer!.once('close', (code) => resolve(code)));
    peer!.close(1000);
    await until((s) => s.closed);
    expect(await closed).toBe(1000);
    expect(seen.errors).toEqual([]);
  });

  it('reassembles headers and prefixes split across reads, one byte per read', async () => {
    const frames = Buffer.concat([
      Buffer.from([0x82, 126, 0x01, 0x2c]), // binary, 300 bytes (16-bit length)
      pattern(300, 5),
      Buffer.from([0x82, 3]), // binary, 3 bytes
      pattern(3, 6),
    ]);
    const port = await serveRaw((socket) => {
      let request = '';
      socket.on('data', (d: Buffer) => {
        request += d.toString('latin1');
        if (!request.includes('\r\n\r\n')) return;
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(request)![1]!;
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        let at = 0;
        const dribble = () => {
          if (at < frames.length) socket.write(frames.subarray(at, ++at), () => setTimeout(dribble, 1));
        };
        dribble();
        request = '';
      });
    });
    const { seen, until } = openRaw(port);
    await until((s) => s.binaries.length === 2);
    expect(seen.binaries).toEqual([
      { prefix: Array.from(pattern(20, 5)), length: 300 },
      { prefix: Array.from(pattern(3, 6)), length: 3 },
    ]);
  });

  it('stalls while paused (bytes wait in the kernel), reads them all on resume, and reports the close code', async () => {
    const { server, port } = await listeningServer();
    let peer: WebSocket | undefined;
    server.on('connection', (ws) => (peer = ws));
    const lengths: number[] = [];
    let closeCode: number | undefined;
    let opened = false;
    const client = new RawWsClient(`ws://127.0.0.1:${port}/ws`, 20, {
      open: () => (opened = true),
      binary: (_bytes, _at, length) => lengths.push(length),
      close: (code) => (closeCode = code),
      error: (err) => {
        throw err;
      },
    });
    closers.push(async () => client.terminate());
    await waitFor(() => opened && peer !== undefined, 'the connection');

    client.pauseReading();
    for (let i = 0; i < 10; i++) peer!.send(pattern(10_000, i));
    // Everything sent is in the client's receive queue, and nothing was reported.
    await waitFor(() => (tcpQueues(client.localPort!, port)?.receiveQueue ?? 0) >= 100_000, 'the bytes in the kernel');
    expect(lengths).toEqual([]);

    client.resumeReading();
    await waitFor(() => lengths.length === 10, 'ten messages after resuming');
    expect(lengths).toEqual(new Array(10).fill(10_000));
    peer!.close(4005, 'LIFE_ERR_WS_HEARTBEAT_MISSED');
    await waitFor(() => closeCode !== undefined, 'the close');
    expect(closeCode).toBe(4005);
  });

  it('reports a refused upgrade as an error', async () => {
    const port = await serveRaw((socket) => socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'));
    const { seen, until } = openRaw(port);
    await until((s) => s.errors.length > 0);
    expect(seen.errors[0]).toMatch(/upgrade refused: HTTP\/1.1 404/);
  });
});
