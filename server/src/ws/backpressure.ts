/**
 * Backpressure by `bufferedAmount`: what to do with a frame for a client, given how many
 * bytes it has not yet taken from us.
 *
 * Why a watermark and a hard limit: below the watermark a client is keeping up and gets
 * every frame. Above it, sending more diffs would only grow our memory for a client that
 * will need a fresh snapshot anyway, so it is skipped ("behind") and gets one snapshot
 * once it drains. Skipping diffs caps the buffer near watermark + one frame, so the hard
 * limit is reached only by clients that keep asking for replies (pings, resyncs) without
 * reading them: those are disconnected.
 */

/** Limits in bytes. */
export interface BackpressureLimits {
  readonly watermarkBytes: number;
  readonly hardLimitBytes: number;
}

/** `send` the frame, `skip` it (the client is behind), or `drop` the client. */
export type SendVerdict = 'send' | 'skip' | 'drop';

/** The verdict for a client with `bufferedAmount` bytes still queued. */
export function sendVerdict(bufferedAmount: number, limits: BackpressureLimits): SendVerdict {
  if (bufferedAmount > limits.hardLimitBytes) return 'drop';
  if (bufferedAmount > limits.watermarkBytes) return 'skip';
  return 'send';
}
