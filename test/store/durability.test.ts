/**
 * Durability end to end: the real server in a child process with a DATA_DIR, killed with
 * SIGKILL right after acknowledging placements, stopped gracefully, and restarted on
 * damaged files.
 */
import { describe, expect, it } from 'vitest';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../support/wait.js';
import { ADMIN, allCells, block, call, dataDir, env, kill9, printed, start, type Server } from './helpers.js';

// Each test starts the server two to four times, a few seconds each on a loaded machine.
describe('durability', { timeout: 120_000 }, () => {
  it('SIGKILL right after acknowledgements loses nothing that was acknowledged', async () => {
    const dir = await dataDir();
    const first = await start(env(dir));
    const players: Array<{ id: number; token: string }> = [];
    for (const name of ['ada', 'bob', 'cy']) {
      const reply = await call(first, 'POST', '/players', { name });
      expect(reply.status).toBe(201);
      players.push(reply.body);
    }
    const acked: Array<{ owner: number; cells: Array<[number, number]>; generation: number }> = [];
    // 150 blocks on a 4-cell grid, in bursts of concurrent requests, while the world ticks.
    for (let burst = 0; burst < 10; burst++) {
      await Promise.all(
        Array.from({ length: 15 }, async (_, i) => {
          const k = burst * 15 + i;
          const player = players[k % 3]!;
          const cells = block((k % 15) * 16 + 2, Math.floor(k / 15) * 16 + 2);
          const reply = await call(first, 'POST', '/cells', { cells }, player.token);
          expect(reply.status).toBe(202);
          acked.push({ owner: player.id, cells, generation: reply.body.generation });
        }),
      );
    }
    first.run.child.kill('SIGKILL');
    await first.run.exit;
    const lastAck = Math.max(...acked.map((a) => a.generation));

    const second = await start(env(dir));
    const world = await call(second, 'GET', '/world');
    expect(world.body.generation).toBeGreaterThanOrEqual(lastAck);
    const live = new Map((await allCells(second)).map(([x, y, o]) => [`${x},${y}`, o]));
    for (const a of acked) for (const [x, y] of a.cells) expect(live.get(`${x},${y}`)).toBe(a.owner);
    expect(live.size).toBe(acked.length * 4);
    // Tokens still work after the crash.
    const again = await call(second, 'POST', '/cells', { cells: block(200, 240) }, players[0]!.token);
    expect(again.status).toBe(202);
    const leaderboard = await call(second, 'GET', '/leaderboard');
    expect(leaderboard.body.players.map((p: { name: string }) => p.name).sort()).toEqual(['ada', 'bob', 'cy']);
  });

  it('SIGTERM writes a final snapshot; a restart resumes at the same generation with the same world', async () => {
    const dir = await dataDir();
    const slow = env(dir, { TICK_MS: '60000', SNAPSHOT_EVERY: '1000000' });
    const first = await start(slow);
    const player = (await call(first, 'POST', '/players', { name: 'gil' })).body;
    const glider: Array<[number, number]> = [[11, 10], [12, 11], [10, 12], [11, 12], [12, 12]];
    expect((await call(first, 'POST', '/cells', { cells: glider }, player.token)).status).toBe(202);
    expect((await call(first, 'POST', '/admin/step', { generations: 37 }, ADMIN)).status).toBe(200);
    const before = { world: (await call(first, 'GET', '/world')).body, cells: await allCells(first) };
    first.run.child.kill('SIGTERM');
    expect(await first.run.exit).toBe(0);
    expect((await readdir(dir)).some((n) => n.startsWith('snapshot-'))).toBe(true);

    const second = await start(slow);
    const after = { world: (await call(second, 'GET', '/world')).body, cells: await allCells(second) };
    expect(after.world.generation).toBe(before.world.generation);
    expect(after.cells).toEqual(before.cells);
    expect(after.cells).toHaveLength(5);
  });

  it('a torn log tail and a damaged newest snapshot: start-up falls back, says so, serves a consistent world', async () => {
    const dir = await dataDir();
    const e = env(dir, { TICK_MS: '60000', SNAPSHOT_EVERY: '1000000' });
    // Phase 1: blocks, then a graceful stop (snapshot A).
    const first = await start(e);
    const p = (await call(first, 'POST', '/players', { name: 'dee' })).body;
    for (let k = 0; k < 5; k++) expect((await call(first, 'POST', '/cells', { cells: block(k * 10, 5) }, p.token)).status).toBe(202);
    await call(first, 'POST', '/admin/step', { generations: 3 }, ADMIN);
    first.run.child.kill('SIGTERM');
    expect(await first.run.exit).toBe(0);
    // Phase 2: more blocks, another graceful stop (snapshot B), then a third run killed.
    const second = await start(e);
    for (let k = 0; k < 5; k++) expect((await call(second, 'POST', '/cells', { cells: block(k * 10, 50) }, p.token)).status).toBe(202);
    await call(second, 'POST', '/admin/step', { generations: 3 }, ADMIN);
    second.run.child.kill('SIGTERM');
    expect(await second.run.exit).toBe(0);
    const third = await start(e);
    for (let k = 0; k < 5; k++) expect((await call(third, 'POST', '/cells', { cells: block(k * 10, 100) }, p.token)).status).toBe(202);
    third.run.child.kill('SIGKILL');
    await third.run.exit;

    // Damage: flip a byte in the newest snapshot, cut the newest log segment mid-record.
    const names = (await readdir(dir)).sort();
    const snapshots = names.filter((n) => n.startsWith('snapshot-'));
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    const newest = join(dir, snapshots.at(-1)!);
    const bytes = await readFile(newest);
    bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
    await writeFile(newest, bytes);
    const segments = names.filter((n) => n.startsWith('wal-'));
    let cut = '';
    for (const name of segments.reverse()) {
      const size = (await stat(join(dir, name))).size;
      if (size > 20) {
        await truncate(join(dir, name), size - 7);
        cut = name;
        break;
      }
    }
    expect(cut).not.toBe('');

    const fourth = await start(e);
    // Log lines may reach the pipe a little after the listening line.
    const logs = await printed(fourth, [/checksum mismatch/, /truncated frame|the log is cut/]);
    expect(logs, `files: ${names.join(', ')}; cut: ${cut}`).toMatch(/store damage found/);
    expect(logs).toMatch(/checksum mismatch/);
    expect(logs).toMatch(/truncated frame|the log is cut/);
    const live = new Map((await allCells(fourth)).map(([x, y, o]) => [`${x},${y}`, o]));
    // Everything up to the older snapshot and the intact log after it is there: phase 1 and 2 blocks.
    for (let k = 0; k < 5; k++) for (const [x, y] of [...block(k * 10, 5), ...block(k * 10, 50)]) expect(live.get(`${x},${y}`)).toBe(p.id);
    // Consistent: only whole blocks (4 cells each), all owned by the one player.
    expect(live.size % 4).toBe(0);
    expect(new Set(live.values())).toEqual(new Set([p.id]));
    expect((await call(fourth, 'GET', '/ready')).status).toBe(200);
  });

  it('an admin pause survives kill -9 at the same generation, in the log and in a snapshot; a resume does too', async () => {
    const dir = await dataDir();
    const e = env(dir, { SNAPSHOT_EVERY: '50' });
    const generation = async (s: Server): Promise<number> => (await call(s, 'GET', '/world')).body.generation;

    const first = await start(e);
    await waitFor(async () => (await generation(first)) >= 3, 'the world to tick');
    const paused = await call(first, 'POST', '/admin/pause', undefined, ADMIN);
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    await kill9(first);

    // From the log: the pause record.
    const second = await start(e);
    const world = (await call(second, 'GET', '/world')).body;
    expect(world).toMatchObject({ paused: true, generation: paused.body.generation });
    // From a snapshot taken while paused (the pause record is older than it): step past a
    // multiple of SNAPSHOT_EVERY and wait for the snapshot file.
    const snapshots = async () => (await readdir(dir)).filter((n) => /^snapshot-\d+\.lms$/.test(n)).sort();
    const before = await snapshots();
    const stepped = await call(second, 'POST', '/admin/step', { generations: 60 }, ADMIN);
    expect(stepped.body).toMatchObject({ paused: true, generation: paused.body.generation + 60 });
    await waitFor(async () => (await snapshots()).some((n) => !before.includes(n)), 'a snapshot taken while paused');
    await kill9(second);

    const third = await start(e);
    expect((await call(third, 'GET', '/world')).body).toMatchObject({ paused: true, generation: stepped.body.generation });
    const resumed = await call(third, 'POST', '/admin/resume', undefined, ADMIN);
    expect(resumed.body.paused).toBe(false);
    await kill9(third);

    const fourth = await start(e);
    const restarted = (await call(fourth, 'GET', '/world')).body;
    expect(restarted.paused).toBe(false);
    await waitFor(async () => (await generation(fourth)) > restarted.generation + 2, 'the world to tick after the restart');
  });

  it("a reset's rule and seed survive kill -9", async () => {
    const dir = await dataDir();
    const e = env(dir);
    const first = await start(e);
    const player = (await call(first, 'POST', '/players', { name: 'rae' })).body;
    expect((await call(first, 'POST', '/cells', { cells: block(40, 40) }, player.token)).status).toBe(202);
    const reset = await call(first, 'POST', '/admin/reset', { rule: 'B36/S23', seed: 4242 }, ADMIN);
    expect(reset.body).toMatchObject({ rule: 'B36/S23', seed: 4242 });
    // A placement after the reset is in the new world, under the new rule.
    expect((await call(first, 'POST', '/cells', { cells: block(80, 80) }, player.token)).status).toBe(202);
    await kill9(first);

    const second = await start(e);
    expect((await call(second, 'GET', '/world')).body.rule).toBe('B36/S23');
    const live = new Map((await allCells(second)).map(([x, y, o]) => [`${x},${y}`, o]));
    expect([...live.keys()].sort()).toEqual(block(80, 80).map(([x, y]) => `${x},${y}`).sort());
    // A reset with no body keeps rule and seed: its reply shows the seed the restart kept.
    expect((await call(second, 'POST', '/admin/reset', undefined, ADMIN)).body).toMatchObject({ rule: 'B36/S23', seed: 4242 });
  });
});
