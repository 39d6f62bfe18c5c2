// One sim's admin holds (admin-holds.ts) on a real engine, with the journal and the home
// faked: durable before the vote, applied or let go once, asking the home when nothing
// comes, and a restart's replay held again, or finished when the log took it past the point.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isLifeError } from '@lifemmo/shared';
import { loadConfig } from '../config/config.js';
import type { Engine } from '../engine/index.js';
import { createEngine } from '../sim/sim.js';
import { AdminHolds, type AdminOutcome } from './admin-holds.js';

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
});

function setup(outcome: () => Promise<AdminOutcome> = async () => 'abort', askAfterMs = 60_000) {
  const engine = createEngine(loadConfig({ WORLD_WIDTH: '128', WORLD_HEIGHT: '128', CELL_LOGIC: 'local', TICK_MS: '5', STORE: 'memory', SEEDING: 'off', LOG_LEVEL: 'silent' }));
  engines.push(engine);
  const journal: string[] = [];
  const asked: string[] = [];
  const holds = new AdminHolds({
    engine,
    journal: {
      assertWritable: () => undefined,
      held: async (tx, at, command) => void journal.push(`held ${tx} ${command.op} at ${at.generation}`),
      holdEnded: (tx, applied) => void journal.push(`end ${tx} ${applied ? 'applied' : 'let go'}`),
    },
    apply: async (point, command) => {
      await point.decide(command.op === 'step' ? { op: 'step', generations: command.generations } : { op: 'pause' });
      journal.push(`applied ${command.op}`);
    },
    askOutcome: async (tx) => {
      asked.push(tx);
      return outcome();
    },
    askAfterMs,
    log: pino({ level: 'silent' }),
  });
  return { engine, journal, asked, holds };
}

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done()).toBe(true);
}

describe('AdminHolds', () => {
  it('holds durably before the vote, applies at the point once however often the commit comes, refuses a commit of one let go', async () => {
    const t = setup();
    t.engine.start();
    const at = { epoch: 0, generation: t.engine.generation + 4 };
    await t.holds.hold('tx-1', at, { op: 'pause' });
    expect(t.journal).toEqual(['held tx-1 pause at ' + at.generation]);
    await waitFor(() => t.engine.generation === at.generation);
    await Promise.all([t.holds.decide('tx-1', true), t.holds.decide('tx-1', true)]);
    await t.holds.decide('tx-1', true);
    expect(t.engine.paused).toBe(true);
    expect(t.engine.generation).toBe(at.generation);
    expect(t.journal.slice(1)).toEqual(['applied pause', 'end tx-1 applied']);

    t.engine.resume();
    await t.holds.hold('tx-2', { epoch: 0, generation: t.engine.generation + 3 }, { op: 'pause' });
    await t.holds.decide('tx-2', false);
    const refused = await t.holds.decide('tx-2', true).catch((err: unknown) => err);
    expect(isLifeError(refused, 'GENERATION_PASSED')).toBe(true);
    expect(t.journal.at(-1)).toBe('end tx-2 let go');
    await waitFor(() => t.engine.generation > at.generation + 6);
    expect(t.engine.paused).toBe(false);
    expect(t.holds.size).toBe(0);
  });

  it('a hold that hears nothing asks the home, and again while the home cannot be reached', async () => {
    let reachable = false;
    const t = setup(async () => {
      if (!reachable) throw new Error('no responders');
      return 'commit';
    }, 30);
    t.engine.start();
    const at = { epoch: 0, generation: t.engine.generation + 2 };
    await t.holds.hold('tx-1', at, { op: 'pause' });
    await waitFor(() => t.asked.length >= 2);
    // The world waits at the point meanwhile.
    expect(t.engine.generation).toBe(at.generation);
    reachable = true;
    await waitFor(() => t.engine.paused);
    expect(t.engine.generation).toBe(at.generation);
    expect(t.journal.at(-1)).toBe('end tx-1 applied');
  });

  it('replayed: held again and asked at once; one the replay took past was applied, and a step cut short steps the rest', async () => {
    const t = setup(async () => 'commit');
    t.engine.start();
    t.engine.pause();
    await t.engine.step(5);
    // The log held a step of 4 from generation 3 (stepped 2 before the restart) and a pause at 7.
    t.holds.replayHeld('tx-step', { epoch: 0, generation: 3 }, { op: 'step', generations: 4 });
    t.holds.replayHeld('tx-pause', { epoch: 0, generation: 7 }, { op: 'pause' });
    t.holds.replayHeld('tx-ended', { epoch: 0, generation: 1 }, { op: 'pause' });
    t.holds.replayEnded('tx-ended', true);
    await t.holds.resume();
    expect(t.engine.generation).toBe(7);
    expect(t.journal).toEqual(['end tx-step applied']);
    expect(t.asked).toEqual([]);
    await waitFor(() => t.asked.length === 1);
    await waitFor(() => t.journal.length === 3);
    expect(t.asked).toEqual(['tx-pause']);
    expect(t.journal.slice(1)).toEqual(['applied pause', 'end tx-pause applied']);
    expect(t.engine.generation).toBe(7);
  });
});
