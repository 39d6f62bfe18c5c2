/**
 * The bots' one-second clock, by the wall clock. The workers send their stats at
 * `startAt + k s` and the main thread merges them half a second later, so each merged
 * window holds one delta per worker: with two free-running setIntervals, whose phases
 * drift apart by their lateness, a window would now and then hold two deltas and the next
 * none, and the report's charts would show a spike and a drop that never happened.
 */

/** How long after each second the main thread merges the workers' deltas, ms. */
export const MERGE_OFFSET_MS = 500;

/**
 * The first `startAt + offsetMs + k * 1000` (k >= 1) after `now`, all epoch ms: a late call
 * skips the boundaries it missed.
 */
export function nextBoundary(now: number, startAt: number, offsetMs: number): number {
  const k = Math.max(1, Math.floor((now - startAt - offsetMs) / 1000) + 1);
  return startAt + offsetMs + k * 1000;
}

/**
 * Call `fn` at `startAt + offsetMs + k * 1000` (epoch ms, k = 1, 2, ...). A call that comes
 * late (a busy event loop) is not repeated for the seconds it missed: the next one is on the
 * next boundary after it.
 * @returns stop: no call after it
 */
export function everySecond(startAt: number, offsetMs: number, fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = () => {
    const next = nextBoundary(Date.now(), startAt, offsetMs);
    timer = setTimeout(() => {
      if (stopped) return;
      fn();
      schedule();
    }, Math.max(0, next - Date.now()));
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
