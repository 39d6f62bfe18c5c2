// A split world's admin command across a region's sim restart (region/admin-holds.ts,
// admin-coordinator.ts): two region sims in this thread, each on its own files, talking
// over LocalBus pairs as sim threads do, given commands as a gateway gives them (to the
// home). Region 1's sim is stopped between the two phases: after its hold is durable, as the
// commit (or the reply to its hold) reaches it; restarted on its directory, it holds the
// world there again from its log and asks the home, and the world ends at one point.
import { MessageChannel } from 'node:worker_threads';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isLifeError } from '@lifemmo/shared';
import { LocalBus, LocalBusMesh, type Bus } from '../bus/index.js';
import { loadConfig, type Config } from '../config/config.js';
import { coordinationMs } from '../region/admin-coordinator.js';
import { AdminRequest, adminWaitMs, callJson, decodeJson, encodeJson, subjectsFor, type AdminCommand, type AdminReply } from '../wire/index.js';
import { scanFrames } from '../store/frames.js';
import { Sim } from './sim.js';

const REQUEST_TIMEOUT_MS = 400;

/** Region 1's peers bus, which can drop one admin request of a kind and call `trap` instead of answering. */
function trappable(bus: Bus, subject: string) {
  let trap: { op: 'hold' | 'commit'; then: () => void } | null = null;
  const proxy = new Proxy(bus, {
    get(target, prop) {
      if (prop === 'respond') {
        return (s: string, responder: Parameters<Bus['respond']>[1]) =>
          target.respond(s, async (payload, sub) => {
            if (trap !== null && s === subject) {
              const ask = AdminRequest.parse(decodeJson(payload));
              const kind = ask.op === 'decide' ? (ask.commit ? 'commit' : 'abort') : 'hold' in ask && ask.hold !== undefined ? 'hold' : 'other';
              if (kind === trap.op) {
                const { then } = trap;
                trap = null;
                // A hold is made durable first: the sim stops before its reply leaves.
                if (kind === 'hold') await responder(payload, sub);
                then();
                return new Promise<Uint8Array>(() => undefined);
              }
            }
            return responder(payload, sub);
          });
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { bus: proxy, arm: (op: 'hold' | 'commit', then: () => void) => (trap = { op, then }) };
}

interface World {
  readonly config: Config;
  readonly sims: Sim[];
  admin(command: AdminCommand): Promise<AdminReply>;
  /** Stop region 1's sim when the request of `op` reaches it (not answered); resolves once stopped. */
  stopRegion1At(op: 'hold' | 'commit'): Promise<void>;
  restartRegion1(): Promise<void>;
  close(): Promise<void>;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function twoRegions(): Promise<World> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lifemmo-admin-split-'));
  dirs.push(dataDir);
  const config = loadConfig({
    WORLD_WIDTH: '128',
    WORLD_HEIGHT: '128',
    SHARD_CHUNKS: '1',
    REGIONS: '2',
    CELL_LOGIC: 'local',
    TICK_MS: '5',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    BUS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
  const subjects = subjectsFor(config.cluster.worldName);
  const toSims = [new MessageChannel(), new MessageChannel()];
  const gateway = new LocalBusMesh(toSims.map((c) => new LocalBus(c.port1)));
  const simBuses = toSims.map((c) => new LocalBus(c.port2));
  const between = new MessageChannel();
  const peers0 = new LocalBusMesh([new LocalBus(between.port1)]);
  const peers1 = trappable(new LocalBusMesh([new LocalBus(between.port2)]), subjects.admin(1));
  const log = pino({ level: 'silent' });
  const simOf = (id: number) => new Sim({ config, bus: simBuses[id]!, log, region: { id, peers: id === 0 ? peers0 : peers1.bus } });
  const sims = [simOf(0), simOf(1)];
  await Promise.all(sims.map((s) => s.start()));
  return {
    config,
    sims,
    admin: async (command) => {
      const timeout = coordinationMs(adminWaitMs(command, REQUEST_TIMEOUT_MS), REQUEST_TIMEOUT_MS, config.world.tickMs);
      return (await callJson(gateway, subjects.admin(0), encodeJson(command), timeout)) as AdminReply;
    },
    stopRegion1At: (op) => new Promise((resolve) => peers1.arm(op, () => void sims[1]!.stop().then(resolve))),
    restartRegion1: async () => {
      sims[1] = simOf(1);
      await sims[1].start();
    },
    close: async () => {
      await Promise.all(sims.map((s) => s.stop()));
      await Promise.all([gateway, ...simBuses, peers0, peers1.bus].map((b) => b.close()));
    },
  };
}

async function waitFor(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

/** The records of region 1's log, in order. */
async function region1Log(config: Config): Promise<Array<{ t: string; tx?: string; applied?: boolean }>> {
  const dir = join(config.dataDir, 'region-1');
  const records = [];
  for (const name of (await readdir(dir)).filter((n) => /^wal-\d+\.log$/.test(n)).sort()) {
    for (const payload of scanFrames(await readFile(join(dir, name))).payloads) records.push(JSON.parse(payload.toString('utf8')) as { t: string });
  }
  return records;
}

describe('a split world\'s admin command across a region sim\'s restart', () => {
  it('stopped after its hold and before the commit: restarted, it holds again from its log, asks the home, and applies it at the same point', { timeout: 60_000 }, async () => {
    const w = await twoRegions();
    try {
      const paused = await w.admin({ op: 'pause' });
      expect(paused.paused).toBe(true);
      const g = paused.generation;
      expect(w.sims.map((s) => [s.engine.generation, s.engine.paused])).toEqual([
        [g, true],
        [g, true],
      ]);

      const stopped = w.stopRegion1At('commit');
      const step = w.admin({ op: 'step', generations: 3 }).catch((err: unknown) => err);
      await stopped;
      // Its log holds the hold and no end; no snapshot was taken over it at shutdown.
      const records = await region1Log(w.config);
      const holds = records.filter((r) => r.t === 'admin-hold');
      const tx = holds.at(-1)!.tx!;
      expect(records.filter((r) => r.t === 'admin-end' && r.tx === tx)).toEqual([]);

      await w.restartRegion1();
      // Decided: the home's deliveries and the restarted hold's own ask both lead to it.
      const reply = await step;
      if (reply instanceof Error) expect(isLifeError(reply, 'SIM_UNAVAILABLE') && /decided for generation/.test(reply.message)).toBe(true);
      else expect(reply).toMatchObject({ generation: g + 3, paused: true });
      await waitFor(() => w.sims.every((s) => s.engine.generation === g + 3), 'both regions at g + 3');
      expect(w.sims.map((s) => s.engine.paused)).toEqual([true, true]);
      expect((await region1Log(w.config)).filter((r) => r.t === 'admin-end' && r.tx === tx)).toEqual([expect.objectContaining({ applied: true })]);

      // And the world runs on in lock-step from there.
      expect(await w.admin({ op: 'resume' })).toMatchObject({ paused: false });
      await waitFor(() => w.sims.every((s) => s.engine.generation > g + 10), 'both regions past g + 10');
    } finally {
      await w.close();
    }
  });

  it('stopped after its hold is durable, before its reply: the home lets the command go; restarted, it asks, hears "abort", and the world runs on', { timeout: 60_000 }, async () => {
    const w = await twoRegions();
    try {
      const g = w.sims[0]!.engine.generation;
      const stopped = w.stopRegion1At('hold');
      const refused = await w.admin({ op: 'pause' }).catch((err: unknown) => err);
      await stopped;
      // Nothing applied anywhere: the home's region was let go and runs on (waiting for region 1's halos).
      expect(isLifeError(refused)).toBe(true);
      expect(w.sims[0]!.engine.paused).toBe(false);
      const holds = (await region1Log(w.config)).filter((r) => r.t === 'admin-hold');
      expect(holds.length).toBeGreaterThan(0);

      await w.restartRegion1();
      await waitFor(() => w.sims.every((s) => s.engine.generation > g + 20), 'both regions past g + 20');
      expect(w.sims.map((s) => s.engine.paused)).toEqual([false, false]);
      const records = await region1Log(w.config);
      for (const { tx } of holds) expect(records.filter((r) => r.t === 'admin-end' && r.tx === tx)).toEqual([expect.objectContaining({ applied: false })]);
    } finally {
      await w.close();
    }
  });
});
