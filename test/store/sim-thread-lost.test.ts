/**
 * Standalone, when its sim thread dies while serving: the process closes and exits 1 with a
 * fatal record, so that a supervisor starts it again, and the restarted server has every
 * acknowledged placement (its new sim thread recovers DATA_DIR, whose lock went with the
 * dead process). Before, the gateway stayed up serving a world that no longer moved.
 */
import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCells, block, call, dataDir, env, start } from './helpers.js';

const KILLER = fileURLToPath(new URL('../support/sim-thread-killer.mjs', import.meta.url));

describe('the sim thread dies', { timeout: 120_000 }, () => {
  it('the server exits 1 with a fatal record; restarted on its DATA_DIR it has everything acknowledged', async () => {
    const dir = await dataDir();
    const trigger = join(await dataDir(), 'kill-the-sim');
    const first = await start(env(dir, { LIFEMMO_TEST_KILL_SIM_FILE: trigger }), ['--import', KILLER]);
    const player = (await call(first, 'POST', '/players', { name: 'ann' })).body as { id: number; token: string };
    const acked: Array<Array<[number, number]>> = [];
    for (let k = 0; k < 20; k++) {
      const cells = block((k % 10) * 20 + 4, Math.floor(k / 10) * 20 + 4);
      const reply = await call(first, 'POST', '/cells', { cells }, player.token);
      expect(reply.status).toBe(202);
      acked.push(cells);
    }

    await writeFile(trigger, '');
    expect(await first.run.exit).toBe(1);
    const records = first.run
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(records.some((r) => r.level === 60 && /the sim thread died/.test(r.msg))).toBe(true);

    const second = await start(env(dir));
    const live = new Map((await allCells(second)).map(([x, y, owner]) => [`${x},${y}`, owner]));
    for (const cells of acked) for (const [x, y] of cells) expect(live.get(`${x},${y}`)).toBe(player.id);
    expect(live.size).toBe(acked.length * 4);
    expect((await call(second, 'POST', '/cells', { cells: block(220, 220) }, player.token)).status).toBe(202);
  });
});
