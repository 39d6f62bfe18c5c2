// Overload protection (docs/operations.md, "Overload"): whatever the load, the operators'
// routes answer within a second, and the server refuses what it cannot do explicitly
// (503 + Retry-After + LIFE_ERR_OVERLOADED, WebSocket close 4008), never by silence; an
// operator can pause or reset the world; once the load is gone, work is accepted again.
//
// Each kind of overload is forced deterministically on a real server:
// - tick lag: simulated cell I/O of a fixed 400 ms under a 50 ms tick rate, so as soon as
//   one cell lives every tick starts ~350 ms late (the sim's thread itself stays idle);
// - heap: a heap limit of a millionth of V8's, which any heap passes;
// - event-loop delay: this test's thread (the gateway's: the server runs in-process) kept
//   busy in 100 ms slices.
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCodes, Errors } from '@lifemmo/shared';
import { ADMIN, admin, call, closeAll, connectClient, newPlayer, startServer, type TestClient, type TestServer } from '../ws/helpers.js';
import { waitFor } from '../support/wait.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  await closeAll(clients, server);
  server = undefined;
});

/** A busy world: every tick waits 400 ms for its cells' simulated I/O, at a 50 ms tick rate. */
const SLOW_TICKS = {
  CELL_LOGIC: 'simulated',
  IO_LATENCY_MODEL: 'fixed',
  IO_LATENCY_MS: '400',
  IO_TIMEOUT_MS: '2000',
  TICK_MS: '50',
  OVERLOAD_MAX_TICK_LAG_MS: '150',
  RATE_LIMIT_PER_MINUTE: '0',
};

const BLOCK: Array<[number, number]> = [
  [10, 10],
  [11, 10],
  [10, 11],
  [11, 11],
];

/** The operators' routes, with the status each answers while the server is overloaded. */
const OPERATOR_ROUTES: Array<[string, string]> = [
  ['GET', '/health'],
  ['GET', '/ready'],
  ['GET', '/metrics'],
  ['GET', '/status.json'],
];

/** Every operator route answers 200 within 1 s. */
async function expectOperatorsServed(s: TestServer): Promise<void> {
  for (const [method, path] of OPERATOR_ROUTES) {
    const started = performance.now();
    const reply = await call(s, method, path, { token: path === '/status.json' ? ADMIN : undefined });
    const tookMs = performance.now() - started;
    expect({ path, status: reply.status }).toEqual({ path, status: 200 });
    expect(tookMs, `${path} took ${tookMs.toFixed(0)} ms`).toBeLessThan(1000);
  }
}

/** A refusal for overload: 503, Retry-After, LIFE_ERR_OVERLOADED. */
function expectOverloaded(reply: Awaited<ReturnType<typeof call>>, retryAfterS = '5'): void {
  expect({ status: reply.status, code: reply.body?.error?.code, retryAfter: reply.headers.get('retry-after') }).toEqual({
    status: 503,
    code: Errors.OVERLOADED.code,
    retryAfter: retryAfterS,
  });
  expect(reply.body.error.message).toMatch(/overloaded/);
}

/** A new WebSocket connection, which the server closes with 4008 LIFE_ERR_WS_OVERLOADED. */
async function expectConnectionRefused(s: TestServer): Promise<void> {
  const refused = await connectClient(s);
  clients.push(refused);
  await refused.until(() => refused.closeCode !== undefined, 5000, 'the close');
  expect({ code: refused.closeCode, reason: refused.closeReason }).toEqual({ code: CloseCodes.OVERLOADED, reason: Errors.WS_OVERLOADED.code });
}

/** The value of a metric sample in Prometheus text (0 when absent). */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

describe('overload protection', () => {
  it('a world too busy for its tick rate: placements and new connections are refused, operators get through, pause and reset relieve it', async () => {
    server = await startServer(SLOW_TICKS);
    const s = server;
    const player = await newPlayer(s, 'busy');
    const placer = await connectClient(s, { token: player.token });
    clients.push(placer);
    await placer.hello();

    // On time so far: the first cells are welcome.
    const world0 = await call(s, 'GET', '/world');
    expect(world0.body).toMatchObject({ paused: false, tickMs: 50 });
    expect(world0.body.lagMs).toBeLessThan(150);
    expect((await call(s, 'POST', '/cells', { token: player.token, body: { cells: BLOCK } })).status).toBe(202);

    // Now every tick waits 400 ms: the lag shows in /world and in the metrics. The first
    // slow tick started on time (its summary says lag 0), so the lag is only sure to stay
    // past the limit once a tick that started late has reported: two generations on.
    await waitFor(async () => (await call(s, 'GET', '/world')).body.lagMs > 150, 'the tick to fall behind');
    const behindAt = (await call(s, 'GET', '/world')).body.generation as number;
    await waitFor(async () => {
      const w = (await call(s, 'GET', '/world')).body;
      return w.generation >= behindAt + 2 && w.lagMs > 150;
    }, 'a tick that started late to report');
    const world = (await call(s, 'GET', '/world')).body;
    expect(world.ticksPerSecond).toBeLessThan(20);
    expect((await call(s, 'GET', '/status.json')).body.world.lagMs).toBeGreaterThan(150);
    await waitFor(async () => sample((await call(s, 'GET', '/metrics')).text, 'lifemmo_tick_behind_seconds') > 0.15, 'the lag in the metrics');

    // Placements are refused, explicitly, over REST and over the socket.
    expectOverloaded(await call(s, 'POST', '/cells', { token: player.token, body: { cells: [[40, 40]] } }));
    expectOverloaded(await call(s, 'POST', '/patterns', { token: player.token, body: { rle: 'o!', x: 50, y: 50 } }));
    placer.send({ type: 'place', cells: [[60, 60]], id: 'refused' });
    // The reply to that id, whichever it is (a `placed` would say the refusal failed); a loaded machine may take a while.
    await placer.until(() => placer.json.some((m) => 'id' in m && m.id === 'refused'), 20_000, "the reply to 'refused'");
    expect(placer.json.find((m) => 'id' in m && m.id === 'refused')).toMatchObject({ type: 'error', code: Errors.OVERLOADED.code });
    // Reads of the world are still served; new connections are told to come back later.
    expect((await call(s, 'GET', '/world')).status).toBe(200);
    await expectConnectionRefused(s);
    await expectOperatorsServed(s);

    const metrics = (await call(s, 'GET', '/metrics')).text;
    expect(sample(metrics, 'lifemmo_overload_shed_total{surface="placement",reason="tick_lag"}')).toBe(3);
    expect(sample(metrics, 'lifemmo_overload_shed_total{surface="ws_connect",reason="tick_lag"}')).toBe(1);
    expect(sample(metrics, `lifemmo_placements_total{transport="rest",result="refused",code="${Errors.OVERLOADED.code}"}`)).toBe(2);

    // The operator pauses: the world is on time again (it keeps no schedule), placements are welcome.
    expect((await admin(s, 'pause')).body).toMatchObject({ paused: true });
    expect((await call(s, 'GET', '/world')).body).toMatchObject({ paused: true, lagMs: 0 });
    expect((await call(s, 'POST', '/cells', { token: player.token, body: { cells: [[80, 80]] } })).status).toBe(202);

    // Resumed, it falls behind again; a reset empties it and the server serves normally.
    expect((await admin(s, 'resume')).body).toMatchObject({ paused: false });
    await waitFor(async () => (await call(s, 'POST', '/cells', { token: player.token, body: { cells: [[90, 90]] } })).status === 503, 'the lag to be back');
    expect((await admin(s, 'reset')).status).toBe(200);
    // On time as the ticks of the empty world report it, not only as the reset left it: the
    // first tick after a reset may still report the late start of the one the reset cut short.
    await waitFor(async () => {
      const world = (await call(s, 'GET', '/world')).body;
      return world.lagMs === 0 && world.generation >= 3;
    }, 'the tick to be on time again');
    const welcome = await connectClient(s);
    clients.push(welcome);
    expect((await welcome.hello()).type).toBe('hello');
    // (Last: a live cell makes the ticks slow again.)
    expect((await call(s, 'POST', '/cells', { token: player.token, body: { cells: [[100, 100]] } })).status).toBe(202);
  });

  it('a gateway short of memory sheds every request but the operators’, with the usual error body', async () => {
    // Any heap is over a millionth of the limit; sampled every 100 ms.
    server = await startServer({ OVERLOAD_MAX_HEAP_FRACTION: '0.000001', OVERLOAD_SAMPLE_MS: '100', OVERLOAD_RETRY_AFTER_S: '7' });
    const s = server;
    await waitFor(async () => (await call(s, 'GET', '/world')).status === 503, 'the first sample');

    expectOverloaded(await call(s, 'GET', '/world'), '7');
    expectOverloaded(await call(s, 'POST', '/players', { body: { name: 'late' } }), '7');
    expectOverloaded(await call(s, 'POST', '/cells', { token: 'no-such-token', body: { cells: [[1, 1]] } }), '7');
    await expectConnectionRefused(s);
    await expectOperatorsServed(s);
    // The admin routes get through: the operator can still pause, resume and reset.
    expect((await admin(s, 'pause')).body).toMatchObject({ paused: true });
    expect((await admin(s, 'reset')).status).toBe(200);
    expect((await admin(s, 'resume')).body).toMatchObject({ paused: false });

    const metrics = (await call(s, 'GET', '/metrics')).text;
    expect(sample(metrics, 'lifemmo_overload_shed_total{surface="http",reason="heap"}')).toBeGreaterThanOrEqual(4);
    expect(sample(metrics, 'lifemmo_overload_shed_total{surface="ws_connect",reason="heap"}')).toBe(1);
  });

  it('a busy gateway thread sheds requests while it is busy and serves them again once it is not', async () => {
    server = await startServer({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '20', OVERLOAD_SAMPLE_MS: '100' });
    const s = server;
    const player = await newPlayer(s, 'spin');
    // Keep this thread (the gateway's) busy 100 ms of every ~110 ms, for at most 20 s.
    const until = Date.now() + 20_000;
    let spinning = true;
    const spin = (): void => {
      if (!spinning || Date.now() > until) return;
      const end = performance.now() + 100;
      while (performance.now() < end) {
        // busy on purpose: this is the load
      }
      setTimeout(spin, 10);
    };
    spin();
    try {
      await waitFor(async () => (await call(s, 'POST', '/cells', { token: player.token, body: { cells: [[5, 5]] } })).status === 503, 'shedding', 15_000);
      expectOverloaded(await call(s, 'GET', '/world'));
      await expectOperatorsServed(s);
    } finally {
      spinning = false;
    }
    await waitFor(async () => (await call(s, 'POST', '/cells', { token: player.token, body: { cells: [[6, 6]] } })).status === 202, 'placements to be accepted again');
    const metrics = (await call(s, 'GET', '/metrics')).text;
    expect(sample(metrics, 'lifemmo_overload_shed_total{surface="http",reason="event_loop_delay"}')).toBeGreaterThanOrEqual(2);
  });
});
