/**
 * Reservations on one engine (engine/reservations.ts): the part one region plays in a
 * placement across regions. Cells reserved are spoken for; committed, they land at the
 * generation named, which may be later than the next; the tick to a reservation's
 * generation waits for it; one never committed is let go by its time to live (on fake
 * timers here, so the bound is asserted exactly), by a reset or by a stop.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONWAY, LifeError } from '@lifemmo/shared';
import { Engine, type CellLogicOptions } from '@lifemmo/server/engine';
import { holdsFor } from '../support/wait.js';

const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
const engines: Engine[] = [];

function make(reservationTtlMs = 60_000): Engine {
  const e = new Engine({ width: 128, height: 128, topology: 'torus', rule: CONWAY, seed: 1, tickMs: 20, cellLogic: LOCAL, reservationTtlMs });
  engines.push(e);
  return e;
}

/** The code of what `job` throws or rejects with. */
async function codeOf(job: () => unknown): Promise<string> {
  try {
    await job();
  } catch (err) {
    if (err instanceof LifeError) return err.code;
    throw err;
  }
  return 'none';
}

const BLOCK: Array<[number, number]> = [
  [10, 10],
  [11, 10],
  [10, 11],
  [11, 11],
];
const blockAt = (e: Engine) => BLOCK.map(([x, y]) => e.cellAt(x, y));

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
  vi.useRealTimers();
});

describe('reservations', () => {
  it('speak for their cells; committed for a later generation, they land exactly there', async () => {
    const e = make();
    const r = e.reserve(BLOCK, 3);
    expect(r).toMatchObject({ generation: 1, epoch: 0, ttlMs: 60_000 });
    expect(await codeOf(() => e.place([BLOCK[2]!], 4))).toBe('LIFE_ERR_CELL_OCCUPIED');
    expect(await codeOf(() => e.reserve([BLOCK[0]!], 4))).toBe('LIFE_ERR_CELL_OCCUPIED');
    // Before its own generation: refused, and it stays open.
    expect(await codeOf(() => e.commitReservation(r.id, 0))).toBe('LIFE_ERR_VALIDATION');
    expect(e.commitReservation(r.id, 3)).toEqual({ generation: 3 });
    expect(e.openReservations).toBe(0);
    await e.step(2);
    expect(blockAt(e)).toEqual([-1, -1, -1, -1]);
    // Held for generation 3, still spoken for.
    expect(await codeOf(() => e.place([BLOCK[1]!], 4))).toBe('LIFE_ERR_CELL_OCCUPIED');
    await e.step(1);
    expect(blockAt(e)).toEqual([3, 3, 3, 3]);
    expect(e.lastStats!.placementsApplied).toBe(4);
    // Committed again or released: it is no longer open.
    expect(await codeOf(() => e.commitReservation(r.id, 5))).toBe('LIFE_ERR_PLACEMENT_EXPIRED');
    expect(() => e.releaseReservation(r.id)).not.toThrow();
  });

  it('a refused reservation reserves nothing; a released one frees its cells', async () => {
    const e = make();
    e.place([[11, 11]], 1);
    expect(await codeOf(() => e.reserve(BLOCK, 2))).toBe('LIFE_ERR_CELL_OCCUPIED');
    expect(e.openReservations).toBe(0);
    const r = e.reserve(BLOCK.slice(0, 3), 2);
    e.releaseReservation(r.id);
    expect(e.openReservations).toBe(0);
    e.place(BLOCK.slice(0, 3), 2);
    await e.step(1);
    expect(blockAt(e)).toEqual([2, 2, 2, 1]);
  });

  it('the tick to its generation waits for it; one made meanwhile is for the generation after and does not hold that tick', async () => {
    const e = make();
    const first = e.reserve([BLOCK[0]!], 1);
    let stepped = false;
    const step = e.step(1).then(() => (stepped = true));
    await holdsFor(() => !stepped && e.generation === 0, 'the tick waiting for the reservation', 100);
    // Made while the tick waits: for generation 2.
    const second = e.reserve([BLOCK[1]!], 2);
    expect(second.generation).toBe(2);
    e.commitReservation(first.id, 1);
    await step;
    expect(e.generation).toBe(1);
    expect(blockAt(e)).toEqual([1, -1, -1, -1]);
    expect(e.openReservations).toBe(1);
    e.commitReservation(second.id, 2);
    await e.step(1);
    expect(blockAt(e).slice(0, 2)).toEqual([-1, 2]); // the lone cell died as the second landed
    expect(e.lastStats!.placementsApplied).toBe(1);
  });

  it('one never committed is let go after its time to live, and the tick it held goes on', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const e = make(100);
    const r = e.reserve(BLOCK, 1);
    const seenOpen: number[] = [];
    e.onTick(() => seenOpen.push(e.openReservations));
    const step = e.step(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(e.generation).toBe(0);
    expect(e.openReservations).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await step;
    expect(e.generation).toBe(1);
    expect(seenOpen).toEqual([0]);
    expect(blockAt(e)).toEqual([-1, -1, -1, -1]);
    expect(await codeOf(() => e.commitReservation(r.id, 2))).toBe('LIFE_ERR_PLACEMENT_EXPIRED');
    e.place(BLOCK, 2); // free again
  });

  it('a reset lets every reservation go; a stop too, and abandons the tick waiting for one', async () => {
    const e = make();
    const before = e.reserve(BLOCK, 1);
    await e.reset();
    expect(e.openReservations).toBe(0);
    expect(await codeOf(() => e.commitReservation(before.id, 1))).toBe('LIFE_ERR_PLACEMENT_EXPIRED');
    const r = e.reserve(BLOCK, 1);
    expect(r.epoch).toBe(1);
    const step = codeOf(() => e.step(1));
    await holdsFor(() => e.generation === 0 && e.openReservations === 1, 'the tick waiting for the reservation', 50);
    await e.stop();
    expect(await step).toBe('LIFE_ERR_SHUTTING_DOWN');
    expect(e.generation).toBe(0);
    expect(e.openReservations).toBe(0);
    expect(await codeOf(() => e.commitReservation(r.id, 1))).toBe('LIFE_ERR_PLACEMENT_EXPIRED');
  });

  it('owners of reservations and of cells held for later count as in use', () => {
    const e = make();
    e.reserve([BLOCK[0]!], 7);
    const held = e.reserve([BLOCK[1]!], 8);
    e.commitReservation(held.id, 5);
    const used = e.ownersInUse();
    expect([used[7], used[8], used[9]]).toEqual([1, 1, 0]);
  });
});
