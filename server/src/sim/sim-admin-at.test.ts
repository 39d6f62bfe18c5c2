// A sim given admin commands at a point of its world's history (AdminRequest.at), over a
// LocalBus pair as a gateway would send them: what lets one command, broadcast to every
// region's sim, take effect at the same generation in each (docs/regions.md).
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LifeError } from '@lifemmo/shared';
import { LocalBus } from '../bus/index.js';
import { loadConfig } from '../config/config.js';
import { callJson, encodeJson, subjectsFor, type AdminReply, type AdminRequest } from '../wire/index.js';
import { Sim } from './sim.js';

describe('admin commands at a point, over the bus', () => {
  it('pause, step and reset at a point apply there; a point passed is refused with LIFE_ERR_GENERATION_PASSED', async () => {
    const config = loadConfig({ WORLD_WIDTH: '128', WORLD_HEIGHT: '128', CELL_LOGIC: 'local', TICK_MS: '5', STORE: 'memory', SEEDING: 'off', LOG_LEVEL: 'silent' });
    const { port1, port2 } = new MessageChannel();
    const gateway = new LocalBus(port1);
    const simBus = new LocalBus(port2);
    const sim = new Sim({ config, bus: simBus, log: pino({ level: 'silent' }) });
    const admin = async (command: AdminRequest) => (await callJson(gateway, subjectsFor(config.cluster.worldName).admin(0), encodeJson(command), 10_000)) as AdminReply;
    try {
      await sim.start();
      const target = sim.engine.generation + 5;
      // Running: the reply comes once the world has reached the point and paused there.
      expect(await admin({ op: 'pause', at: { epoch: 0, generation: target } })).toMatchObject({ generation: target, epoch: 0, paused: true });
      expect(await admin({ op: 'step', generations: 3, at: { epoch: 0, generation: target } })).toMatchObject({ generation: target + 3, paused: true });
      const reset = await admin({ op: 'reset', seed: 9, at: { epoch: 0, generation: target + 3 } });
      expect(reset).toMatchObject({ generation: 0, epoch: 1, paused: true, seed: 9 });
      let refused: unknown;
      try {
        await admin({ op: 'resume', at: { epoch: 0, generation: target + 10 } }); // of the world before the reset
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(LifeError);
      expect((refused as LifeError).code).toBe('LIFE_ERR_GENERATION_PASSED');
      // Without `at`, as before: now.
      expect(await admin({ op: 'resume' })).toMatchObject({ epoch: 1, paused: false });
    } finally {
      await sim.stop();
      await gateway.close();
      await simBus.close();
    }
  });

  it('holds at a point for a transaction, applies the command on commit, lets it go on abort and, with no decision, when its home says abort', async () => {
    // BUS_REQUEST_TIMEOUT_MS of 100: an undecided hold asks its home after 400 ms; a whole world's home never decided it.
    const config = loadConfig({ WORLD_WIDTH: '128', WORLD_HEIGHT: '128', CELL_LOGIC: 'local', TICK_MS: '5', STORE: 'memory', SEEDING: 'off', LOG_LEVEL: 'silent', BUS_REQUEST_TIMEOUT_MS: '100' });
    const { port1, port2 } = new MessageChannel();
    const gateway = new LocalBus(port1);
    const simBus = new LocalBus(port2);
    const sim = new Sim({ config, bus: simBus, log: pino({ level: 'silent' }) });
    const admin = async (command: AdminRequest) => (await callJson(gateway, subjectsFor(config.cluster.worldName).admin(0), encodeJson(command), 10_000)) as AdminReply;
    const waitFor = async (done: () => boolean) => {
      for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(done()).toBe(true);
    };
    try {
      await sim.start();
      // Held: the reply comes at once; the world stops at the point and waits there.
      const at = { epoch: 0, generation: sim.engine.generation + 5 };
      expect(await admin({ op: 'pause', at, hold: 'tx-1' })).toMatchObject({ paused: false });
      await waitFor(() => sim.engine.generation === at.generation);
      await new Promise((resolve) => setTimeout(resolve, 50)); // 10 ticks' time
      expect(sim.engine.generation).toBe(at.generation);
      // Commit: applied there.
      expect(await admin({ op: 'decide', tx: 'tx-1', commit: true })).toMatchObject({ generation: at.generation, paused: true });
      // Abort: nothing applied, the world goes on.
      expect(await admin({ op: 'resume' })).toMatchObject({ paused: false });
      const next = { epoch: 0, generation: sim.engine.generation + 3 };
      await admin({ op: 'pause', at: next, hold: 'tx-2' });
      expect(await admin({ op: 'decide', tx: 'tx-2', commit: false })).toMatchObject({ paused: false });
      await waitFor(() => sim.engine.generation > next.generation + 3);
      // No decision: held, then let go once its home says "abort"; a late commit is refused.
      const late = { epoch: 0, generation: sim.engine.generation + 3 };
      await admin({ op: 'pause', at: late, hold: 'tx-3' });
      await waitFor(() => sim.engine.generation === late.generation);
      await waitFor(() => sim.engine.generation > late.generation + 3);
      expect(sim.engine.paused).toBe(false);
      const refused = await admin({ op: 'decide', tx: 'tx-3', commit: true }).catch((err: unknown) => err);
      expect((refused as LifeError).code).toBe('LIFE_ERR_GENERATION_PASSED');
      // A hold with no point is refused; a point passed is refused at the first phase.
      const pointless = await admin({ op: 'pause', hold: 'tx-5' }).catch((err: unknown) => err);
      expect((pointless as LifeError).code).toBe('LIFE_ERR_VALIDATION');
      expect(sim.engine.paused).toBe(false);
      const passed = await admin({ op: 'pause', at: { epoch: 0, generation: 1 }, hold: 'tx-4' }).catch((err: unknown) => err);
      expect((passed as LifeError).code).toBe('LIFE_ERR_GENERATION_PASSED');
    } finally {
      await sim.stop();
      await gateway.close();
      await simBus.close();
    }
  });
});
