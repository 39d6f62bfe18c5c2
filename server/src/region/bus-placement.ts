/**
 * Placements in a world split into regions, with sims a bus apart (docs/regions.md,
 * "Placements across regions"). The home (region 0: players and budgets) takes every
 * placement batch from the gateways and places each one:
 *
 * - all its cells in the home region: as a whole world does (PlacementService.place:
 *   budget, intake, log, acknowledged once durable);
 * - otherwise across regions (`placeAcrossRegions`): the budget taken at home first, each
 *   region's part reserved, then every part committed at one generation or every part
 *   released. A region's part is made durable in its own log when committed, and its
 *   commit answered only then; the home logs the budget charged for the parts elsewhere
 *   (`charge` record) before it acknowledges. So an acknowledged placement is durable in
 *   every region it touches, and the home's budgets survive its restarts exactly.
 *
 * Between sims a part travels on `part.<region>` (wire/control.ts, PartRequest).
 */
import type { Bus, BusSubscription } from '../bus/index.js';
import type { Engine, Reservation } from '../engine/index.js';
import type { PlacementJournal, PlacementResult, PlacementService } from '../placement/placement-service.js';
import { PartRequest, PartReservation, callJson, decodeJson, encodeJson, serveRpc } from '../wire/index.js';
import type { RegionLayout } from './layout.js';
import { placeAcrossRegions, splitByRegion, type PlacementCharge, type PlacementParticipant } from './placement-across.js';

/**
 * One region's parts of placements across regions, on its own engine: reserved, then
 * committed and made durable in the region's log (a `place` record at the generation it
 * lands at), or released.
 */
export class DurablePart implements PlacementParticipant {
  readonly #engine: Engine;
  readonly #journal: PlacementJournal;
  /** Open reservations' cells and owners (for the log), with when they lapse (ms, performance.now). */
  readonly #open = new Map<number, { owner: number; cells: Array<[number, number]>; lapses: number }>();

  constructor(engine: Engine, journal: PlacementJournal) {
    this.#engine = engine;
    this.#journal = journal;
  }

  /** @throws LifeError as Engine.reserve, or STORE_FAILED while the log cannot be written */
  reserve(cells: ReadonlyArray<readonly [number, number]>, owner: number): Reservation {
    this.#forgetLapsed();
    this.#journal.assertWritable();
    const reservation = this.#engine.reserve(cells, owner);
    this.#open.set(reservation.id, { owner, cells: cells.map(([x, y]) => [x, y]), lapses: performance.now() + reservation.ttlMs });
    return reservation;
  }

  /**
   * Queue the part for `generation` and resolve once its record is durable.
   * @throws LifeError PLACEMENT_EXPIRED when the reservation is no longer open
   */
  async commit(id: number, generation: number): Promise<void> {
    const part = this.#open.get(id);
    this.#engine.commitReservation(id, generation);
    this.#open.delete(id);
    // Open in the engine means kept here (both go at the same time to live): `part` is set.
    await this.#journal.placed(part!.owner, generation, part!.cells);
  }

  release(id: number): void {
    this.#open.delete(id);
    this.#engine.releaseReservation(id);
  }

  /** Reservations whose time to live passed without a commit or release (the engine let them go). */
  #forgetLapsed(): void {
    const now = performance.now();
    for (const [id, part] of this.#open) if (part.lapses < now) this.#open.delete(id);
  }
}

/** Answer `part.<region>` requests (reserve, commit, release) for this region's `part`. */
export function servePlacementParts(bus: Bus, subject: string, part: DurablePart, onError: (err: unknown) => void): BusSubscription {
  return serveRpc(
    bus,
    subject,
    async (request) => {
      const ask = PartRequest.parse(decodeJson(request));
      switch (ask.op) {
        case 'reserve':
          return { json: part.reserve(ask.cells, ask.owner) };
        case 'commit':
          await part.commit(ask.id, ask.generation);
          return { json: {} };
        case 'release':
          part.release(ask.id);
          return { json: {} };
      }
    },
    onError,
  );
}

/** Another region's sim, reached over the bus. */
export class BusParticipant implements PlacementParticipant {
  readonly #bus: Bus;
  readonly #subject: string;
  readonly #timeoutMs: number;

  constructor(bus: Bus, subject: string, timeoutMs: number) {
    this.#bus = bus;
    this.#subject = subject;
    this.#timeoutMs = timeoutMs;
  }

  /** @throws LifeError the region's refusal, or SIM_UNAVAILABLE (nothing reserved that outlives its time to live) */
  async reserve(cells: ReadonlyArray<readonly [number, number]>, owner: number): Promise<Reservation> {
    return PartReservation.parse(await this.#ask({ op: 'reserve', owner, cells: cells.map(([x, y]) => [x, y]) }));
  }

  async commit(id: number, generation: number): Promise<void> {
    await this.#ask({ op: 'commit', id, generation });
  }

  async release(id: number): Promise<void> {
    await this.#ask({ op: 'release', id });
  }

  #ask(request: PartRequest): Promise<unknown> {
    return callJson(this.#bus, this.#subject, encodeJson(request), this.#timeoutMs);
  }
}

/** What the home places with. */
export interface HomePlacementsOptions {
  readonly layout: RegionLayout;
  /** The home's region id (0). */
  readonly home: number;
  /** The home's budgets and its placements within its own region. */
  readonly placement: PlacementService;
  /** The home's log: its charges for parts elsewhere. */
  readonly journal: PlacementJournal & { charged(owner: number, generation: number, cells: number): Promise<void> };
  /** The home's own parts of placements across regions. */
  readonly local: DurablePart;
  /** Region `id`'s sim (never the home's). */
  readonly remote: (id: number) => PlacementParticipant;
  /** Time kept in hand for commits to reach every region before a reservation lapses, ms. */
  readonly commitMarginMs: number;
}

/** The home's placements: see the module comment. */
export class HomePlacements {
  readonly #o: HomePlacementsOptions;
  readonly #regions: readonly PlacementParticipant[];
  readonly #charge: PlacementCharge;

  constructor(options: HomePlacementsOptions) {
    this.#o = options;
    this.#regions = options.layout.regions.map((r) => (r.id === options.home ? options.local : options.remote(r.id)));
    this.#charge = { take: (owner, cells) => options.placement.take(owner, cells), refund: (owner, cells) => options.placement.refund(owner, cells) };
  }

  /**
   * Place `cells` for `owner`, all at one generation in every region they touch, or none;
   * resolves once durable everywhere.
   * @throws LifeError as PlacementService.place, and PLACEMENT_EXPIRED / SIM_UNAVAILABLE
   *   when a region did not answer in time (nothing placed, the budget refunded)
   */
  async place(owner: number, cells: ReadonlyArray<readonly [number, number]>): Promise<PlacementResult> {
    const { layout, home, placement, journal } = this.#o;
    placement.assertSize(cells.length);
    const parts = cells.length === 0 ? null : splitByRegion(layout, cells);
    if (parts === null || (parts.size === 1 && parts.has(home))) return placement.place(owner, cells);
    journal.assertWritable();
    const placed = await placeAcrossRegions(layout, this.#regions, cells, owner, { budget: this.#charge, commitMarginMs: this.#o.commitMarginMs });
    // The home's own part charges itself on replay (its `place` record, appended by its
    // commit); the rest is charged here. Both are in the log now: the take is settled, and a
    // snapshot may count it (placement.unsettledTakes).
    const charged = journal.charged(owner, placed.generation, cells.length - (parts.get(home)?.cells.length ?? 0));
    placement.settle();
    await charged;
    return { accepted: placed.accepted, generation: placed.generation };
  }
}
