// Test preload (node --import): every turn of the main thread's event loop lasts at least
// BUSY_TURN_MS (default 20), as under a flood, so that the server accepts new connections
// slowly (libuv takes one per listening socket and turn). Worker threads are left alone.
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const ms = Number(process.env.BUSY_TURN_MS ?? 20);
  setInterval(() => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  }, 0);
}
