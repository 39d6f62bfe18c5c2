/**
 * One server per DATA_DIR: a second server, standalone or ROLE=sim, started on the
 * directory of a running one exits at once, says why, and changes no file; after the
 * first is killed with SIGKILL its stale lock is taken over. Then the lock itself, in
 * one process.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FileStore, LOCK_FILE } from '@lifemmo/server/store';
import { run } from '../support/child-server.js';
import { ADMIN, allCells, block, call, dataDir, env, fingerprint, kill9, start } from './helpers.js';

// The fatal start-up record (a JSON line on stdout: docs/operations.md, "Logs and metrics").
const IN_USE = /lifemmo failed to start: DATA_DIR \S+ is in use by another lifemmo server \(pid (\d+) on host [^,]+, since [^)]+\): one server per data directory/;

describe('one server per DATA_DIR', () => {
  it('a second standalone server and a second sim exit at once, touch nothing, and the first serves on; after kill -9 a new one starts', async () => {
    const dir = await dataDir();
    // No ticks and no snapshots on a timer: the first server writes nothing by itself, so any
    // change to the directory would be the second server's.
    const quiet = env(dir, { TICK_MS: '60000', SNAPSHOT_EVERY: '1000000' });
    const first = await start(quiet);
    const player = (await call(first, 'POST', '/players', { name: 'ada' })).body;
    expect((await call(first, 'POST', '/cells', { cells: block(10, 10) }, player.token)).status).toBe(202);
    expect((await call(first, 'POST', '/admin/step', { generations: 2 }, ADMIN)).status).toBe(200);
    const before = await fingerprint(dir);
    expect(Object.keys(before)).toContain(LOCK_FILE);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: first.run.child.pid, host: hostname() });

    // A standalone server, and a sim, which refuses before it even looks for NATS (nothing
    // listens on port 1).
    const second = run(quiet);
    const sim = run({ ...quiet, ROLE: 'sim', NATS_URL: 'nats://127.0.0.1:1' });
    expect(await Promise.all([second.exit, sim.exit])).toEqual([1, 1]);
    expect(second.stdout()).toMatch(IN_USE);
    expect(Number(IN_USE.exec(second.stdout())![1])).toBe(first.run.child.pid);
    expect(second.stdout()).not.toMatch(/listening on/);
    expect(second.stdout()).not.toMatch(/recovered/);
    expect(sim.stdout()).toMatch(IN_USE);

    expect(await fingerprint(dir)).toEqual(before);
    expect((await call(first, 'GET', '/ready')).status).toBe(200);
    expect((await call(first, 'POST', '/cells', { cells: block(30, 30) }, player.token)).status).toBe(202);

    await kill9(first);
    const third = await start(quiet);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: third.run.child.pid });
    const live = new Map((await allCells(third)).map(([x, y, o]) => [`${x},${y}`, o]));
    for (const [x, y] of [...block(10, 10), ...block(30, 30)]) expect(live.get(`${x},${y}`)).toBe(player.id);
    // Four server starts, each a few seconds on a loaded machine.
  }, 120_000);
});

describe('DataDirLock, in one process', () => {
  it('refuses a second store on a directory in use, and frees it at close', async () => {
    const dir = await dataDir();
    const a = new FileStore(dir);
    await a.open();
    await expect(new FileStore(dir).open()).rejects.toMatchObject({ code: 'LIFE_ERR_STORE_LOCKED' });
    await a.close();
    const b = new FileStore(dir);
    await b.open();
    await b.close();
  });

  it('takes over the lock of a process that is gone', async () => {
    const dir = await dataDir();
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => gone.on('exit', resolve));
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: gone.pid, host: hostname(), since: new Date().toISOString() }));
    const s = new FileStore(dir);
    await s.open();
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await s.close();
  });

  it('takes over a lock with its own pid from before this process started (a restarted container)', async () => {
    const dir = await dataDir();
    const long = new Date(Date.now() - process.uptime() * 1000 - 60_000).toISOString();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), since: long }));
    const s = new FileStore(dir);
    await s.open();
    await s.close();
  });

  it('never takes over a live process, nor a lock from another host, and names the file to delete', async () => {
    const dir = await dataDir();
    // This test runner's parent process is alive and not us.
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), since: 'then' }));
    await expect(new FileStore(dir).open()).rejects.toThrow(new RegExp(`pid ${process.ppid} on host`));
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere.example', since: 'then' }));
    const refused = new FileStore(dir).open();
    await expect(refused).rejects.toMatchObject({ code: 'LIFE_ERR_STORE_LOCKED' });
    await expect(refused).rejects.toThrow(`if no server runs there, delete ${join(dir, LOCK_FILE)}`);
    // Refused before anything was read or written: no log segment was started.
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
  });
});
