/**
 * A seeded world is durable history: the real server on a DATA_DIR starts a fresh world
 * with neutral life, logs it as a seeded reset (its recipe and seed, durable before the
 * server serves), and after SIGKILL a restart replays it to the same cells, at generation
 * 0 and past it, without seeding a second time.
 */
import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanFrames } from '../../server/src/store/frames.js';
import * as inProcess from '../rest/helpers.js';
import { allCells, block, call, dataDir, env, kill9, start } from './helpers.js';

const SEEDING = {
  SEEDING: 'on',
  SEEDING_SOUP_DENSITY: '0.4',
  SEEDING_SOUP_PATCH: '40',
  SEEDING_SOUP_SPACING: '128',
  SEEDING_PATTERNS: '3,3:2o$2o!',
  SEED: '99',
  // Only admin steps move the world, so each run is at a known generation.
  TICK_MS: '60000',
  SNAPSHOT_EVERY: '1000000',
};

/** Every record of every log segment in `dir`, in order. */
async function logRecords(dir: string): Promise<Array<Record<string, unknown>>> {
  const segments = (await readdir(dir)).filter((n) => /^wal-\d+\.log$/.test(n)).sort();
  const records: Array<Record<string, unknown>> = [];
  for (const name of segments) {
    for (const payload of scanFrames(await readFile(join(dir, name))).payloads) records.push(JSON.parse(payload.toString('utf8')));
  }
  return records;
}

describe('a seeded world on disk', { timeout: 120_000 }, () => {
  it('is logged as a seeded reset and comes back the same after SIGKILL, at generation 0 and after a placement', async () => {
    const dir = await dataDir();
    const first = await start(env(dir, SEEDING));
    const seeded = await allCells(first);
    expect((await call(first, 'GET', '/world')).body.generation).toBe(0);
    expect(seeded.length).toBeGreaterThan(1000);
    expect(seeded.every(([, , owner]) => owner === 0)).toBe(true);
    expect(seeded).toEqual(expect.arrayContaining([[3, 3, 0], [4, 3, 0], [3, 4, 0], [4, 4, 0]]));

    // Durable before the server served: in the log now, before any other record.
    const resets = (await logRecords(dir)).filter((r) => r.t === 'reset');
    expect(resets).toEqual([
      {
        t: 'reset',
        lsn: 1,
        rule: 'B3/S23',
        seed: 99,
        seeding: { soup: { density: 0.4, patch: 40, spacing: 128 }, patterns: [{ x: 3, y: 3, rle: '2o$2o!' }] },
      },
    ]);

    await kill9(first);
    const second = await start(env(dir, SEEDING));
    expect((await call(second, 'GET', '/world')).body.generation).toBe(0);
    expect(await allCells(second)).toEqual(seeded);

    // A placement acknowledged for generation 1, then SIGKILL: the replay steps the seeded
    // world to generation 1 and lands the placement, as a server that never crashed does.
    const player = (await call(second, 'POST', '/players', { name: 'ivy' })).body;
    const placed = await call(second, 'POST', '/cells', { cells: block(100, 100) }, player.token);
    expect(placed.status).toBe(202);
    expect(placed.body.generation).toBe(1);
    await kill9(second);

    const third = await start(env(dir, SEEDING));
    expect((await call(third, 'GET', '/world')).body.generation).toBe(1);
    const replayed = await allCells(third);
    // The same world in memory, in this process, never crashed.
    const reference = await inProcess.startServer({ ...SEEDING, BUDGET_CELLS: '100000', RATE_LIMIT_PER_MINUTE: '0' });
    try {
      const twin = await inProcess.newPlayer(reference, 'ivy');
      expect((await inProcess.call(reference, 'POST', '/cells', { body: { cells: block(100, 100) }, token: twin.token })).status).toBe(202);
      expect((await inProcess.admin(reference, 'step', { generations: 1 })).status).toBe(200);
      const expected = await inProcess.allCells(reference);
      expect(expected.generation).toBe(1);
      expect([...replayed].sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!)).toEqual(expected.cells);
    } finally {
      await reference.close();
    }
    expect(replayed.filter(([, , owner]) => owner === player.id)).toHaveLength(4);

    // Restarts replay the seeding; they never seed a second time.
    expect((await logRecords(dir)).filter((r) => r.t === 'reset')).toHaveLength(1);
  });
});
