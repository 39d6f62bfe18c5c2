/**
 * Admin commands of a split world as one region's sim runs them (docs/regions.md, "Admin at
 * generation g"): its holds (AdminHolds, every region), the home's coordinator
 * (AdminCoordinator, region 0), both reached through the `admin.<region>` subject and both
 * replayed from the region's log. Built before the log is recovered. A whole world's sim
 * has one too: it answers holds a caller gives it at a point, and lets an undecided one go
 * when its own coordinator, which never decided it, says "abort".
 */
import type { Logger } from 'pino';
import { LifeError } from '@lifemmo/shared';
import type { Bus } from '../bus/index.js';
import type { Engine, HeldPoint, WorldPoint } from '../engine/index.js';
import type { AdminReplay } from '../store/persistence.js';
import { AdminOutcomeReply, callJson, encodeJson, type AdminCommand, type AdminReply, type AdminRequest, type Subjects } from '../wire/index.js';
import { AdminCoordinator, type AdminDecisionJournal, type AdminRegion } from './admin-coordinator.js';
import { AdminHolds, type HoldJournal } from './admin-holds.js';
import type { RegionPoint } from './command-point.js';

/** What a region's admin is made of. */
export interface RegionAdminOptions {
  readonly engine: Engine;
  /** Every region's id (one for a whole world). */
  readonly regions: readonly number[];
  readonly regionId: number;
  /** The region's log, where its holds and (the home's) decisions replay to. */
  readonly journal: HoldJournal & AdminDecisionJournal & { setAdmin(replay: AdminReplay): void };
  /** The bus to the other regions' sims (null: a whole world). */
  readonly peers: Bus | null;
  readonly subjects: Subjects;
  /** A request to another sim fails after this long, ms. */
  readonly timeoutMs: number;
  /** A hold that hears nothing asks the home after this long, ms. */
  readonly askAfterMs: number;
  /** A decided commit not answered is delivered again after this long, ms. */
  readonly retryMs: number;
  readonly tickMs: number;
  /** This sim: apply a held command at its point, apply one now, and say where the world is. */
  readonly sim: {
    apply(point: HeldPoint, command: AdminCommand): Promise<void>;
    now(command: AdminCommand): Promise<AdminReply>;
    state(): AdminReply;
    point(): RegionPoint;
  };
  readonly log: Logger;
}

/** See the module comment. */
export class RegionAdmin {
  readonly holds: AdminHolds;
  /** The home's (region 0); null elsewhere. */
  readonly coordinator: AdminCoordinator | null;
  readonly #o: RegionAdminOptions;

  constructor(o: RegionAdminOptions) {
    this.#o = o;
    const home = o.regionId === 0;
    this.holds = new AdminHolds({
      engine: o.engine,
      journal: o.journal,
      apply: (point, command) => o.sim.apply(point, command),
      // The home asks itself; another region asks the home over the sims' bus.
      askOutcome: async (tx) =>
        home ? this.coordinator!.outcome(tx) : AdminOutcomeReply.parse(await this.#ask(0, { op: 'outcome', tx }, o.timeoutMs)).outcome,
      askAfterMs: o.askAfterMs,
      log: o.log,
    });
    this.coordinator = home
      ? new AdminCoordinator({
          regions: o.regions,
          region: (id) => (id === o.regionId ? this.#local() : this.#remote(id)),
          journal: o.journal,
          tickMs: o.tickMs,
          retryMs: o.retryMs,
          log: o.log,
        })
      : null;
    o.journal.setAdmin(this.#replay());
  }

  /**
   * A request on this region's `admin.<region>` subject other than a command now: a phase
   * (`hold`, `decide`) from the home, `outcome` to the home, or (the home of a split world)
   * a gateway's command for every region. Null: not one of these (a command for this sim alone).
   */
  async handle(request: AdminRequest, waitMs: number): Promise<AdminReply | AdminOutcomeReply | null> {
    const { holds, coordinator } = this;
    switch (request.op) {
      case 'decide':
        await holds.decide(request.tx, request.commit);
        return this.#o.sim.state();
      case 'outcome':
        return { outcome: coordinator === null ? 'abort' : await coordinator.outcome(request.tx) };
      default:
        if (request.hold !== undefined) {
          if (request.at === undefined) throw new LifeError('VALIDATION', 'A held admin command needs its point (at)');
          await holds.hold(request.hold, request.at, request);
          return this.#o.sim.state();
        }
        if (request.at === undefined && coordinator !== null && this.#o.regions.length > 1) {
          return coordinator.command(request, waitMs);
        }
        return null;
    }
  }

  /** After recovery, before the loop starts: holds the log left open held again, decided commands delivered again. */
  async resume(): Promise<void> {
    await this.holds.resume();
    this.coordinator?.resume(this.#o.timeoutMs);
  }

  stop(): void {
    this.coordinator?.stop();
    this.holds.stop();
  }

  /** The home's own region, as its coordinator reaches it. */
  #local(): AdminRegion {
    const { holds } = this;
    const sim = this.#o.sim;
    return {
      point: async () => sim.point(),
      hold: (tx, at, command) => holds.hold(tx, at, command),
      decide: async (tx, commit) => {
        await holds.decide(tx, commit);
        return sim.state();
      },
      now: (command) => sim.now(command),
    };
  }

  /** Region `id`'s sim over the sims' bus. */
  #remote(id: number): AdminRegion {
    const timeout = this.#o.timeoutMs;
    return {
      point: async () => (await callJson(this.#o.peers!, this.#o.subjects.query(id), encodeJson({ op: 'point' }), timeout)) as RegionPoint,
      hold: async (tx, at: WorldPoint, command) => {
        await this.#ask(id, { ...command, at, hold: tx }, timeout);
      },
      decide: async (tx, commit, waitMs) => (await this.#ask(id, { op: 'decide', tx, commit }, commit ? waitMs : timeout)) as AdminReply,
      now: async (command) => (await this.#ask(id, command, timeout)) as AdminReply,
    };
  }

  #ask(id: number, request: AdminRequest, timeoutMs: number): Promise<unknown> {
    return callJson(this.#o.peers!, this.#o.subjects.admin(id), encodeJson(request), timeoutMs);
  }

  #replay(): AdminReplay {
    const { holds, coordinator } = this;
    return {
      replayHeld: (tx, at, command) => holds.replayHeld(tx, at, command),
      replayEnded: (tx, applied) => holds.replayEnded(tx, applied),
      replayDecided: (tx) => coordinator?.replayDecided(tx),
      replayDone: (tx) => coordinator?.replayDone(tx),
      get inFlight() {
        return holds.size > 0 || (coordinator?.inFlight ?? 0) > 0;
      },
    };
  }
}
