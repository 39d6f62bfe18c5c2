/**
 * A full disk, for real: the log on a small tmpfs filled to the last byte. Durable appends
 * are refused with LIFE_ERR_STORE_FAILED and no torn frame is left in the log; every
 * record is kept in order and written when space returns; a real server refuses
 * placements with 503 meanwhile, goes on ticking and answering reads, accepts placements
 * again by itself, and has everything it acknowledged after kill -9. A failed fdatasync
 * (EIO) is injected at the fs layer, which a tmpfs cannot produce.
 */
import { describe, expect, it, vi, type MockInstance } from 'vitest';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LifeError } from '@lifemmo/shared';
import { FileStore } from '@lifemmo/server/store';
import { scanFrames } from '../../server/src/store/frames.js';
import { mountSmallFs, type SmallFs } from '../support/small-fs.js';
import { waitFor } from '../support/wait.js';
import { ADMIN, allCells, block, call, dataDir, env, kill9, printed, start } from './helpers.js';

/** The frames of the newest log segment in `dir`, and whether it ends on a frame boundary. */
async function newestSegment(dir: string): Promise<{ records: Array<{ t: string; lsn: number }>; torn: string | null }> {
  const name = (await readdir(dir)).filter((n) => /^wal-\d+\.log$/.test(n)).sort().at(-1)!;
  const scan = scanFrames(await readFile(join(dir, name)));
  return { records: scan.payloads.map((p) => JSON.parse(p.toString('utf8'))), torn: scan.problem };
}

/** `n` distinct cells, so one record is several KB (larger than a page: a write can tear). */
function cells(n: number, y0: number): Array<[number, number]> {
  return Array.from({ length: n }, (_, i) => [i % 256, y0 + Math.floor(i / 256)] as [number, number]);
}

async function withSmallFs(skip: (note: string) => never, bytes: number, test: (fs: SmallFs) => Promise<void>): Promise<void> {
  const fs = await mountSmallFs(bytes);
  if (typeof fs === 'string') skip(`disk-full test skipped: ${fs}`);
  try {
    await test(fs);
  } finally {
    vi.useRealTimers();
    await fs.unmount();
  }
}

describe('FileStore on a full disk', () => {
  it('refuses durable appends, leaves no torn frame, keeps every record in order, and writes them all when space returns', async (ctx) => {
    await withSmallFs(ctx.skip, 1024 * 1024, async (fs) => {
      // The retry timer on fake time, so the log is looked at between retries; file I/O is real.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const store = new FileStore(fs.dir, { keepSnapshots: 2, retryMs: 20 });
      const changes: Array<string | null> = [];
      store.onFailureChange((failure) => changes.push(failure?.code ?? null));
      await store.open();
      await store.append({ t: 'player', id: 1, name: 'ada', color: '#fff', tokenHash: 'h' }, true);
      await store.append({ t: 'place', owner: 1, generation: 2, cells: cells(4, 0) }, true);

      expect(fs.fill()).toBeGreaterThan(0);
      const big = store.append({ t: 'place', owner: 1, generation: 3, cells: cells(1000, 10) }, true);
      await expect(big).rejects.toMatchObject({ code: 'LIFE_ERR_STORE_FAILED', status: 503 });
      expect(store.failure?.code).toBe('LIFE_ERR_STORE_FAILED');
      expect(changes).toEqual(['LIFE_ERR_STORE_FAILED']);
      // On disk: exactly the two acknowledged records, ending on a frame boundary.
      const onDisk = await newestSegment(fs.dir);
      expect(onDisk.torn).toBeNull();
      expect(onDisk.records.map((r) => r.lsn)).toEqual([1, 2]);

      // Ticks go on (queued; consecutive marks kept as one); durable appends are refused at once.
      for (let g = 3; g <= 200; g++) await store.append({ t: 'tick', generation: g }, false);
      await expect(store.append({ t: 'place', owner: 1, generation: 201, cells: [[7, 7]] }, true)).rejects.toMatchObject({ code: 'LIFE_ERR_STORE_FAILED' });
      await expect(store.sync()).rejects.toMatchObject({ code: 'LIFE_ERR_STORE_FAILED' });

      // Retries fail while the disk is full...
      await vi.advanceTimersByTimeAsync(100);
      expect(store.failure?.code).toBe('LIFE_ERR_STORE_FAILED');
      // ...and the first one after space returns writes everything.
      fs.free();
      await vi.advanceTimersByTimeAsync(20);
      vi.useRealTimers();
      await waitFor(() => store.failure === null, 'the store to write again');
      expect(changes).toEqual(['LIFE_ERR_STORE_FAILED', null]);
      await store.append({ t: 'place', owner: 1, generation: 202, cells: [[9, 9]] }, true);
      await store.close();

      const reopened = new FileStore(fs.dir);
      const state = await reopened.open();
      await reopened.close();
      expect(state.warnings).toEqual([]);
      expect(state.records.map((r) => [r.lsn, r.t, r.t === 'tick' || r.t === 'place' ? r.generation : null])).toEqual([
        [1, 'player', null],
        [2, 'place', 2],
        [3, 'place', 3],
        [4, 'tick', 200],
        [5, 'place', 201],
        [6, 'place', 202],
      ]);
    });
  });

  it('a failed fdatasync (EIO) acknowledges nothing, and writes again what it had not made durable', async () => {
    const dir = await dataDir();
    // The retry timer on fake time, so the log can be looked at before the retry; file I/O is real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = new FileStore(dir, { keepSnapshots: 2, retryMs: 20 });
    let datasync: MockInstance | undefined;
    try {
      await store.open();
      await store.append({ t: 'place', owner: 1, generation: 1, cells: [[1, 1]] }, true);
      for (let g = 1; g <= 3; g++) await store.append({ t: 'tick', generation: g }, false);
      // The FileHandle class is not exported: reach its prototype through a handle.
      const probe = await open(join(dir, 'probe'), 'w');
      const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
      await probe.close();
      const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      datasync = vi.spyOn(proto, 'datasync').mockRejectedValueOnce(eio);
      const refused = store.append({ t: 'place', owner: 1, generation: 5, cells: [[2, 2]] }, true);
      await expect(refused).rejects.toSatisfy((err: LifeError) => err.code === 'LIFE_ERR_STORE_FAILED' && /EIO/.test(err.message));
      // Cut back to what the last good fdatasync covered: the first placement only.
      expect((await newestSegment(dir)).records.map((r) => r.lsn)).toEqual([1]);
      expect(store.failure?.code).toBe('LIFE_ERR_STORE_FAILED');
      await vi.advanceTimersByTimeAsync(20); // the retry
    } finally {
      datasync?.mockRestore();
      vi.useRealTimers();
    }
    await waitFor(() => store.failure === null, 'the store to write again');
    await store.close();
    const reopened = new FileStore(dir);
    const state = await reopened.open();
    await reopened.close();
    expect(state.warnings).toEqual([]);
    expect(state.records.map((r) => [r.lsn, r.t])).toEqual([[1, 'place'], [2, 'tick'], [3, 'tick'], [4, 'tick'], [5, 'place']]);
  });
});

describe('a server on a full disk', () => {
  it('refuses placements with 503 LIFE_ERR_STORE_FAILED, ticks and reads on, accepts again when space returns, and loses nothing acknowledged', async (ctx) => {
    await withSmallFs(ctx.skip, 8 * 1024 * 1024, async (fs) => {
      const dir = join(fs.dir, 'data');
      const e = env(dir);
      const server = await start(e);
      const player = (await call(server, 'POST', '/players', { name: 'ada' })).body;
      const acked: Array<Array<[number, number]>> = [];
      let next = 0;
      /** Place the next block (each on its own spot); remember it when acknowledged. */
      const place = async (): Promise<{ status: number; body: { error?: { code: string; message: string } } }> => {
        const k = next++;
        const cellsOf = block((k % 50) * 5, Math.floor(k / 50) * 5);
        const reply = await call(server, 'POST', '/cells', { cells: cellsOf }, player.token);
        if (reply.status === 202) acked.push(cellsOf);
        return reply;
      };
      for (let i = 0; i < 5; i++) expect((await place()).status).toBe(202);

      fs.fill();
      // The next write fails (a tick's mark, every 20 ms); from then on placements are refused.
      let refused: Awaited<ReturnType<typeof place>> | null = null;
      await waitFor(async () => {
        const reply = await place();
        if (reply.status === 503) refused = reply;
        return refused !== null;
      }, 'a placement refused on the full disk');
      expect(refused!.body.error).toMatchObject({ code: 'LIFE_ERR_STORE_FAILED' });
      expect(refused!.body.error!.message).toMatch(/Could not write the log/);
      for (let i = 0; i < 3; i++) expect((await place()).body.error?.code).toBe('LIFE_ERR_STORE_FAILED');
      const joined = await call(server, 'POST', '/players', { name: 'bob' });
      expect(joined.status).toBe(503);
      expect(joined.body.error.code).toBe('LIFE_ERR_STORE_FAILED');
      // An admin pause could not outlive a crash now: refused too, and the world runs on.
      const pause = await call(server, 'POST', '/admin/pause', undefined, ADMIN);
      expect({ status: pause.status, code: pause.body.error?.code }).toEqual({ status: 503, code: 'LIFE_ERR_STORE_FAILED' });

      // The world goes on and reads answer.
      const g0 = (await call(server, 'GET', '/world')).body.generation;
      await waitFor(async () => (await call(server, 'GET', '/world')).body.generation > g0 + 10, 'ticks on the full disk');
      expect((await call(server, 'GET', '/cells?x=0&y=0&w=64&h=64')).status).toBe(200);
      expect((await call(server, 'GET', '/leaderboard')).status).toBe(200);

      fs.free();
      await waitFor(async () => (await place()).status === 202, 'placements accepted again');
      for (let i = 0; i < 5; i++) expect((await place()).status).toBe(202);
      const logs = await printed(server, [/the log cannot be written/, /the log is written again/]);
      expect(logs).toMatch(/the log cannot be written/);
      expect(logs).toMatch(/the log is written again/);
      await kill9(server);

      const again = await start(e);
      const live = new Map((await allCells(again)).map(([x, y, o]) => [`${x},${y}`, o]));
      expect(acked.length).toBeGreaterThanOrEqual(11);
      for (const cellsOf of acked) for (const [x, y] of cellsOf) expect(live.get(`${x},${y}`)).toBe(player.id);
      await kill9(again);
    });
  }, 90_000);
});
