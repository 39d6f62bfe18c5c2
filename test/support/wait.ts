/**
 * Waiting in tests: poll a condition until it holds, with a deadline that only a broken
 * server misses, never a loaded machine. Use instead of a sleep followed by an assertion.
 */

/** How often a condition is polled, ms. */
const POLL_MS = 20;

/**
 * Resolve once `check` returns true (it may be async); reject naming `what` when it has
 * not by `timeoutMs`. A check that throws is polled again (the thing may not be up yet)
 * and its last error is in the rejection.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      if (await check()) return;
      last = null;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last === null ? '' : `; last error: ${last instanceof Error ? last.message : String(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Assert that something does not happen: `check` must return true on every poll for
 * `windowMs`. A loaded machine polls less often and so can only make this weaker, never
 * fail it wrongly; what a test waits for to happen uses `waitFor`.
 */
export async function holdsFor(check: () => boolean | Promise<boolean>, what: string, windowMs: number): Promise<void> {
  const end = Date.now() + windowMs;
  do {
    if (!(await check())) throw new Error(`${what} stopped holding within ${windowMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  } while (Date.now() < end);
  if (!(await check())) throw new Error(`${what} stopped holding within ${windowMs} ms`);
}
