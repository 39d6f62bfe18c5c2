/**
 * Gathers the placements a gateway's clients make in one turn of its event loop and sends
 * them to the sim as one batch (wire/place-batch.ts). Under load, dozens of requests
 * arrive in one turn; one bus message each way for all of them instead of one per request
 * is what lets the gateway keep pace with the HTTP server in front of it (benchmarks,
 * "REST"). With one request in a turn, the batch is that request, sent at the end of the
 * turn: no timer, no added wait.
 */
import { LifeError } from '@lifemmo/shared';
import { encodePlaceBatch, decodePlaceOutcomes, placeRequestBytes, type PlaceRequest, type PlacementResult } from '../wire/index.js';

/**
 * At most this many bytes of requests in one batch, so a batch stays well under NATS's
 * default 1 MB message limit; a single larger request goes alone.
 */
export const MAX_BATCH_BYTES = 256 * 1024;

interface Waiting {
  readonly request: PlaceRequest;
  resolve(result: PlacementResult): void;
  reject(err: unknown): void;
}

/** Sends a batch and resolves to the sim's reply body (wire/rpc.ts callRpc). */
export type SendBatch = (payload: Uint8Array) => Promise<Uint8Array>;

/** See the module comment. */
export class PlacementBatcher {
  readonly #send: SendBatch;
  #waiting: Waiting[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(send: SendBatch) {
    this.#send = send;
  }

  /**
   * Place `request` with the next batch.
   * @throws LifeError the sim's refusal of this placement, or the failure of the whole
   *   batch's trip (LIFE_ERR_SIM_UNAVAILABLE).
   */
  place(request: PlaceRequest): Promise<PlacementResult> {
    return new Promise((resolve, reject) => {
      const bytes = placeRequestBytes(request.cells.length);
      if (this.#bytes + bytes > MAX_BATCH_BYTES && this.#waiting.length > 0) this.#flush();
      this.#waiting.push({ request, resolve, reject });
      this.#bytes += bytes;
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the I/O callbacks of this turn, which is where the other requests arrive.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#bytes = 0;
    this.#scheduled = false;
    if (waiting.length === 0) return;
    this.#send(encodePlaceBatch(waiting.map((w) => w.request))).then(
      (reply) => {
        const outcomes = decodePlaceOutcomes(reply);
        if (outcomes.length !== waiting.length) {
          const err = new LifeError('INTERNAL', `The sim answered ${outcomes.length} outcomes for ${waiting.length} placements`);
          for (const w of waiting) w.reject(err);
          return;
        }
        waiting.forEach((w, i) => {
          const outcome = outcomes[i]!;
          if (outcome instanceof LifeError) w.reject(outcome);
          else w.resolve(outcome);
        });
      },
      (err: unknown) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }
}
