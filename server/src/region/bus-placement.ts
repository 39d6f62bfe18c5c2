/**
 * Placements across regions with sims a bus apart (docs/regions.md, "Placements across
 * regions"): the two-phase commit of placement-coordinator.ts (the home) and
 * prepared-parts.ts (every region) carried on `part.<region>` (wire/control.ts,
 * PartRequest): `prepare`, `commit` and `abort` to a region's parts, `outcome` to the home.
 */
import type { Bus, BusSubscription } from '../bus/index.js';
import type { Reservation } from '../engine/index.js';
import { LifeError } from '@lifemmo/shared';
import { PartOutcome, PartRequest, PartReservation, callJson, decodeJson, encodeJson, serveRpc } from '../wire/index.js';
import type { PlacementParticipant } from './placement-across.js';
import type { PlacementCoordinator } from './placement-coordinator.js';
import type { Outcome, PreparedParts } from './prepared-parts.js';

/**
 * Answer `part.<region>` requests for this region's `parts`; the home passes its
 * `coordinator` too, which answers `outcome`.
 */
export function servePlacementParts(bus: Bus, subject: string, parts: PreparedParts, coordinator: PlacementCoordinator | null, onError: (err: unknown) => void): BusSubscription {
  return serveRpc(
    bus,
    subject,
    async (request) => {
      const ask = PartRequest.parse(decodeJson(request));
      switch (ask.op) {
        case 'prepare':
          return { json: await parts.prepare(ask.tx, ask.cells, ask.owner) };
        case 'commit':
          await parts.commit(ask.tx, ask.generation);
          return { json: {} };
        case 'abort':
          parts.abort(ask.tx);
          return { json: {} };
        case 'outcome':
          if (coordinator === null) throw new LifeError('VALIDATION', `Only the home (region 0) knows what became of a placement, not ${subject}`);
          return { json: await coordinator.outcome(ask.tx) };
      }
    },
    onError,
  );
}

/** Region's part of transaction `tx`, reached over the bus on `subject` (`part.<region>`). */
export class BusParticipant implements PlacementParticipant {
  readonly #bus: Bus;
  readonly #subject: string;
  readonly #timeoutMs: number;
  readonly #tx: string;

  constructor(bus: Bus, subject: string, timeoutMs: number, tx: string) {
    this.#bus = bus;
    this.#subject = subject;
    this.#timeoutMs = timeoutMs;
    this.#tx = tx;
  }

  /** @throws LifeError the region's refusal, or SIM_UNAVAILABLE (a part prepared meanwhile asks the home, and is aborted) */
  async reserve(cells: ReadonlyArray<readonly [number, number]>, owner: number): Promise<Reservation> {
    return PartReservation.parse(await this.#ask({ op: 'prepare', tx: this.#tx, owner, cells: cells.map(([x, y]) => [x, y]) }));
  }

  async commit(_id: number, generation: number): Promise<void> {
    await this.#ask({ op: 'commit', tx: this.#tx, generation });
  }

  async release(): Promise<void> {
    await this.#ask({ op: 'abort', tx: this.#tx });
  }

  #ask(request: PartRequest): Promise<unknown> {
    return callJson(this.#bus, this.#subject, encodeJson(request), this.#timeoutMs);
  }
}

/** Ask the home, on `subject` (`part.0`), what became of transaction `tx`. */
export async function askOutcome(bus: Bus, subject: string, timeoutMs: number, tx: string): Promise<Outcome> {
  return PartOutcome.parse(await callJson(bus, subject, encodeJson({ op: 'outcome', tx } satisfies PartRequest), timeoutMs));
}
