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
});
