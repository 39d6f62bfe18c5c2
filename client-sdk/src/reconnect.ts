/**
 * Reconnection delays: exponential backoff with jitter, so that thousands of clients
 * dropped by one server restart do not come back in the same millisecond.
 */

/** Backoff settings; every time is in milliseconds. */
export interface BackoffOptions {
  /** Delay before the first retry (before jitter), ms. Default 250. */
  readonly initialDelayMs?: number;
  /** Ceiling of the delay, ms. Default 10000. */
  readonly maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /**
   * Share of the delay that is random, 0..1. Default 0.5 ("equal jitter": half fixed, half
   * random), which spreads clients out while keeping a floor, so a retry never comes at 0 ms.
   */
  readonly jitter?: number;
  /** Give up after this many failed attempts in a row. Default Infinity. */
  readonly maxAttempts?: number;
}

/** The defaults of BackoffOptions. */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = Object.freeze({
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
});

/**
 * Delay before retry number `attempt` (0 = the first retry), ms:
 * `d = min(max, initial * factor^attempt)`, then `d * (1 - jitter) + random() * d * jitter`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const o = { ...DEFAULT_BACKOFF, ...options };
  const jitter = Math.min(1, Math.max(0, o.jitter));
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** Math.max(0, attempt));
  return base * (1 - jitter) + random() * base * jitter;
}
