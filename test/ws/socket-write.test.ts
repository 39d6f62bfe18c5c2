// SocketWriter (server/src/ws/socket-write.ts) writes straight to a socket's descriptor
// while the socket's stream is empty: over real loopback TCP, the bytes arrive complete
// and in order with the stream's own writes when the peer stops reading (the kernel takes
// part of a write, then none), a write never overtakes bytes the stream still holds even
// when the kernel has room again, and a writer whose socket closed never writes to the
// descriptor number a newer connection got.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketWriter } from '../../server/src/ws/socket-write.js';

let server: Server | undefined;
const clients: Socket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A TCP server on 127.0.0.1: `next()` is the server end of its next connection; `accept()` connects a client too. */
async function listen(): Promise<{ port: number; next(): Promise<Socket>; accept(): Promise<{ client: Socket; socket: Socket }> }> {
  const accepted: Socket[] = [];
  const waiting: Array<(socket: Socket) => void> = [];
  server = createServer((socket) => {
    const taker = waiting.shift();
    if (taker) taker(socket);
    else accepted.push(socket);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const next = () =>
    new Promise<Socket>((resolve) => {
      const ready = accepted.shift();
      if (ready) resolve(ready);
      else waiting.push(resolve);
    });
  return {
    port,
    next,
    async accept() {
      const socket = next();
      const client = createConnection(port, '127.0.0.1');
      clients.push(client);
      await new Promise((resolve) => client.once('connect', resolve));
      return { client, socket: await socket };
    },
  };
}

/** `length` bytes that name their position: byte i of write n is (n * 7 + i) mod 251. */
function numbered(n: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (n * 7 + i) % 251;
  return bytes;
}

/** Read from `client` until `length` bytes came, or fail after `ms`. */
async function readExactly(client: Socket, length: number, ms: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${got} of ${length} bytes in ${ms} ms`)), ms);
    client.on('data', (data: Buffer) => {
      parts.push(data);
      got += data.length;
      if (got >= length) {
        clearTimeout(timer);
        resolve(Buffer.concat(parts));
      }
    });
    client.resume();
  });
}

/**
 * A reader process: reads the port from stdin, connects, waits for "read", then reads to
 * the end and prints the byte count and SHA-256 of what came.
 */
const READER = `
const net = require('node:net'), crypto = require('node:crypto');
let input = '';
let socket;
process.stdin.on('data', (d) => {
  input += d;
  const lines = input.split('\\n');
  if (!socket && lines.length > 1) {
    socket = net.connect(Number(lines[0]), '127.0.0.1');
    socket.pause();
  }
  if (lines.length > 2 && lines[1] === 'read') {
    const hash = crypto.createHash('sha256');
    let length = 0;
    socket.on('data', (b) => { hash.update(b); length += b.length; });
    socket.on('end', () => { process.stdout.write(length + ' ' + hash.digest('hex') + '\\n'); process.exit(0); });
    socket.resume();
    process.stdin.pause();
  }
});
`;

describe('SocketWriter', () => {
  it('keeps every byte in order with the stream while the peer does not read', async () => {
    const { accept } = await listen();
    const { client, socket } = await accept();
    client.pause();
    const writer = new SocketWriter(socket);
    const expected: Buffer[] = [];
    let direct = 0;
    let queued = 0;
    // Write until the kernel's buffers are full and the stream holds bytes (bounded:
    // loopback buffers are a few MB), then a few more, with stream writes in between as
    // `ws` makes for its own messages.
    for (let n = 0; n < 400 && queued < 4; n++) {
      const bytes = numbered(n, 64 * 1024 + n);
      expected.push(bytes);
      if (writer.write(bytes)) queued++;
      else direct++;
      if (n % 5 === 4) {
        const own = Buffer.from(`stream write ${n}`);
        socket.write(own);
        expected.push(own);
      }
    }
    expect(direct).toBeGreaterThan(0);
    expect(queued).toBe(4);
    expect(writer.queued).toBeGreaterThan(0);

    const all = Buffer.concat(expected);
    const received = await readExactly(client, all.length, 20_000);
    expect(received.length).toBe(all.length);
    expect(received.equals(all)).toBe(true);
    expect(writer.queued).toBe(0);
  });

  it('never overtakes bytes the stream holds, even once the kernel has room for it', async () => {
    // The reader is another process, so the kernel's buffers drain while this process is
    // busy and the stream has not yet handed its queue to the kernel: the moment a direct
    // write would land before older bytes.
    const reader = spawn(process.execPath, ['-e', READER], { stdio: ['pipe', 'pipe', 'inherit'] });
    const output: Buffer[] = [];
    reader.stdout.on('data', (data: Buffer) => output.push(data));
    const exited = new Promise((resolve) => reader.once('exit', resolve));
    const { port, next } = await listen();
    reader.stdin.write(`${port}\n`);
    const socket = await next();
    try {
      const writer = new SocketWriter(socket);
      const expected: Buffer[] = [];
      for (let n = 0; n < 400 && writer.queued === 0; n++) {
        const bytes = numbered(n, 64 * 1024 + n);
        expected.push(bytes);
        writer.write(bytes);
      }
      expect(writer.queued).toBeGreaterThan(0);
      reader.stdin.write('read\n');
      // Hold this process while the reader empties the kernel's buffers.
      const until = Date.now() + 300;
      while (Date.now() < until);
      const last = numbered(999, 1000);
      expected.push(last);
      expect(writer.write(last)).toBe(true);
      socket.end();
      await exited;
      const all = Buffer.concat(expected);
      expect(Buffer.concat(output).toString().trim()).toBe(`${all.length} ${createHash('sha256').update(all).digest('hex')}`);
    } finally {
      socket.destroy();
      reader.kill();
    }
  });

  it('takes a write larger than the kernel accepts at once: the rest follows through the stream', async () => {
    const { accept } = await listen();
    const { client, socket } = await accept();
    client.pause();
    const writer = new SocketWriter(socket);
    const big = numbered(1, 32 * 1024 * 1024);
    expect(writer.write(big)).toBe(true);
    const after = numbered(2, 1000);
    expect(writer.write(after)).toBe(true);
    const received = await readExactly(client, big.length + after.length, 20_000);
    expect(received.equals(Buffer.concat([big, after]))).toBe(true);
  });

  it('never writes to the descriptor of a closed socket, even when a new connection got its number', async () => {
    const { accept } = await listen();
    const first = await accept();
    const writer = new SocketWriter(first.socket);
    const fd = (first.socket as unknown as { _handle: { fd: number } })._handle.fd;
    first.socket.destroy();
    await new Promise((resolve) => first.socket.once('close', resolve));

    const second = await accept();
    const fdOf = (socket: Socket) => (socket as unknown as { _handle: { fd: number } })._handle.fd;
    // The kernel hands out the lowest free number: one end of the new connection has the old one.
    expect([fdOf(second.socket), fdOf(second.client)]).toContain(fd);
    first.socket.on('error', () => undefined); // the stream reports the write after destroy
    expect(writer.write(Buffer.from('for the closed socket'))).toBe(false);
    // Had the bytes gone to the reused descriptor, they would arrive before these.
    second.socket.write('hello');
    second.client.write('hello');
    expect((await readExactly(second.client, 5, 5000)).toString()).toBe('hello');
    expect((await readExactly(second.socket, 5, 5000)).toString()).toBe('hello');
  });
});
