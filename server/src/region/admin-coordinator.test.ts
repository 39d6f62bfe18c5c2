// The home's coordinator of a split world's admin commands (admin-coordinator.ts) with
// regions faked: the point chosen, the two phases, the retries further ahead, a decided
// command delivered until every region applied it, and what a region that asks hears.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LifeError, isLifeError } from '@lifemmo/shared';
import type { WorldPoint } from '../engine/index.js';
import type { AdminCommand, AdminReply } from '../wire/index.js';
import { AdminCoordinator, coordinationMs, type AdminRegion } from './admin-coordinator.js';
import type { RegionPoint } from './command-point.js';

function setup(points: RegionPoint[], o: { hold?: (region: number, at: WorldPoint, tx: string) => void | Promise<void>; decide?: (region: number, commit: boolean) => void } = {}) {
  const asked: string[] = [];
  const log: string[] = [];
  const reply = (region: number): AdminReply => ({ generation: 50 + region, epoch: points[region]!.epoch, paused: true, rule: 'B3/S23', seed: 7 });
  const region = (id: number): AdminRegion => ({
    point: async () => points[id]!,
    hold: async (tx, at, command) => {
      asked.push(`${id} hold ${command.op} at ${at.generation}`);
      await o.hold?.(id, at, tx);
    },
    decide: async (_tx, commit) => {
      asked.push(`${id} ${commit ? 'commit' : 'abort'}`);
      o.decide?.(id, commit);
      return reply(id);
    },
    now: async (command) => {
      asked.push(`${id} now ${command.op}`);
      return reply(id);
    },
  });
  const coordinator = new AdminCoordinator({
    regions: points.map((_p, i) => i),
    region,
    journal: {
      assertWritable: () => undefined,
      adminDecided: async (tx) => void log.push(`decide ${tx}`),
      adminDone: (tx) => void log.push(`done ${tx}`),
    },
    tickMs: 100,
    retryMs: 10,
    log: pino({ level: 'silent' }),
  });
  const command = (c: AdminCommand, waitMs = 1_000) => coordinator.command(c, waitMs);
  return { asked, log, coordinator, command };
}

const running = (generation: number): RegionPoint => ({ epoch: 3, generation, paused: false });

describe('AdminCoordinator', () => {
  it('holds every region at one point ahead of the furthest, decides durably, applies everywhere, then forgets it', async () => {
    const t = setup([running(40), running(41)]);
    const reply = await t.command({ op: 'step', generations: 5 });
    // The furthest region plus 1 + ceil(250 ms / TICK_MS of 100) generations.
    expect(t.asked.slice(0, 2).sort()).toEqual(['0 hold step at 45', '1 hold step at 45']);
    expect(t.asked.slice(2).sort()).toEqual(['0 commit', '1 commit']);
    expect(t.log).toHaveLength(2);
    expect(t.log[0]).toMatch(/^decide \S+$/);
    expect(t.log[1]).toBe(`done ${t.log[0]!.split(' ')[1]}`);
    // The world's point: the least region's generation.
    expect(reply.generation).toBe(50);
    expect(t.coordinator.inFlight).toBe(0);
  });

  it('a region past the point: every hold let go, tried further ahead, refused after 3 points with nothing applied or decided', async () => {
    let refusals = 2;
    const t = setup([running(40), running(41)], {
      hold: (region) => {
        if (region === 1 && refusals-- > 0) throw new LifeError('GENERATION_PASSED', 'past it');
      },
    });
    await t.command({ op: 'pause' });
    const sorted = (from: number, to: number) => t.asked.slice(from, to).sort();
    // Leads of 4, 8 and 16 generations past the furthest region (41).
    expect(sorted(0, 2)).toEqual(['0 hold pause at 45', '1 hold pause at 45']);
    expect(sorted(2, 4)).toEqual(['0 abort', '1 abort']);
    expect(sorted(4, 6)).toEqual(['0 hold pause at 49', '1 hold pause at 49']);
    expect(sorted(6, 8)).toEqual(['0 abort', '1 abort']);
    expect(sorted(8, 10)).toEqual(['0 hold pause at 57', '1 hold pause at 57']);
    expect(sorted(10, 12)).toEqual(['0 commit', '1 commit']);

    refusals = Infinity;
    t.asked.length = 0;
    t.log.length = 0;
    const refused = await t.command({ op: 'pause' }).catch((err: unknown) => err);
    expect(isLifeError(refused, 'GENERATION_PASSED')).toBe(true);
    expect(t.asked.filter((a) => a.endsWith('commit'))).toEqual([]);
    expect(t.asked.filter((a) => a.endsWith('abort'))).toHaveLength(6);
    expect(t.log).toEqual([]);
  });

  it('a region that does not answer the commit: 503 saying it is decided, then delivered until it answers, then done', async () => {
    let away = true;
    const t = setup([running(40), running(40)], {
      decide: (region, commit) => {
        if (region === 1 && commit && away) throw new LifeError('SIM_UNAVAILABLE', 'no responders');
      },
    });
    const late = await t.command({ op: 'pause' }, 50).catch((err: unknown) => err);
    expect(isLifeError(late, 'SIM_UNAVAILABLE')).toBe(true);
    expect((late as Error).message).toMatch(/pause is decided for generation 44 and applied in 1 of 2 regions; region 1 applies it once its sim answers/);
    expect(t.coordinator.inFlight).toBe(1);
    // A hold that asks meanwhile hears "commit".
    const tx = t.log[0]!.split(' ')[1]!;
    expect(await t.coordinator.outcome(tx)).toBe('commit');
    away = false;
    for (let i = 0; i < 200 && t.coordinator.inFlight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(t.coordinator.inFlight).toBe(0);
    expect(t.log.at(-1)).toBe(`done ${tx}`);
    // Asked again once done: forgotten, which is "abort", and no hold is left to hear it.
    expect(await t.coordinator.outcome(tx)).toBe('abort');
    t.coordinator.stop();
  });

  it('a region asking while the others are still being held hears "abort", and the command goes to the next point', async () => {
    const heard: string[] = [];
    const t: { coordinator?: AdminCoordinator } = {};
    const s = setup([running(40), running(40)], {
      hold: async (region, _at, tx) => {
        // Region 1's first hold: it timed out waiting and asks before the home decided.
        if (region === 1 && heard.length === 0) heard.push(await t.coordinator!.outcome(tx));
      },
    });
    t.coordinator = s.coordinator;
    await s.command({ op: 'pause' });
    expect(heard).toEqual(['abort']);
    expect(s.asked.slice(0, 4).sort()).toEqual(['0 abort', '0 hold pause at 44', '1 abort', '1 hold pause at 44']);
    expect(s.asked.slice(4).sort()).toEqual(['0 commit', '0 hold pause at 48', '1 commit', '1 hold pause at 48']);
    expect(s.log).toHaveLength(2);
    // Never seen: presumed aborted.
    expect(await s.coordinator.outcome('never-seen')).toBe('abort');
  });

  it('a resume given to a world not at one point goes to every region now; the coordination fits the gateway\'s wait', async () => {
    const t = setup([{ epoch: 3, generation: 44, paused: true }, running(45)]);
    expect(await t.command({ op: 'resume' })).toMatchObject({ generation: 50 });
    expect(t.asked.sort()).toEqual(['0 now resume', '1 now resume']);
    expect(t.log).toEqual([]);
    // 3 points of 3 rounds and one spare, the wait, and the last lead (16 generations of 100 ms).
    expect(coordinationMs(1_000, 500, 100)).toBe(10 * 500 + 1_000 + 16 * 100);
  });

  it('a restarted home delivers the commits of a decision its log holds without a done', async () => {
    const t = setup([running(40), running(40)]);
    t.coordinator.replayDecided('tx-replayed');
    expect(t.coordinator.inFlight).toBe(1);
    t.coordinator.resume(1_000);
    for (let i = 0; i < 200 && t.coordinator.inFlight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(t.asked.sort()).toEqual(['0 commit', '1 commit']);
    expect(t.log).toEqual(['done tx-replayed']);
  });
});
