// PROBE_PORT: /health, /ready and /metrics on a port of their own, whose connections do
// not queue behind the clients' (libuv accepts one connection per listening socket and
// turn of the event loop; http/probe-listener.ts).
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildren, listening, run, type Run } from '../support/child-server.js';
import { waitFor } from '../support/wait.js';

const BUSY_TURNS = fileURLToPath(new URL('../support/busy-turns.mjs', import.meta.url));

async function probePort(r: Run): Promise<number> {
  await waitFor(() => /probes on http:\/\/127\.0\.0\.1:\d+/.test(r.stdout()), 'the probes line', 60_000);
  return Number(/probes on http:\/\/127\.0\.0\.1:(\d+)/.exec(r.stdout())![1]);
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  killChildren();
});

describe('PROBE_PORT', () => {
  it('serves /health, /ready and /metrics as the main port does, and nothing else (404 with a code)', async () => {
    const r = run({ PORT: '0', PROBE_PORT: '0' });
    const port = await listening(r);
    const probes = await probePort(r);
    expect(probes).not.toBe(port);
    const health = await fetch(`http://127.0.0.1:${probes}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${probes}/ready`)).status === 200, 'ready on the probe port', 30_000);
    const metrics = await fetch(`http://127.0.0.1:${probes}/metrics?scrape=1`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^lifemmo_ws_publish_duration_seconds_count \d+$/m);
    const other = await fetch(`http://127.0.0.1:${probes}/world`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('LIFE_ERR_NOT_FOUND');
    // The main port is unchanged.
    expect((await fetch(`http://127.0.0.1:${port}/world`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('answers a new connection before the main port has worked through the connections queued there', async () => {
    const r = run({ PORT: '0', PROBE_PORT: '0' }, ['--import', BUSY_TURNS]);
    const port = await listening(r);
    const probes = await probePort(r);
    // 300 connections queue on the main port; at one accept per turn of 20 ms or more,
    // the server needs 6 s or more to take them all.
    await Promise.all(
      Array.from({ length: 300 }, () => new Promise<void>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve());
        s.on('error', reject);
        sockets.push(s);
      })),
    );
    const order: string[] = [];
    const ask = (at: number, name: string) => fetch(`http://127.0.0.1:${at}/health`).then((reply) => {
      expect(reply.status).toBe(200);
      order.push(name);
    });
    await Promise.all([ask(port, 'main port'), ask(probes, 'probe port')]);
    expect(order).toEqual(['probe port', 'main port']);
  });

  it('is refused at start-up when it is not a port', async () => {
    const r = run({ PORT: '0', PROBE_PORT: 'http' });
    expect(await r.exit).toBe(1);
    expect(r.stderr()).toMatch(/PROBE_PORT: must be an integer port from 0 to 65535, or unset/);
  });
});
