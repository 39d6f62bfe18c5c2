// The world's epoch (resets so far) survives a restart: it is in the snapshot, and a reset
// replayed from the log counts it again. A region restored with another epoch than its
// neighbours would refuse every halo they send (docs/regions.md).
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { PlacementService } from '../placement/placement-service.js';
import { MemoryPlayerRegistry } from '../players/player-registry.js';
import { createEngine } from '../sim/sim.js';
import { MemoryStore } from './memory-store.js';
import { Persistence } from './persistence.js';
import type { WalRecord } from './records.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from './snapshot-codec.js';

async function boot(shared: { records: WalRecord[]; snapshot: Snapshot | null }) {
  const config = loadConfig({ WORLD_WIDTH: '128', WORLD_HEIGHT: '128', CELL_LOGIC: 'local', SEEDING: 'off' });
  const engine = createEngine(config);
  const placement = new PlacementService(engine, { budget: { capacity: 100, refillPerGen: 1 }, maxCellsPerRequest: 100 });
  const persistence = new Persistence({
    store: new MemoryStore(shared),
    engine,
    players: new MemoryPlayerRegistry(10),
    placement,
    log: pino({ level: 'silent' }),
    snapshotEvery: 1_000_000,
  });
  await persistence.recover();
  return { engine, persistence };
}

describe('the epoch across restarts', () => {
  it('is in the snapshot, and resets replayed from the log after it count on from there', async () => {
    const shared: { records: WalRecord[]; snapshot: Snapshot | null } = { records: [], snapshot: null };
    const first = await boot(shared);
    await first.engine.reset();
    await first.engine.reset({ seed: 4 });
    await first.engine.step(3);
    await first.persistence.shutdown(); // a final snapshot
    expect(shared.snapshot!.header.world.epoch).toBe(2);
    // Through the file format too.
    expect(decodeSnapshot(encodeSnapshot(shared.snapshot!)).header.world.epoch).toBe(2);

    const second = await boot(shared);
    expect([second.engine.epoch, second.engine.generation]).toEqual([2, 3]);
    await second.engine.reset(); // logged after the snapshot; no snapshot follows
    expect(second.engine.epoch).toBe(3);

    const third = await boot(shared);
    expect([third.engine.epoch, third.engine.generation]).toEqual([3, 0]);
  });

  it('reads 0 from a snapshot written before it was kept', async () => {
    const shared: { records: WalRecord[]; snapshot: Snapshot | null } = { records: [], snapshot: null };
    const first = await boot(shared);
    await first.engine.reset();
    await first.persistence.shutdown();
    const { epoch: _dropped, ...older } = shared.snapshot!.header.world;
    shared.snapshot = { ...shared.snapshot!, header: { ...shared.snapshot!.header, world: older } };
    const second = await boot(shared);
    expect(second.engine.epoch).toBe(0);
  });
});
