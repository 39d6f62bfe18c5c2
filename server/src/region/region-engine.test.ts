import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONWAY, Geometry, LifeError } from '@lifemmo/shared';
import { Engine, type EngineOptions } from '../engine/index.js';
import { decodeHalo, encodeHalo } from '../wire/halo-message.js';
import { linkInProcess, type HaloLink } from './halo-inbox.js';
import { ringShapeOf } from './halo-ring.js';
import { layoutRegions } from './layout.js';
import { RegionEngine } from './region-engine.js';

const OPTIONS: Omit<EngineOptions, 'area'> = {
  width: 256,
  height: 128,
  topology: 'torus',
  shardChunks: 1,
  rule: CONWAY,
  seed: 1,
  cellLogic: { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 },
};

/** The left and right halves (128x128 each, full height) of a 256x128 torus, linked in memory. */
function twoRegions(options: { resendMs?: number; tickMs?: number; links?: (links: HaloLink[]) => HaloLink[] } = {}): RegionEngine[] {
  const layout = layoutRegions({ kind: 'grid', columns: 2, rows: 1 }, new Geometry({ ...OPTIONS, shardChunks: 1 }));
  const links = (options.links ?? ((l) => l))(linkInProcess(layout));
  return layout.regions.map((r) => new RegionEngine({ ...OPTIONS, tickMs: options.tickMs }, layout, r.id, links[r.id]!, { resendMs: options.resendMs }));
}

/** Let pending promise callbacks and timers run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('RegionEngine', () => {
  it('refuses cells another region owns, with VALIDATION, and places nothing', () => {
    const [left] = twoRegions();
    let caught: unknown;
    try {
      left!.engine.place([[10, 10], [200, 10]], 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LifeError);
    expect((caught as LifeError).code).toBe('LIFE_ERR_VALIDATION');
    expect(() => left!.engine.place([[127, 5]], 1)).not.toThrow();
  });

  it('holds only its own chunks between ticks: the ghosts of its border last one tick', async () => {
    const [left, right] = twoRegions();
    // A blinker on the border: its middle cell at x = 128 is the right region's.
    left!.engine.place([[127, 10]], 1);
    right!.engine.place([[128, 10], [129, 10]], 1);
    for (let i = 0; i < 3; i++) {
      await Promise.all([left!.engine.step(1), right!.engine.step(1)]);
      for (const r of [left!, right!]) {
        const { x, w } = r.cells;
        for (const chunk of r.engine.world.chunks) expect(chunk.cx * 64 >= x && chunk.cx * 64 < x + w).toBe(true);
      }
    }
    // A blinker laid at generation 1 is horizontal again at generation 3: across the border.
    expect(left!.liveCells()).toEqual([[127, 10, 1]]);
    expect(right!.liveCells()).toEqual([
      [128, 10, 1],
      [129, 10, 1],
    ]);
    await Promise.all([left!.engine.step(1), right!.engine.step(1)]);
    expect(left!.liveCells()).toEqual([]);
    expect(right!.liveCells()).toEqual([
      [128, 9, 1],
      [128, 10, 1],
      [128, 11, 1],
    ]);
  });

  it('waits for its neighbours: no region runs ahead of one that does not step', async () => {
    const [left, right] = twoRegions();
    left!.engine.place([[10, 10], [11, 10], [12, 10]], 1);
    const leftDone = left!.engine.step(5);
    await settle();
    expect(left!.engine.generation).toBe(0); // the right region has sent no halo of generation 0
    const rightStep = right!.engine.step(2);
    await rightStep;
    await settle();
    expect(right!.engine.generation).toBe(2);
    expect(left!.engine.generation).toBe(3); // one past its neighbour, waiting for its halo of 3
    await Promise.all([leftDone, right!.engine.step(3)]);
    expect([left!.engine.generation, right!.engine.generation]).toEqual([5, 5]);
  });

  it('stops while waiting for a neighbour that never steps: the tick is abandoned, the world unchanged', async () => {
    const [left] = twoRegions();
    left!.engine.place([[127, 10], [127, 11], [127, 12]], 1);
    const step = left!.engine.step(1);
    const outcome = step.then(
      () => 'stepped',
      (err: unknown) => (err instanceof LifeError ? err.code : String(err)),
    );
    await settle();
    await left!.engine.stop();
    expect(await outcome).toBe('LIFE_ERR_SHUTTING_DOWN');
    expect(left!.engine.generation).toBe(0);
    // No ghost left behind, and the queued cells still wait for the next tick.
    expect([...left!.engine.world.chunks].every((c) => c.cx < 2)).toBe(true);
    expect(left!.liveCells()).toEqual([]);
    expect(left!.engine.save().pending).toHaveLength(3);
  });

  it("refuses to restore another region's save (its chunks or its queued cells), with VALIDATION, and keeps its world", async () => {
    const [left, right] = twoRegions();
    right!.engine.place([[200, 10], [201, 10], [202, 10]], 1);
    left!.engine.place([[10, 10], [11, 10], [12, 10]], 1);
    const queued = right!.engine.save(); // the cells still queued for generation 1
    await Promise.all([left!.engine.step(1), right!.engine.step(1)]);
    const codeOf = (err: unknown) => (err instanceof LifeError ? err.code : String(err));
    for (const saved of [right!.engine.save(), queued]) {
      expect(await left!.engine.restore(saved).then(() => 'restored', codeOf)).toBe('LIFE_ERR_VALIDATION');
      expect(left!.liveCells()).toEqual([[10, 10, 1], [11, 10, 1], [12, 10, 1]]); // placed cells are live at generation 1
      expect(left!.engine.generation).toBe(1);
    }
    // Its own save is fine.
    await left!.engine.restore(left!.engine.save());
    expect(left!.liveCells()).toHaveLength(3);
  });

  it('with a journal: sends a halo only once the journal is synced, logs every border, and replays from the log alone', async () => {
    const layout = layoutRegions({ kind: 'grid', columns: 2, rows: 1 }, new Geometry({ ...OPTIONS, shardChunks: 1 }));
    const links = linkInProcess(layout);
    const borders: Array<[number, Uint8Array[]]> = [];
    let durable: () => void = () => undefined;
    const synced = new Promise<void>((resolve) => (durable = resolve));
    const journal = { border: (g: number, halos: readonly Uint8Array[]) => void borders.push([g, [...halos]]), sync: () => synced };
    const left = new RegionEngine(OPTIONS, layout, 0, links[0]!, { journal });
    const right = new RegionEngine(OPTIONS, layout, 1, links[1]!);
    // A blinker on the left region's east column: its neighbours at x = 128 are the right region's.
    const blinker: Array<[number, number]> = [[127, 10], [127, 11], [127, 12]];
    left.engine.place(blinker, 1);
    const steps = Promise.all([left.engine.step(3), right.engine.step(3)]);
    await settle();
    // The left region's halo of generation 0 waits for its journal: its neighbour cannot step.
    expect([left.engine.generation, right.engine.generation]).toEqual([0, 0]);
    durable();
    await steps;
    expect(borders.map(([g, halos]) => [g, halos.length])).toEqual([[0, 1], [1, 1], [2, 1]]);

    // A new life of the left region, given the logged borders, steps without its neighbour.
    const again = new RegionEngine(OPTIONS, layout, 0, linkInProcess(layout)[0]!, { journal: { border: () => undefined, sync: () => Promise.resolve() } });
    again.engine.place(blinker, 1);
    for (const [g, halos] of borders) again.replayBorder(g, halos);
    await again.engine.step(3);
    expect(again.liveCells()).toEqual(left.liveCells());
    // Vertical again at generation 3: it needed the right region's (128, 11) of generation 2, from the log.
    expect(left.liveCells()).toEqual([[127, 10, 1], [127, 11, 1], [127, 12, 1]]);
    // Borders of another region's neighbours are refused.
    const right2 = new RegionEngine(OPTIONS, layout, 1, linkInProcess(layout)[1]!);
    expect(() => right2.replayBorder(0, borders[0]![1])).toThrow(/another region's log/);
  });

  it('answers a neighbour with its own halo read back from the log (replayHalo); refuses another region\'s', async () => {
    const layout = layoutRegions({ kind: 'grid', columns: 2, rows: 1 }, new Geometry({ ...OPTIONS, shardChunks: 1 }));
    const [left, right] = twoRegions();
    left!.engine.place([[127, 10], [127, 11], [127, 12]], 1);
    await Promise.all([left!.engine.step(2), right!.engine.step(2)]);
    const own = left!.haloOf(1)!;
    expect(own).not.toBeNull();
    // A new life of the left region that has only the logged halo of generation 1.
    const links = linkInProcess(layout);
    const again = new RegionEngine(OPTIONS, layout, 0, links[0]!);
    again.replayHalo(own);
    expect(again.haloOf(1)).toEqual(own);
    // Its neighbour, stuck at generation 1, asks: the answer is that halo.
    links[1]!.send(encodeHalo({ ...decodeHalo(right!.haloOf(1)!) }, true));
    expect(await links[1]!.receive(0, 0, 1)).toEqual(own);
    expect(() => again.replayHalo(right!.haloOf(1)!)).toThrow(/another region's log/);
  });

  describe('on fake timers', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('reports in borderWaitMs how long its tick waited for a slow neighbour; a whole world reports 0', async () => {
      // Fake clocks: the neighbour is slow by exactly 50 ms of the clock the tick loop reads.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
      let asked: () => void = () => undefined;
      const leftWaits = new Promise<void>((resolve) => (asked = resolve));
      const [left, right] = twoRegions({
        resendMs: 60_000,
        // The left region's tick asks its link for the right one's halo: it is waiting.
        links: ([l, r]) => [{ ...l!, receive: (from, epoch, g) => (asked(), l!.receive(from, epoch, g)) }, r!],
      });
      left!.engine.place([[127, 10], [127, 11], [127, 12]], 1);
      const leftStep = left!.engine.step(1);
      await leftWaits;
      await vi.advanceTimersByTimeAsync(50);
      expect(left!.engine.generation).toBe(0);
      await Promise.all([right!.engine.step(1), leftStep]);
      expect(left!.engine.lastStats!.borderWaitMs).toBeGreaterThanOrEqual(50);
      expect(left!.engine.lastStats!.durationMs).toBeGreaterThanOrEqual(left!.engine.lastStats!.borderWaitMs);
      // The right region found the left one's halo already there.
      expect(right!.engine.lastStats!.borderWaitMs).toBeLessThan(50);

      const whole = new Engine(OPTIONS);
      whole.place([[127, 10], [127, 11], [127, 12]], 1);
      await whole.step(2);
      expect(whole.lastStats!.borderWaitMs).toBe(0);
      await Promise.all([left!.engine.stop(), right!.engine.stop(), whole.stop()]);
    });

    it('counts the halos it sends and takes, messages and bytes, exactly', async () => {
      // Each region spans the torus's full height, so its ring is its two columns (2 x 128
      // positions). The sizes of its halos with no live cell on the ring and with live
      // cells of one owner (one owner run), from the encoder: 73 and 79 bytes today.
      const geometry = new Geometry({ ...OPTIONS, shardChunks: 1 });
      const shape = ringShapeOf(layoutRegions({ kind: 'grid', columns: 2, rows: 1 }, geometry).regions[0]!, geometry);
      const EMPTY = encodeHalo({ region: 0, epoch: 0, generation: 1, shape, positions: new Uint32Array(0), owners: new Uint16Array(0) }).byteLength;
      const ONE_OWNER = encodeHalo({ region: 0, epoch: 0, generation: 1, shape, positions: Uint32Array.of(0, 1), owners: Uint16Array.of(1, 1) }).byteLength;
      expect(ONE_OWNER).toBe(EMPTY + 6);
      const [left, right] = twoRegions({ resendMs: 60_000 });
      // A block on the left region's east column, live from generation 1 on.
      left!.engine.place([[126, 10], [127, 10], [126, 11], [127, 11]], 1);
      await Promise.all([left!.engine.step(3), right!.engine.step(3)]);
      // Sent: the halos of generations 0 (before the block), 1, 2 and 3. Taken: the neighbour's of 0, 1 and 2.
      expect(left!.haloCounts).toEqual({ sentMessages: 4, sentBytes: EMPTY + 3 * ONE_OWNER, receivedMessages: 3, receivedBytes: 3 * EMPTY });
      expect(right!.haloCounts).toEqual({ sentMessages: 4, sentBytes: 4 * EMPTY, receivedMessages: 3, receivedBytes: EMPTY + 2 * ONE_OWNER });
    });

    it('ticks at once when a neighbour whose timer runs ahead is a generation ahead: the world keeps the earliest pace', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
      const [left, right] = twoRegions({ tickMs: 1_000, resendMs: 60_000 });
      const committed: Array<Map<number, number>> = [new Map(), new Map()];
      [left!, right!].forEach((r, i) => r.engine.onTick(() => void committed[i]!.set(r.engine.generation, performance.now())));
      const t0 = performance.now();
      // Sims started 400 ms apart: the left timer fires at 1000, 2000, ...; the right one at 1400, 2400, ...
      left!.engine.start();
      await vi.advanceTimersByTimeAsync(400);
      right!.engine.start();
      await vi.advanceTimersByTimeAsync(3_100);
      const at = (i: number, g: number) => committed[i]!.get(g)! - t0;
      // Generation 1 waits for the right region's first tick (its halo of 0 leaves then).
      expect([at(0, 1), at(1, 1)]).toEqual([1_400, 1_400]);
      // Then the left timer leads and the right region follows its halos at once (a timer
      // of 0 ms on the fake clock: 1 ms), not 400 ms later.
      for (const g of [2, 3]) {
        expect(at(0, g)).toBe(g * 1_000);
        expect(at(1, g) - at(0, g)).toBeLessThanOrEqual(2);
      }
      // The pace is the timer's: no generation came early.
      expect(left!.engine.generation).toBe(3);
      expect(right!.engine.generation).toBe(3);
      await Promise.all([left!.engine.stop(), right!.engine.stop()]);
    });

    it('stops while a step and a timer tick queued behind it both wait for a neighbour that never steps', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
      const [left] = twoRegions();
      left!.engine.start();
      const step = left!.engine.step(1).then(
        () => 'stepped',
        (err: unknown) => (err instanceof LifeError ? err.code : String(err)),
      );
      // The timer (100 ms) fires while the step's tick waits for its border: its tick queues behind.
      await vi.advanceTimersByTimeAsync(250);
      await left!.engine.stop();
      expect(await step).toBe('LIFE_ERR_SHUTTING_DOWN');
      expect(left!.engine.generation).toBe(0);
    });
  });
});
