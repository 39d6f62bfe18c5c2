/**
 * Persistence: ties the store to the running server. It makes every acknowledged fact
 * durable before the acknowledgement (players, placements, resets), marks every tick in
 * the log, writes a snapshot every N generations and at shutdown, and at start-up rebuilds
 * the world from the newest good snapshot and the log after it.
 *
 * Recovery replays the log in order: a player record restores the player (a removal
 * removes it, a ban bans it); a placement is
 * re-queued when the world reaches the generation before the one it was acknowledged
 * for, so it lands exactly there; a tick record steps the world to its generation; a
 * reset resets (and plants the seeding it names, drawn from its seed); a pause record says whether the tick loop is to run once started. Stepping uses the engine's replay mode (the same outcomes as the
 * simulated I/O, without waiting), so the rebuilt world is the one that was running.
 *
 * A region (docs/regions.md, "Durability of a region") logs one more thing, the halos of
 * its neighbours each tick read (`border` records), so its log replays without them; and
 * its tick records are made durable in the tick itself, because the region sends its halo
 * of a generation, which its neighbours build on, only once that generation is durable.
 */
import type { Logger } from 'pino';
import { LifeError, parseRule } from '@lifemmo/shared';
import type { Engine, TickResult } from '../engine/index.js';
import type { PlacementJournal, PlacementService } from '../placement/placement-service.js';
import type { Player, PlayerRegistry } from '../players/player-registry.js';
import type { WalRecord } from './records.js';
import type { Snapshot } from './snapshot-codec.js';
import type { Store } from './store.js';

/**
 * A region's side of its log (docs/regions.md, "Durability of a region"): the borders its
 * ticks read come back to it on replay, and it hears when a tick is durable, so it sends
 * that generation's halo only then.
 */
export interface RegionLog {
  /**
   * A logged border met while replaying: the encoded halos (wire/halo-message.ts) the
   * tick from `generation` read, in the epoch the world is at this point of the log.
   */
  replayBorder(generation: number, halos: readonly Uint8Array[]): void;
  /** The tick to `generation` is on stable storage: its record and every record before it. */
  tickDurable(generation: number): void;
  /** The region's own encoded halo of `generation` (current epoch) if it still keeps it, else null. */
  haloOf(generation: number): Uint8Array | null;
  /** Its own halo, logged with a snapshot, met while replaying: kept to answer neighbours with. */
  replayHalo(halo: Uint8Array): void;
}

/**
 * A split world's placement transactions (docs/regions.md, "Placements across regions"):
 * their records come back to their keepers on replay (region/prepared-parts.ts, every
 * region; region/placement-coordinator.ts, the home).
 */
export interface TransactionReplay {
  /** A `prepare` record: part `tx` reserved again, from `generation`. */
  replayPrepared(tx: string, owner: number, generation: number, cells: ReadonlyArray<readonly [number, number]>): void;
  /** A `place` record of part `tx`: committed at `generation`; false when no such part is open. */
  replayCommitted(tx: string, generation: number): boolean;
  /** An `abort` record of part `tx`. */
  replayAborted(tx: string): void;
  /** A `decide` record (the home's). */
  replayDecided(tx: string, generation: number, regions: readonly number[]): void;
  /** A `done` record (the home's). */
  replayDone(tx: string): void;
  /** Parts prepared and not ended, or decisions not done: a snapshot now would not hold them. */
  readonly inFlight: boolean;
}

/**
 * A split world's admin transactions (docs/regions.md, "Admin at generation g"): their
 * records come back to their keepers on replay (region/admin-holds.ts, every region;
 * region/admin-coordinator.ts, the home).
 */
export interface AdminReplay {
  /** An `admin-hold` record: `command` (unchecked, as logged) held at `at` for `tx`. */
  replayHeld(tx: string, at: { readonly epoch: number; readonly generation: number }, command: unknown): void;
  /** An `admin-end` record: applied, or let go. */
  replayEnded(tx: string, applied: boolean): void;
  /** An `admin-decide` record (the home's). */
  replayDecided(tx: string): void;
  /** An `admin-done` record (the home's). */
  replayDone(tx: string): void;
  /** Holds not ended, or decisions not done: a snapshot now would not hold them. */
  readonly inFlight: boolean;
}

/** What Persistence works with. */
export interface PersistenceParts {
  readonly store: Store;
  readonly engine: Engine;
  readonly players: PlayerRegistry;
  readonly placement: PlacementService;
  readonly log: Logger;
  /** A snapshot every this many generations. */
  readonly snapshotEvery: number;
  /**
   * Set when the engine steps a region: each tick's record is made durable in the tick's
   * persist step (an fdatasync a generation, not one a group commit), then
   * `region.tickDurable` is told; logged borders are replayed to it.
   */
  readonly region?: RegionLog;
}

/** What recovery found and did. */
export interface RecoveryReport {
  readonly snapshotGeneration: number | null;
  readonly replayedRecords: number;
  readonly generation: number;
  readonly players: number;
  /** An admin paused the world (the last pause or resume, logged or in the snapshot). */
  readonly paused: boolean;
  readonly warnings: readonly string[];
}

/** See the module comment. */
export class Persistence implements PlacementJournal {
  private readonly parts: PersistenceParts;
  private snapshotInFlight: Promise<void> | null = null;
  /** A snapshot was due but could not be taken (`snapshotMustWait`): take it at the next tick that can. */
  private snapshotOwed = false;
  private unsubscribe: Array<() => void> = [];
  private transactions: TransactionReplay | null = null;
  private admin: AdminReplay | null = null;

  constructor(parts: PersistenceParts) {
    this.parts = parts;
  }

  /**
   * Open the store and rebuild the world, players and budgets from it. Call before the
   * tick loop starts. Then hooks itself in: placements, resets and ticks are logged.
   */
  async recover(): Promise<RecoveryReport> {
    const { store, engine, players, placement, log } = this.parts;
    const state = await store.open();
    for (const warning of state.warnings) log.warn({ warning }, 'store damage found; using the previous good state');

    if (state.snapshot !== null) await this.restoreSnapshot(state.snapshot);
    let paused = state.snapshot?.header.world.paused ?? false;
    await engine.replay(async () => {
      let lastPlacement = 0;
      for (const record of state.records) {
        await this.replayRecord(record);
        if (record.t === 'place') lastPlacement = Math.max(lastPlacement, record.generation);
        if (record.t === 'pause') paused = record.paused;
      }
      // Land the last acknowledged placements before serving. Not a region's: its later
      // parts are held for their generation, and a tick past its log needs live halos.
      if (this.parts.region === undefined && engine.generation < lastPlacement) await engine.step(lastPlacement - engine.generation);
    });

    placement.setJournal(this);
    this.unsubscribe.push(
      engine.onReset((seeding) => {
        // Inside the tick queue: the record's place in the log matches the reset's place in time.
        // A seeded reset records its recipe, not its cells: the same recipe and seed plant the same cells.
        this.appendLogged({ t: 'reset', rule: engine.rule.text, seed: engine.seed, ...(seeding !== null && { seeding }) }, true);
      }),
    );
    engine.setPersistHook((result) => this.afterTick(result));
    this.unsubscribe.push(
      store.onFailureChange((failure) => {
        if (failure !== null) {
          log.error({ err: failure }, 'the log cannot be written: changes are refused with LIFE_ERR_STORE_FAILED until it can; the world goes on, retrying');
        } else {
          log.warn('the log is written again: changes are accepted');
        }
      }),
    );

    const report: RecoveryReport = {
      snapshotGeneration: state.snapshot?.header.world.generation ?? null,
      replayedRecords: state.records.length,
      generation: engine.generation,
      players: players.size,
      paused,
      warnings: state.warnings,
    };
    log.info(report, 'world recovered from storage');
    return report;
  }

  /**
   * PlacementJournal, and before any other change: refuse it while the log cannot be
   * written, before the world is touched.
   * @throws LifeError LIFE_ERR_STORE_FAILED
   */
  assertWritable(): void {
    const failure = this.parts.store.failure;
    if (failure !== null) throw failure;
  }

  /** Where a split world's placement transactions replay to (set before `recover`). */
  setTransactions(transactions: TransactionReplay): void {
    this.transactions = transactions;
  }

  /** Where a split world's admin transactions replay to (set before `recover`). */
  setAdmin(admin: AdminReplay): void {
    this.admin = admin;
  }

  /** HoldJournal: this region holds the world at `at` for admin transaction `tx`; durable before it says so. */
  held(tx: string, at: { readonly epoch: number; readonly generation: number }, command: { readonly op: string }): Promise<void> {
    return this.parts.store.append({ t: 'admin-hold', tx, epoch: at.epoch, generation: at.generation, command: { ...command } }, true);
  }

  /** HoldJournal: the command held for `tx` applied (its own records written first), or let go. */
  holdEnded(tx: string, applied: boolean): void {
    this.appendLogged({ t: 'admin-end', tx, applied }, false);
  }

  /** AdminDecisionJournal: the home decided to apply admin transaction `tx` in every region; durable before any is told. */
  adminDecided(tx: string): Promise<void> {
    return this.parts.store.append({ t: 'admin-decide', tx }, true);
  }

  /** AdminDecisionJournal: every region applied `tx`. */
  adminDone(tx: string): void {
    this.appendLogged({ t: 'admin-done', tx }, false);
  }

  /**
   * PlacementJournal: durable before the placement is acknowledged. With `tx`: a region's
   * part of that placement transaction, committed (PartJournal).
   */
  placed(owner: number, generation: number, cells: ReadonlyArray<readonly [number, number]>, tx?: string): Promise<void> {
    return this.parts.store.append({ t: 'place', owner, generation, cells: cellList(cells), ...(tx !== undefined && { tx }) }, true);
  }

  /** PartJournal: a region's part of transaction `tx` prepared; durable before its vote. */
  prepared(tx: string, owner: number, generation: number, cells: ReadonlyArray<readonly [number, number]>): Promise<void> {
    return this.parts.store.append({ t: 'prepare', tx, owner, generation, cells: cellList(cells) }, true);
  }

  /** PartJournal: a region's part of transaction `tx` let go. */
  aborted(tx: string): void {
    this.appendLogged({ t: 'abort', tx }, false);
  }

  /**
   * DecisionJournal: the home decided transaction `tx` (charging `owner` the placement's
   * `cells`); durable before the placement is acknowledged, so a restarted home's budgets
   * are exact and its parts can still ask.
   */
  decided(tx: string, owner: number, generation: number, cells: number, regions: readonly number[]): Promise<void> {
    return this.parts.store.append({ t: 'decide', tx, owner, generation, cells, regions: [...regions] }, true);
  }

  /** DecisionJournal: every part of `tx` has its commit. */
  done(tx: string): void {
    this.appendLogged({ t: 'done', tx }, false);
  }

  /** A new player, created at `at` (ms since the epoch): durable before its token is handed out. */
  playerCreated(player: Player, at: number): Promise<void> {
    return this.parts.store.append({ t: 'player', id: player.id, name: player.name, color: player.color, tokenHash: player.tokenHash, at }, true);
  }

  /**
   * Players removed (deleted by the admin, or reclaimed idle): recorded in this order now,
   * durable when the promise resolves, before the removal is acknowledged or an id given again.
   */
  playersRemoved(ids: readonly number[], reason: 'deleted' | 'reclaimed'): Promise<void> {
    const { store } = this.parts;
    const written = ids.map((id, i) => store.append({ t: 'player-removed', id, reason }, i === ids.length - 1));
    return Promise.all(written).then(() => undefined);
  }

  /** A player banned: durable before the ban is acknowledged. */
  playerBanned(id: number): Promise<void> {
    return this.parts.store.append({ t: 'player-banned', id }, true);
  }

  /**
   * An admin paused or resumed the world: durable before the reply. Logged between ticks
   * (after the one in progress), so a restart stops at the generation the admin saw.
   */
  async pausedChanged(paused: boolean): Promise<void> {
    const { engine, store } = this.parts;
    const written = await engine.whileIdle(() => ({ durable: store.append({ t: 'pause', paused }, true) }));
    await written.durable;
  }

  /**
   * A region's tick from `generation` read these halos (encoded): logged now, durable with
   * that tick's own record, which follows it.
   */
  border(generation: number, halos: readonly Uint8Array[]): void {
    this.appendLogged({ t: 'border', generation, halos: halos.map((h) => Buffer.from(h).toString('base64')) }, false);
  }

  /** Everything appended so far is durable (an admin reset's record, for one). */
  sync(): Promise<void> {
    return this.parts.store.sync();
  }

  /** After the engine stopped: a final snapshot, then close the store. */
  async shutdown(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.parts.engine.setPersistHook(null);
    await this.snapshotInFlight;
    // Cells held for a later generation, or budgets taken for a placement not yet in the log:
    // no final snapshot, which would not be what the log says (the previous snapshot and the
    // log rebuild everything).
    if (this.snapshotMustWait()) {
      this.parts.log.warn('placements held for a later generation or not yet logged: no final snapshot; the log keeps them');
      await this.parts.store.close();
      return;
    }
    const snapshot = this.capture();
    // A region's halo of the generation before goes with its final snapshot too (afterTick).
    if (this.logPreviousHalo(snapshot.header.world.generation)) await this.parts.store.sync();
    await this.parts.store.writeSnapshot(snapshot);
    await this.parts.store.close();
  }

  /**
   * A region's own halo of the generation before a snapshot of `generation`, logged after the
   * snapshot's records: restarted from the snapshot, the region can still answer a
   * neighbour one generation behind. True when one was logged (not yet durable).
   */
  private logPreviousHalo(generation: number): boolean {
    const previous = this.parts.region?.haloOf(generation - 1) ?? null;
    if (previous === null) return false;
    this.appendLogged({ t: 'halo', generation: generation - 1, halo: Buffer.from(previous).toString('base64') }, false);
    return true;
  }

  /** The persist step of a tick: mark the generation; every N generations, a snapshot. */
  private async afterTick(result: TickResult): Promise<void> {
    const { store, region, log } = this.parts;
    // A region's tick is durable before its halo leaves (its neighbours build on it); a
    // whole world's is made durable by the next group commit.
    const written = store.append({ t: 'tick', generation: result.generation }, region !== undefined);
    if (region === undefined) written.catch((err: unknown) => log.error({ err }, 'could not write the log'));
    const due = result.generation % this.parts.snapshotEvery === 0 || this.snapshotOwed;
    this.snapshotOwed = due && this.snapshotMustWait();
    if (due && !this.snapshotOwed && this.snapshotInFlight === null) {
      // Captured now, inside the tick, so it is consistent; written while the world goes on.
      const snapshot = this.capture();
      // A region restarted from this snapshot has no halo of the generation before it, which a
      // neighbour one behind may still ask for: logged after the snapshot's records, in the
      // same flush as this tick's, and the snapshot is written only once they are durable.
      this.logPreviousHalo(result.generation);
      const ready = region === undefined ? Promise.resolve() : written;
      this.snapshotInFlight = ready
        .then(() => store.writeSnapshot(snapshot))
        .catch((err: unknown) => this.parts.log.error({ err }, 'snapshot failed; the log still holds everything'))
        .finally(() => (this.snapshotInFlight = null));
    }
    if (region !== undefined) {
      // Refused while the log cannot be written: the tick fails, the halo stays home, and
      // the region's neighbours wait (RegionEngine retries the sync before its next tick).
      await written;
      region.tickDurable(result.generation);
    }
  }

  /**
   * A snapshot now would not be what the log says, and the records before a snapshot are not
   * replayed: cells held for a later generation (a placement across regions) are not in a
   * snapshot; budgets the home took for a placement across regions whose `decide` record is
   * not yet durable would be counted twice, by the snapshot and by that record's replay; and
   * transactions in flight (parts prepared, decisions not done; admin commands held, or
   * decided and not applied everywhere) are in no snapshot. All last a placement's or an
   * admin command's round trips (a generation or two), or a region's outage.
   */
  private snapshotMustWait(): boolean {
    return this.parts.engine.holdsLaterPlacements || this.parts.placement.unsettledTakes > 0 || this.transactions?.inFlight === true || this.admin?.inFlight === true;
  }

  private appendLogged(entry: Parameters<Store['append']>[0], durable: boolean): void {
    this.parts.store.append(entry, durable).catch((err: unknown) => this.parts.log.error({ err }, 'could not write the log'));
  }

  /** The whole state as a snapshot. Synchronous, so nothing changes while it is taken. */
  private capture(): Snapshot {
    const { engine, players, placement, store } = this.parts;
    const saved = engine.save();
    const g = engine.geometry;
    return {
      header: {
        lsn: store.lastLsn,
        createdAt: new Date().toISOString(),
        world: {
          generation: saved.generation,
          rule: saved.rule.text,
          seed: saved.seed,
          width: g.width,
          height: g.height,
          topology: g.topology,
          paused: engine.paused,
          epoch: engine.epoch,
        },
        pending: saved.pending.map(([key, owner]) => [key, owner] as [number, number]),
        players: players.list().map((p) => ({ ...p, seenAt: players.seenAt(p.id) ?? 0 })),
        playerIdsGiven: players.idsGiven,
        budgets: placement.saveBudgets().map((b) => ({ ...b })),
      },
      chunks: saved.chunks,
    };
  }

  private async restoreSnapshot(snapshot: Snapshot): Promise<void> {
    const { engine, players, placement } = this.parts;
    const { world } = snapshot.header;
    const g = engine.geometry;
    if (world.width !== g.width || world.height !== g.height || world.topology !== g.topology) {
      throw new LifeError(
        'CONFIG_INVALID',
        `The stored world is ${world.width}x${world.height} ${world.topology}, but the configuration says ${g.width}x${g.height} ${g.topology}: ` +
          'set WORLD_WIDTH, WORLD_HEIGHT and WORLD_TOPOLOGY to match, or use another DATA_DIR',
      );
    }
    await engine.restore({
      generation: world.generation,
      epoch: world.epoch ?? 0,
      rule: parseRule(world.rule),
      seed: world.seed,
      chunks: snapshot.chunks,
      pending: snapshot.header.pending,
    });
    // Older snapshots have no last-seen times: count those players as seen now, so none
    // is reclaimed sooner than PLAYER_IDLE_MS after the upgrade.
    const now = Date.now();
    for (const p of snapshot.header.players) players.restore({ ...p, banned: p.banned ?? false }, p.seenAt ?? now);
    players.noteIdsGiven(snapshot.header.playerIdsGiven ?? 0);
    placement.restoreBudgets(snapshot.header.budgets);
  }

  private async replayRecord(record: WalRecord): Promise<void> {
    const { engine, players, placement, log } = this.parts;
    switch (record.t) {
      case 'player':
        players.restore({ id: record.id, name: record.name, color: record.color, tokenHash: record.tokenHash, banned: false }, record.at ?? Date.now());
        return;
      case 'player-removed':
        players.remove(record.id);
        placement.dropBudget(record.id);
        return;
      case 'player-banned':
        players.ban(record.id);
        return;
      case 'tick':
        if (engine.generation < record.generation) await engine.step(record.generation - engine.generation);
        return;
      case 'reset':
        await engine.reset({ rule: parseRule(record.rule), seed: record.seed, ...(record.seeding !== undefined && { seeding: record.seeding }) });
        return;
      case 'pause':
        // Applied when the loop starts (RecoveryReport.paused).
        return;
      case 'border':
        this.parts.region?.replayBorder(record.generation, record.halos.map((h) => new Uint8Array(Buffer.from(h, 'base64'))));
        return;
      case 'halo':
        this.parts.region?.replayHalo(new Uint8Array(Buffer.from(record.halo, 'base64')));
        return;
      case 'decide':
        this.transactions?.replayDecided(record.tx, record.generation, record.regions);
        // Charged where the log has it, without stepping: the home took it at about this
        // generation, and a region steps only with the borders its log holds further on.
        placement.chargeReplayed(record.owner, record.cells, engine.generation);
        return;
      case 'charge':
        placement.chargeReplayed(record.owner, record.cells, engine.generation);
        return;
      case 'done':
        this.transactions?.replayDone(record.tx);
        return;
      case 'admin-hold':
        this.admin?.replayHeld(record.tx, { epoch: record.epoch, generation: record.generation }, record.command);
        return;
      case 'admin-end':
        this.admin?.replayEnded(record.tx, record.applied);
        return;
      case 'admin-decide':
        this.admin?.replayDecided(record.tx);
        return;
      case 'admin-done':
        this.admin?.replayDone(record.tx);
        return;
      case 'prepare':
        this.transactions?.replayPrepared(record.tx, record.owner, record.generation, record.cells);
        return;
      case 'abort':
        this.transactions?.replayAborted(record.tx);
        return;
      case 'place': {
        // A part of a transaction: charged by the home's `decide` record.
        if (record.tx !== undefined && this.transactions?.replayCommitted(record.tx, record.generation) === true) return;
        // A region's part of a placement across regions may be for a later generation than
        // its next (it was behind the others when it committed): held for that generation,
        // as it was then, and not stepped to, since the ticks before it read borders the log
        // holds further on (stepping now would wait for neighbours' halos long gone).
        const later = engine.generation < record.generation - 1;
        const held = later && this.parts.region !== undefined;
        // A whole world's: queued while the world is one generation before it, so it lands at record.generation.
        if (later && !held) await engine.step(record.generation - 1 - engine.generation);
        try {
          if (held) engine.commitReservation(engine.reserve(record.cells, record.owner).id, record.generation);
          else engine.place(record.cells, record.owner);
          placement.chargeReplayed(record.owner, record.cells.length, engine.generation);
          // The record has no time: it was at least as late as anything before it; count it as now.
          players.touch(record.owner, Date.now());
        } catch (err) {
          log.error({ err, lsn: record.lsn }, 'a logged placement no longer fits the replayed world; skipped');
        }
        return;
      }
    }
  }
}

/** Cells as the log holds them. */
function cellList(cells: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  return cells.map(([x, y]) => [x, y]);
}
