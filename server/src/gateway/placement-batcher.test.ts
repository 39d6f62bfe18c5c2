// Placements made in one turn of the event loop share one trip to the sim; each keeps its
// own outcome, a failed trip fails each of them, and a batch never outgrows MAX_BATCH_BYTES.
import { describe, expect, it } from 'vitest';
import { LifeError, isLifeError } from '@lifemmo/shared';
import { decodePlaceBatch, encodePlaceOutcomes, type PlaceOutcome } from '../wire/index.js';
import { MAX_BATCH_BYTES, PlacementBatcher } from './placement-batcher.js';

/** A sim stand-in: refuses owner 13, accepts everyone else at generation 7; records each batch. */
function fakeSim() {
  const batches: number[][] = [];
  const send = async (payload: Uint8Array) => {
    const batch = decodePlaceBatch(payload);
    batches.push(batch.map((p) => p.owner));
    const outcomes: PlaceOutcome[] = batch.map((p) =>
      p.owner === 13 ? new LifeError('CELL_OCCUPIED') : { accepted: p.cells.length, generation: 7 },
    );
    return encodePlaceOutcomes(outcomes);
  };
  return { batches, send };
}

describe('PlacementBatcher', () => {
  it('sends the placements of one turn as one batch, each with its own outcome', async () => {
    const sim = fakeSim();
    const batcher = new PlacementBatcher(sim.send);
    const results = await Promise.allSettled([1, 13, 2].map((owner) => batcher.place({ owner, tag: 0, cells: [[owner, 0]] })));
    expect(sim.batches).toEqual([[1, 13, 2]]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: { accepted: 1, generation: 7 } });
    expect(results[1]!.status === 'rejected' && isLifeError(results[1].reason, 'CELL_OCCUPIED')).toBe(true);
    expect(results[2]).toEqual({ status: 'fulfilled', value: { accepted: 1, generation: 7 } });
    // A later turn is a batch of its own.
    await batcher.place({ owner: 3, tag: 0, cells: [[0, 0]] });
    expect(sim.batches).toEqual([[1, 13, 2], [3]]);
  });

  it('fails every placement of a batch whose trip failed, with that error', async () => {
    const batcher = new PlacementBatcher(() => Promise.reject(new LifeError('SIM_UNAVAILABLE')));
    const results = await Promise.allSettled([1, 2].map((owner) => batcher.place({ owner, tag: 0, cells: [[0, 0]] })));
    expect(results.map((r) => r.status === 'rejected' && isLifeError(r.reason, 'SIM_UNAVAILABLE'))).toEqual([true, true]);
  });

  it('starts a new batch before one would outgrow MAX_BATCH_BYTES; a larger placement goes alone', async () => {
    const sim = fakeSim();
    const batcher = new PlacementBatcher(sim.send);
    const third = Math.floor(MAX_BATCH_BYTES / 16 / 3);
    const cells = (n: number) => Array.from({ length: n }, (_, i) => [i, 0] as [number, number]);
    await Promise.all([
      batcher.place({ owner: 1, tag: 0, cells: cells(third) }),
      batcher.place({ owner: 2, tag: 0, cells: cells(third) }),
      batcher.place({ owner: 3, tag: 0, cells: cells(third) }),
      batcher.place({ owner: 4, tag: 0, cells: cells(MAX_BATCH_BYTES / 8) }),
      batcher.place({ owner: 5, tag: 0, cells: cells(1) }),
    ]);
    expect(sim.batches).toEqual([[1, 2], [3], [4], [5]]);
  });
});
