/**
 * Placements forwarded by a gateway to the sim that owns the cells (`place.<region>`), in
 * batches: what a gateway's clients asked for in one turn of its event loop crosses the
 * bus as one message and comes back as one reply. Each placement in a batch stays its own
 * all-or-nothing request with its own outcome; the batch only shares the trip (a message
 * each way costs more than the placement itself: benchmarks, "REST").
 *
 * Request: count, then per placement the owner, its tag (playerTag of the token hash: the
 * sim refuses a placement whose owner is no longer the player it was authenticated as)
 * and its cells as f64 pairs (any integer a client may send, wrapped or refused by the
 * engine). Reply, sent once every accepted
 * placement of the batch is durable in the sim's log: per placement, 0 with the accepted
 * count and generation, or 1 with the refusal as rpc.ts encodes errors.
 */
import { LifeError } from '@lifemmo/shared';
import type { PlacementResult } from '../placement/placement-service.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { decodeError, encodeError } from './rpc.js';

export type { PlacementResult };

/** One player's placement. */
export interface PlaceRequest {
  readonly owner: number;
  /** playerTag of the owner's token hash. */
  readonly tag: number;
  readonly cells: ReadonlyArray<readonly [number, number]>;
}

/** What became of one placement: its result, or the LifeError it was refused with. */
export type PlaceOutcome = PlacementResult | LifeError;

const ACCEPTED = 0;
const REFUSED = 1;

/** Bytes one placement of `cells` cells adds to a batch. */
export function placeRequestBytes(cells: number): number {
  return 12 + 16 * cells;
}

export function encodePlaceBatch(batch: readonly PlaceRequest[]): Uint8Array {
  const w = new ByteWriter(5 + batch.reduce((n, p) => n + placeRequestBytes(p.cells.length), 0)).u32(batch.length);
  for (const { owner, tag, cells } of batch) {
    w.u32(owner).u32(tag).u32(cells.length);
    for (const [x, y] of cells) w.f64(x).f64(y);
  }
  return w.finish();
}

/** @throws LifeError LIFE_ERR_VALIDATION for another wire version or a payload cut short. */
export function decodePlaceBatch(payload: Uint8Array): PlaceRequest[] {
  const r = new ByteReader(payload);
  const batch: PlaceRequest[] = new Array(r.u32());
  for (let i = 0; i < batch.length; i++) {
    const owner = r.u32();
    const tag = r.u32();
    const cells: Array<[number, number]> = new Array(r.u32());
    for (let j = 0; j < cells.length; j++) cells[j] = [r.f64(), r.f64()];
    batch[i] = { owner, tag, cells };
  }
  return batch;
}

export function encodePlaceOutcomes(outcomes: readonly PlaceOutcome[]): Uint8Array {
  const w = new ByteWriter(5 + 13 * outcomes.length).u32(outcomes.length);
  for (const outcome of outcomes) {
    if (outcome instanceof LifeError) {
      const error = encodeError(outcome);
      w.u8(REFUSED).u32(error.length).bytes(error);
    } else {
      w.u8(ACCEPTED).u32(outcome.accepted).f64(outcome.generation);
    }
  }
  return w.finish();
}

export function decodePlaceOutcomes(payload: Uint8Array): PlaceOutcome[] {
  const r = new ByteReader(payload);
  const outcomes: PlaceOutcome[] = new Array(r.u32());
  for (let i = 0; i < outcomes.length; i++) {
    if (r.u8() === ACCEPTED) {
      outcomes[i] = { accepted: r.u32(), generation: r.f64() };
    } else {
      outcomes[i] = decodeError(r.bytes(r.u32()));
    }
  }
  return outcomes;
}
