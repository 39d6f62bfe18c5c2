/**
 * A region with durability of its own (docs/regions.md, "Durability of a region"): a
 * RegionEngine with its placements, players and a Persistence over its own directory,
 * `region-<id>/` under the data directory. The same store, log, snapshots and recovery as
 * a whole world's (store/), with two additions Persistence makes for a region: the border
 * each tick read is logged with it, and each tick is durable before the region's halo of
 * it leaves.
 *
 * Restarted from its directory (after kill -9: no final snapshot), a region recovers to its
 * last durable generation with its epoch: snapshot, then the log replayed, each tick with
 * the border it logged; a tick after the last logged border (landing the last acknowledged
 * placements) waits for its neighbours' halos like any tick. Then it starts, asks its
 * neighbours for their halos at once (its previous life had what they sent), and they,
 * waiting for it meanwhile (lock-step), answer from the halos they keep.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EngineOptions } from '../engine/index.js';
import { PlacementService } from '../placement/placement-service.js';
import type { BudgetOptions } from '../players/budget.js';
import { MemoryPlayerRegistry } from '../players/player-registry.js';
import { FileStore } from '../store/file-store.js';
import { Persistence, type RecoveryReport } from '../store/persistence.js';
import type { HaloLink } from './halo-inbox.js';
import type { RegionLayout } from './layout.js';
import { RegionEngine } from './region-engine.js';

/** The directory of region `regionId` under a data directory. */
export function regionDir(dataDir: string, regionId: number): string {
  return join(dataDir, `region-${regionId}`);
}

/** What a DurableRegion is made of. */
export interface DurableRegionOptions {
  /** The whole world's engine options (the region's engine keeps the world's geometry). */
  readonly world: Omit<EngineOptions, 'area'>;
  readonly layout: RegionLayout;
  readonly regionId: number;
  readonly link: HaloLink;
  /** The region's own directory (`regionDir`): one region per directory, locked while open. */
  readonly dir: string;
  readonly log: Logger;
  /** A snapshot every this many generations. */
  readonly snapshotEvery: number;
  /** Snapshots kept (default 3). */
  readonly keepSnapshots?: number;
  readonly budget: BudgetOptions;
  readonly maxCellsPerRequest: number;
  /** Highest player id (default: the registry's). */
  readonly maxPlayers?: number;
  /** RegionEngine's resendMs. */
  readonly resendMs?: number;
}

/** One region, durable in its own directory; see the module comment. */
export class DurableRegion {
  readonly region: RegionEngine;
  readonly store: FileStore;
  readonly players: MemoryPlayerRegistry;
  readonly placement: PlacementService;
  readonly persistence: Persistence;
  #recovered: RecoveryReport | null = null;

  constructor(options: DurableRegionOptions) {
    this.store = new FileStore(options.dir, { keepSnapshots: options.keepSnapshots ?? 3 });
    // The region and its Persistence refer to each other: the journal reaches it once built.
    const journal = {
      border: (generation: number, halos: readonly Uint8Array[]) => this.persistence.border(generation, halos),
      sync: () => this.persistence.sync(),
    };
    this.region = new RegionEngine(options.world, options.layout, options.regionId, options.link, {
      journal,
      ...(options.resendMs !== undefined && { resendMs: options.resendMs }),
    });
    this.players = new MemoryPlayerRegistry(options.maxPlayers);
    this.placement = new PlacementService(this.region.engine, { budget: options.budget, maxCellsPerRequest: options.maxCellsPerRequest });
    this.persistence = new Persistence({
      store: this.store,
      engine: this.region.engine,
      players: this.players,
      placement: this.placement,
      log: options.log.child({ region: options.regionId }),
      snapshotEvery: options.snapshotEvery,
      region: this.region,
    });
  }

  get engine(): RegionEngine['engine'] {
    return this.region.engine;
  }

  /**
   * Open the directory and rebuild the region from it (nothing there: an empty region at
   * generation 0). Call once, before `start`; its neighbours' links must be up, since a
   * tick past the log's last border waits for their halos.
   * @throws LifeError VALIDATION when the directory is another region's (its snapshot's
   * cells or its log's borders), STORE_LOCKED when another store has it open.
   */
  async recover(): Promise<RecoveryReport> {
    this.#recovered = await this.persistence.recover();
    return this.#recovered;
  }

  /** Start ticking, or stay paused if an admin's pause was recovered. */
  start(): void {
    this.engine.start();
    // Nothing ticks between these two lines.
    if (this.#recovered?.paused === true) this.engine.pause();
  }

  /** Stop ticking, write a final snapshot, close the store. */
  async close(): Promise<void> {
    await this.engine.stop();
    await this.persistence.shutdown();
  }
}
