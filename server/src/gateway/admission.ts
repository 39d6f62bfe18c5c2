/**
 * Admission control: whether the gateway takes on new work now. Placements (REST and
 * WebSocket) and new WebSocket connections are refused, explicitly, while the sim's tick
 * runs too far behind its schedule (more placements would only make it busier) or while
 * this gateway's own thread is overloaded (event-loop delay or heap past their limits, the
 * same measurements @fastify/under-pressure sheds HTTP requests by: http/overload.ts).
 *
 * A sim that is gone is not "overloaded": requests then fail with LIFE_ERR_SIM_UNAVAILABLE
 * as before, so a client is told the true reason.
 */
import { LifeError } from '@lifemmo/shared';
import type { Config } from '../config/config.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PlaceTransport, SimLink } from './sim-link.js';

/** Why work was shed (a metrics label). */
export type ShedReason = 'event_loop_delay' | 'heap' | 'tick_lag';

/** What was shed (a metrics label). */
export type ShedSurface = 'http' | 'placement' | 'ws_connect';

/** The gateway thread's load, as sampled (http/overload.ts supplies it from under-pressure). */
export interface ThreadLoad {
  /** Mean event-loop delay over the latest sample, ms. */
  readonly eventLoopDelayMs: number;
  /** V8 heap in use at the latest sample, bytes. */
  readonly heapUsedBytes: number;
}

/** Options of Admission. */
export interface AdmissionOptions {
  readonly sim: Pick<SimLink, 'up' | 'lagMs'>;
  readonly limits: Config['overload'];
  /** V8's heap limit, bytes (the heap limit is a share of it). */
  readonly heapLimitBytes: number;
  readonly metrics: Metrics;
}

/** See the module comment. */
export class Admission {
  readonly #o: AdmissionOptions;
  readonly #maxHeapBytes: number;
  #thread: () => ThreadLoad = () => ({ eventLoopDelayMs: 0, heapUsedBytes: 0 });

  constructor(options: AdmissionOptions) {
    this.#o = options;
    this.#maxHeapBytes = options.limits.maxHeapFraction * options.heapLimitBytes;
  }

  /**
   * Read the thread's load from `sample` from now on. The HTTP app installs
   * under-pressure's sampler here, so HTTP shedding and admission judge by one measurement;
   * until then the thread counts as idle.
   */
  measureThreadWith(sample: () => ThreadLoad): void {
    this.#thread = sample;
  }

  /** Why new work would be refused now, or null when it is welcome. */
  refusal(): ShedReason | null {
    const { limits, sim } = this.#o;
    if (limits.maxTickLagMs > 0 && sim.up && sim.lagMs > limits.maxTickLagMs) return 'tick_lag';
    return this.#threadRefusal(this.#thread());
  }

  /** Why the thread's `load` is too high for new work, or null. */
  #threadRefusal(load: ThreadLoad): ShedReason | null {
    const { limits } = this.#o;
    if (limits.maxEventLoopDelayMs > 0 && load.eventLoopDelayMs > limits.maxEventLoopDelayMs) return 'event_loop_delay';
    if (this.#maxHeapBytes > 0 && load.heapUsedBytes > this.#maxHeapBytes) return 'heap';
    return null;
  }

  /**
   * Refuse a placement when overloaded: throws LIFE_ERR_OVERLOADED (counted as a refused
   * placement and as shed), returns when admitted.
   */
  admitPlacement(transport: PlaceTransport): void {
    const reason = this.refusal();
    if (reason === null) return;
    const error = this.overloaded(reason);
    this.#o.metrics.placements.inc({ transport, result: 'refused', code: error.code });
    this.shed('placement', reason);
    throw error;
  }

  /**
   * The LIFE_ERR_OVERLOADED refusal for `reason`: its message says which limit, its
   * `details.retryAfterS` becomes the reply's Retry-After header (http/error-handler.ts).
   */
  overloaded(reason: ShedReason): LifeError {
    const { retryAfterS } = this.#o.limits;
    const message = `The server is overloaded (${WHY[reason]}): nothing was done. Retry in ${retryAfterS} s`;
    return new LifeError('OVERLOADED', message, { reason, retryAfterS });
  }

  /** Count work shed for `reason`. */
  shed(surface: ShedSurface, reason: ShedReason): void {
    this.#o.metrics.shed.inc({ surface, reason });
  }
}

/** What each reason means, in a refusal's message. */
const WHY: Record<ShedReason, string> = {
  event_loop_delay: "the gateway's event loop is too busy",
  heap: "the gateway's memory is nearly full",
  tick_lag: 'the world runs too far behind its tick rate',
};
