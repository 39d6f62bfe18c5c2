/**
 * How long the broadcaster may hold the event loop in one slice (broadcaster.ts): long
 * slices while no one is connecting, short ones while connections are arriving.
 *
 * Why: libuv (1.45 on, so Node 20) accepts one connection per turn of the event loop
 * (libuv/libuv#3696), and a turn lasts as long as the slice run in it. With 50 ms slices
 * the gateway accepted about 20 to 60 connections a second while it handed out frames;
 * 1,500 bots joining over 10 s (150 a second, `npm run bench -- --only overload`) queued in
 * the kernel up to a thousand deep, and anything that opened a connection behind them, a
 * liveness probe's `GET /health` included, waited up to 8 s (seen with `ss -ltn`: the
 * listening socket's accept queue, and with strace: one accept4 per epoll_pwait). Short
 * slices alone cost every client latency when nobody connects (LONG_SLICE_MS).
 * So while connections keep arriving the slices are short, and the loop turns often enough
 * to take them; once none came for ACCEPTING_MS, long again.
 */
/**
 * Slices while nobody is connecting, ms. Why not less: whatever runs between slices (acks,
 * bus messages, requests) runs before the rest of the generation goes out, so every slice
 * boundary makes the later clients' frames later. At 5,000 clients on 2 cores
 * (`npm run bench -- --only ws --runs 5`, medians of 5), 8 ms slices gave a p99 of 237 ms
 * and 50 ms slices 147 ms, with the gateway handing out a generation in 58 to 106 ms
 * instead of 77 to 148; a request waits 50 ms at most.
 */
export const LONG_SLICE_MS = 50;
/** Slices while connections arrive, ms: a turn of the loop, so an accept, at least this often. */
export const SHORT_SLICE_MS = 8;
/**
 * A connection accepted within this long means more may be queued, ms: a queue is taken
 * one connection a turn, so its accepts come at most a long slice and the turn's other
 * work apart.
 */
export const ACCEPTING_MS = 200;

/** What tells of accepted connections: a `net.Server` (the HTTP server the WebSocket upgrades come through). */
export interface Accepting {
  on(event: 'connection', listener: () => void): unknown;
}

/** The slice length for now, given `server`'s accepts (a function the broadcaster calls each slice). */
export function sliceBudget(server: Accepting, now: () => number = () => performance.now()): () => number {
  let lastAccept = -Infinity;
  server.on('connection', () => {
    lastAccept = now();
  });
  return () => (now() - lastAccept < ACCEPTING_MS ? SHORT_SLICE_MS : LONG_SLICE_MS);
}
