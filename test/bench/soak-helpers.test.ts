// The small parts of the soak and slow-client benchmarks, on real sockets: the least-squares
// slope, /health probes on a schedule, and the kernel queues of a TCP connection read from
// /proc/net/tcp while its reader is stalled.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probesOver, startHealthProbes } from '../../bench/health-probe.js';
import { linearFit } from '../../bench/stats.js';
import { tcpQueues } from '../../bench/tcp-queues.js';
import { waitFor } from '../support/wait.js';

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

describe('linearFit', () => {
  it('finds the slope and intercept of points on a line, with no residual', () => {
    const fit = linearFit([0, 1, 2, 3, 4], [3, 5, 7, 9, 11]);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(3, 12);
    expect(fit.residualSd).toBeCloseTo(0, 12);
    expect(fit.n).toBe(5);
  });

  it('gives the residual spread and the slope standard error of noisy points', () => {
    // Worked by hand: Sxx = 5, Sxy = 0.5, so y = 1.6 + 0.1x; residuals 0.4, -1.2, 1.2, -0.4,
    // SSE 3.2 over 2 degrees of freedom.
    const fit = linearFit([0, 1, 2, 3], [2, 0.5, 3, 1.5]);
    expect(fit.slope).toBeCloseTo(0.1, 12);
    expect(fit.intercept).toBeCloseTo(1.6, 12);
    expect(fit.residualSd).toBeCloseTo(Math.sqrt(1.6), 12);
    expect(fit.slopeSe).toBeCloseTo(Math.sqrt(1.6 / 5), 12);
  });

  it('gives NaN with fewer than three points or one x value', () => {
    expect(linearFit([1, 2], [1, 2]).slope).toBeNaN();
    expect(linearFit([1, 1, 1], [1, 2, 3]).slope).toBeNaN();
  });
});

describe('startHealthProbes', () => {
  it('counts probes answered 2xx with their latency and the others by cause', async () => {
    let requests = 0;
    const server: HttpServer = createHttpServer((req, res) => {
      requests++;
      // Every third probe is refused, as a server that is not healthy would.
      res.statusCode = requests % 3 === 0 ? 503 : 200;
      res.end(req.url);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

    const prober = startHealthProbes(url, 20);
    await waitFor(() => requests >= 6, 'six probes');
    const result = await prober.stop();
    expect(result.probes).toBeGreaterThanOrEqual(6);
    const refused = result.failures['status 503'] ?? 0;
    // Every probe sent was answered one way or the other before stop() resolved.
    expect(result.latencies.length + refused).toBe(result.probes);
    expect(refused).toBe(Math.floor(result.probes / 3));
    expect(Math.min(...result.latencies)).toBeGreaterThan(0);
    // Refused probes count as not answered within any limit.
    expect(probesOver(result, 60_000)).toBe(refused);
  });

  it('names a refused connection as a network failure', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await startHealthProbes(`http://127.0.0.1:${port}`, 1000).stop();
    expect(result.probes).toBe(1);
    expect(result.latencies).toEqual([]);
    expect(Object.keys(result.failures)).toHaveLength(1);
    expect(Object.keys(result.failures)[0]).toMatch(/^network: .*ECONNREFUSED/);
  });
});

describe('tcpQueues', () => {
  it('reads the bytes a stalled reader leaves in the kernel, on both ends of a loopback connection', async () => {
    const sockets = new Set<Socket>();
    let serverSide: Socket | undefined;
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      serverSide = socket;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    });
    const serverPort = (server.address() as { port: number }).port;
    const client = connect({ host: '127.0.0.1', port: serverPort });
    sockets.add(client);
    await new Promise<void>((resolve) => client.once('connect', resolve));
    await waitFor(() => serverSide !== undefined, 'the accepted socket');
    client.pause();
    const clientPort = client.localPort!;

    const sent = 4 * 2 ** 20;
    serverSide!.write(Buffer.alloc(sent, 7));
    // The client reads nothing, so the bytes stay in its receive queue and, once that is
    // full, in the server's send queue.
    await waitFor(() => (tcpQueues(clientPort, serverPort)?.receiveQueue ?? 0) > 64 * 1024, 'bytes in the client receive queue');
    const clientEnd = tcpQueues(clientPort, serverPort)!;
    const serverEnd = tcpQueues(serverPort, clientPort)!;
    expect(clientEnd.receiveQueue + serverEnd.sendQueue).toBeLessThanOrEqual(sent);
    expect(clientEnd.sendQueue).toBe(0);

    // Reading drains both.
    let read = 0;
    client.on('data', (d: Buffer) => (read += d.length));
    client.resume();
    await waitFor(() => read === sent, 'every byte read');
    await waitFor(() => tcpQueues(clientPort, serverPort)?.receiveQueue === 0 && tcpQueues(serverPort, clientPort)?.sendQueue === 0, 'empty queues');
  });

  it('is null for a connection that does not exist', () => {
    expect(tcpQueues(1, 2)).toBeNull();
  });
});
