/**
 * The regions' main test (issue 15): one world stepped whole and stepped as 2, 3 (uneven),
 * 4 and 1x3 (uneven, full-width) regions, with faults on, gives the same history: the same
 * cells and owners at every 50th generation, the same births credited, the same fault
 * counts. The regions run concurrently in one thread and exchange halos through
 * `linkInProcess`; nothing but the halos keeps them in step. The world is
 * scripted-history.ts's: soups and patterns across borders and seams.
 *
 * And the converse, so the test is known to be able to fail: halos that lose their owners,
 * or their corners on the way to a diagonal neighbour, give another history.
 */
import { describe, expect, it } from 'vitest';
import { decodeHalo, encodeHalo, linkInProcess, ringCellAt } from '@lifemmo/server/region';
import { regionWorld, wholeWorld, type WorldOptions } from './region-world.js';
import { FAULTY, OPTIONS, run, type History } from './scripted-history.js';

describe('one world as several regions', () => {
  let reference: History;

  it('the reference: one engine, faults that matter', async () => {
    reference = await run((setup) => wholeWorld(OPTIONS, setup));
    expect(reference.refused).toBe(0);
    expect(reference.totals.failures).toBeGreaterThan(1000);
    expect(reference.totals.timeouts).toBeGreaterThan(1000);
    expect(reference.births.slice(1).every((n) => n > 0)).toBe(true); // every player's cells gave births
    expect(reference.hashes).toHaveLength(6);
    expect(new Set(reference.hashes).size).toBe(6); // the world keeps changing
    // Without faults the history is another one: the draws matter.
    const faultless = await run((setup) => wholeWorld({ ...OPTIONS, cellLogic: { ...FAULTY, loss: 0, timeoutMs: 50 } }, setup), 50);
    expect(faultless.hashes[0]).not.toBe(reference.hashes[0]);
  });

  it.each(['1', '2', '4', '3', '1x3'])('REGIONS=%s gives the reference history at every 50th generation', async (regions) => {
    const history = await run((setup) => regionWorld(OPTIONS, regions, { setup }));
    expect(history.hashes).toEqual(reference.hashes);
    expect(history.births).toEqual(reference.births);
    expect(history.totals).toEqual(reference.totals);
    expect(history.refused).toBe(reference.refused);
  });

  it('a bounded world too (2x2 regions, no neighbour past the edge)', async () => {
    const bounded: WorldOptions = { ...OPTIONS, topology: 'bounded' };
    const whole = await run((setup) => wholeWorld(bounded, setup), 150);
    const split = await run((setup) => regionWorld(bounded, '2x2', { setup }), 150);
    expect(split).toEqual(whole);
  });

  describe('breaking the halo breaks the history (the test can fail)', () => {
    it('halos without owners (every border cell neutral)', async () => {
      const neutral = (bytes: Uint8Array) => {
        const halo = decodeHalo(bytes);
        return encodeHalo({ ...halo, owners: new Uint16Array(halo.owners.length) });
      };
      const broken = await run((setup) => regionWorld(OPTIONS, '4', { setup, links: (layout) => linkInProcess(layout, neutral) }), 100);
      expect(broken.hashes[0]).not.toBe(reference.hashes[0]);
      expect(broken.births).not.toEqual(reference.births);
    });

    it('halos without their corners, on the way to the diagonal neighbour', async () => {
      let dropped = 0;
      const cornerless = (bytes: Uint8Array, to: number) => {
        const halo = decodeHalo(bytes);
        // In a 2x2 torus, region id ^ 3 touches region id only at the corners.
        if (to !== (halo.region ^ 3)) return bytes;
        const { x, y, w, h } = halo.shape.rect;
        const corners = new Set([`${x},${y}`, `${x + w - 1},${y}`, `${x},${y + h - 1}`, `${x + w - 1},${y + h - 1}`]);
        const keep: number[] = [];
        halo.positions.forEach((p, i) => {
          const [cx, cy] = ringCellAt(halo.shape, p, [0, 0]);
          if (corners.has(`${cx},${cy}`)) dropped++;
          else keep.push(i);
        });
        return encodeHalo({ ...halo, positions: Uint32Array.from(keep, (i) => halo.positions[i]!), owners: Uint16Array.from(keep, (i) => halo.owners[i]!) });
      };
      const broken = await run((setup) => regionWorld(OPTIONS, '2x2', { setup, links: (layout) => linkInProcess(layout, cornerless) }));
      expect(dropped).toBeGreaterThan(0);
      expect(broken.hashes).not.toEqual(reference.hashes);
    });
  });
});
