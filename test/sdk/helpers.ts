/**
 * Helpers of the SDK suite, on top of the REST suite's (real server on 127.0.0.1:0):
 * waiting with a deadline, dropping every TCP connection of a server, and restarting a
 * server on the same port.
 */
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { buildServer } from '@lifemmo/server';
import type { LifeClient } from '@lifemmo/client';
import { sortCells, type TestServer } from '../rest/helpers.js';

export { ADMIN, admin, allCells, call, GLIDER, at, newPlayer, sortCells, startServer, type TestServer } from '../rest/helpers.js';

/** Resolve once `test()` is true (polled every 10 ms); reject after `timeoutMs`. */
export async function waitFor(test: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The client's replica as sorted [x, y, owner], like GET /cells. */
export function replicaCells(client: LifeClient, rect?: { x: number; y: number; w: number; h: number }): number[][] {
  return sortCells([...client.cells(rect)].map((c) => [...c]));
}

/** Track the server's TCP sockets; `drop()` destroys them all (the client sees 1006). */
export function socketDropper(server: TestServer): { drop(): number } {
  const sockets = new Set<Socket>();
  server.app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    drop() {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
  };
}

/**
 * A new server with `old`'s configuration on `old`'s port (call after `old.close()`): a
 * restart. The world and players start empty, as after a real restart without storage.
 */
export async function restartServer(old: TestServer): Promise<TestServer> {
  const port = Number(new URL(old.url).port);
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await buildServer(old.config, { logStream });
  await app.listen({ host: '127.0.0.1', port });
  return { app, config: old.config, url: old.url, logs, close: () => app.close() };
}
