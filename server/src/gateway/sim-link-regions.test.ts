// A gateway's view of a world split into two regions over a real in-process bus (a
// MessageChannel), each region's sim played by a fake on the other end: SimLink merging
// their summaries, the replica feed taking each generation's diffs whatever region sent
// them and when, admin commands at one point, and the reads summed over the regions.
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameTypes, Geometry, LifeError, decodeFrame, encodeDiffChunk, encodeFrame, encodeSnapshotChunk, isLifeError, type Frame } from '@lifemmo/shared';
import { LocalBus } from '../bus/index.js';
import { createMetrics } from '../metrics/metrics.js';
import { layoutRegions } from '../region/layout.js';
import { framed } from '../sim/chunk-records.js';
import {
  AdminRequest,
  CellsRequest,
  QueryRequest,
  TickKinds,
  decodeInterest,
  decodeJson,
  encodeCellsReply,
  encodeTickMessage,
  serveRpc,
  subjectsFor,
  type AdminReply,
  type RpcBody,
  type TickKind,
  type TickMessage,
} from '../wire/index.js';
import { ChunkReplica } from './chunk-replica.js';
import { ReplicaFeed, type GatewayTick } from './replica-feed.js';
import { SimLink } from './sim-link.js';

const subjects = subjectsFor('test');
const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/**
 * A 128x64 torus of 64-cell chunks, one chunk per shard: shard (and chunk) 0 is region 0's,
 * 1 is region 1's when the world has two regions. Each fake region sim lays, at generation g,
 * a cell at index g of its chunk owned by region + 1 (a birth, no deaths).
 */
function setup(regions: 1 | 2, options: { simTimeoutMs?: number; observeHalos?: boolean; query?: (region: number, q: QueryRequest) => unknown } = {}) {
  const geometry = new Geometry({ width: 128, height: 64, topology: 'torus', shardChunks: 1 });
  const layout = layoutRegions({ kind: 'count', count: regions }, geometry);
  const { port1, port2 } = new MessageChannel();
  const simBus = new LocalBus(port1);
  const gatewayBus = new LocalBus(port2);
  const metrics = createMetrics();
  const log = pino({ level: 'silent' });
  const link = new SimLink({ bus: gatewayBus, subjects, geometry, log, metrics, simTimeoutMs: options.simTimeoutMs ?? 60_000, requestTimeoutMs: 2000, layout, observeHalos: options.observeHalos === true });
  const replica = new ChunkReplica(geometry);
  const feed = new ReplicaFeed(gatewayBus, subjects, geometry, 'gw-test', replica, log, 2000, metrics);
  const ticks: TickMessage[] = [];
  const frames: GatewayTick[] = [];
  let resyncs = 0;
  // As ws-server.ts wires them.
  link.listen({
    tick: (m) => {
      ticks.push(m);
      const frame = feed.tick(m);
      frames.push({ ...frame, records: new Map([...frame.records].map(([i, bytes]) => [i, bytes.slice()])) });
      feed.settle();
    },
    reset: () => feed.reset(),
    resync: () => {
      resyncs++;
      feed.invalidate();
    },
  });
  link.start();
  open.push({ close: () => link.stop() }, { close: () => feed.stop() }, simBus, gatewayBus);

  // Each region's own generation (what its snapshot shows) and the snapshot requests per shard.
  const generationOf = [0, 0];
  const snapshots = new Map<number, number>();
  const cellsOf = (generation: number) => Array.from({ length: generation }, (_, i) => i + 1);
  serveRpc(
    simBus,
    subjects.snapshotAll,
    (request, subject) => {
      const shard = Number(subject.split('.').at(-1));
      snapshots.set(shard, (snapshots.get(shard) ?? 0) + 1);
      const region = regions === 1 ? 0 : shard;
      const generation = generationOf[region]!;
      const records = Array.from(decodeInterest(request).chunks, (index) => {
        const cells = index === shard ? cellsOf(generationOf[shard]!) : [];
        return encodeSnapshotChunk({ cx: index, cy: 0, cells: Uint16Array.from(cells), owners: new Uint16Array(cells.length).fill(shard + 1) });
      });
      return framed({ type: FrameTypes.SNAPSHOT, generation, timestamp: Date.now() }, records, false);
    },
    () => undefined,
  );
  serveRpc(simBus, subjects.players, () => ({ json: { players: [], next: null } }), () => undefined);

  // Requests of each region, as they came.
  const adminAsked: Array<[number, AdminRequest]> = [];
  const cellsAsked: Array<[number, CellsRequest]> = [];
  const adminReply = (region: number): AdminReply => ({ generation: 20 + region, epoch: 0, paused: true, rule: 'B3/S23', seed: 7 });
  for (let r = 0; r < regions; r++) {
    serveRpc(
      simBus,
      subjects.admin(r),
      (request) => {
        const ask = AdminRequest.parse(decodeJson(request));
        adminAsked.push([r, ask]);
        return { json: adminReply(r) };
      },
      () => undefined,
    );
    // Each region's own cells: one at (64 r + 1, 2), as of the point asked (else now: generation 30 + r).
    serveRpc(
      simBus,
      subjects.cells(r),
      (request) => {
        const ask = CellsRequest.parse(decodeJson(request));
        cellsAsked.push([r, ask]);
        return encodeCellsReply({ generation: ask.at?.generation ?? 30 + r, cells: [[64 * r + 1, 2, r + 1]] });
      },
      () => undefined,
    );
    serveRpc(
      simBus,
      subjects.query(r),
      (request): RpcBody => {
        const q = QueryRequest.parse(decodeJson(request));
        // Where the region is, unless the test says: running, at 30 + r.
        const answer = options.query?.(r, q) ?? (q.op === 'point' ? { epoch: 0, generation: 30 + r, paused: false } : null);
        return { json: answer };
      },
      () => undefined,
    );
  }

  const summary = (kind: TickKind, region: number, generation: number, over: Partial<TickMessage> = {}) =>
    simBus.publish(
      subjects.tick,
      encodeTickMessage({
        kind,
        simInstance: 100 + region,
        region,
        regions,
        epoch: 0,
        generation,
        timestamp: Date.now(),
        sentAt: Date.now(),
        population: generation,
        paused: false,
        tickMs: 100,
        rule: 'B3/S23',
        seed: 7,
        recordsEncoded: 0,
        revocations: 0,
        heapUsedBytes: 0,
        heapTotalBytes: 0,
        shards: [],
        // The regions serve this gateway's lease (a TICK not naming it makes it fetch everything again).
        watchers: kind === TickKinds.TICK ? ['gw-test'] : [],
        stats: null,
        halos: null,
        ...over,
      }),
    );
  /** Region `region`'s diff of its shard at `generation`: the birth of cell `generation`. */
  const diff = (region: number, generation: number) => {
    const record = encodeDiffChunk({ cx: region, cy: 0, births: Uint16Array.of(generation), birthOwners: Uint16Array.of(region + 1), deaths: new Uint16Array(0) });
    simBus.publish(subjects.diff(region), framed({ type: FrameTypes.DIFF, generation, timestamp: Date.now() }, [record], true));
  };
  /** Region `region` steps to `generation`: its diff and TICK, unless lost on the way. */
  const step = (region: number, generation: number, lose: { diff?: boolean; tick?: boolean } = {}) => {
    generationOf[region] = generation;
    if (lose.diff !== true) diff(region, generation);
    if (lose.tick !== true) summary(TickKinds.TICK, region, generation, { shards: [region] });
  };
  /** Resolves once the bus delivered everything sent so far (a reply comes after them). */
  const settled = () => link.listPlayers(0, 1);
  /** The cells the replica keeps of chunk `index` (after its pending records). */
  const replicaCells = (index: number) => {
    const frame: Frame = decodeFrame(encodeFrame({ type: FrameTypes.SNAPSHOT, generation: 0, timestamp: 0 }, [replica.snapshotRecord(index)]));
    if (frame.type !== FrameTypes.SNAPSHOT) throw new Error('not a snapshot');
    return [...frame.chunks[0]!.cells];
  };
  return { link, feed, replica, ticks, frames, summary, step, settled, replicaCells, snapshots, adminAsked, resyncs: () => resyncs, cellsOf, cellsAsked, metrics };
}

type World = ReturnType<typeof setup>;

/** Both regions heard at generation 0 and every chunk watched and fetched. */
async function started(t: World): Promise<void> {
  t.feed.cover(0);
  t.feed.cover(1);
  await until(() => t.replica.readyAt(Uint32Array.of(0, 1), 0), 'the first snapshots');
  t.summary(TickKinds.HEARTBEAT, 0, 0);
  t.summary(TickKinds.HEARTBEAT, 1, 0);
  await until(() => t.link.up, 'both regions heard');
}

describe('SimLink and ReplicaFeed of a world split into regions', () => {
  it('sends a generation on only once every region sent it, and a region ahead keeps its diffs', async () => {
    const t = setup(2);
    await started(t);
    // Region 1 runs two generations ahead of region 0.
    t.step(1, 1);
    t.step(1, 2);
    await t.settled();
    expect(t.ticks).toEqual([]);
    t.step(0, 1);
    await until(() => t.ticks.length === 1, 'generation 1');
    expect(t.ticks[0]!.generation).toBe(1);
    expect(t.ticks[0]!.shards).toEqual([0, 1]);
    // Each region's population of generation 1 (the fakes': its generation), not region 1's latest.
    expect(t.ticks[0]!.population).toBe(1 + 1);
    // Generation 1's records of both chunks: region 1's of 1, not its later 2.
    expect([...t.frames[0]!.records.keys()].sort()).toEqual([0, 1]);
    t.step(0, 2);
    await until(() => t.ticks.length === 2, 'generation 2');
    expect([...t.frames[1]!.records.keys()].sort()).toEqual([0, 1]);
    // Nothing fetched again: every diff was there when its generation came.
    expect(t.snapshots).toEqual(
      new Map([
        [0, 1],
        [1, 1],
      ]),
    );
    expect(t.replicaCells(0)).toEqual([1, 2]);
    expect(t.replicaCells(1)).toEqual([1, 2]);
    expect(t.link.generation).toBe(2);
    expect(t.link.regionStatus().map((r) => [r.id, r.generation, r.up])).toEqual([
      [0, 2, true],
      [1, 2, true],
    ]);
  });

  it('a region’s lost summary: its generation is sent anyway, and its shards fetched again, diff or not', async () => {
    const t = setup(2);
    await started(t);
    // Region 1's TICK of 1 is lost (its diff arrived), and it goes on to 2. Whether that
    // diff covers this gateway's chunks only its summary said (a lease may have lapsed
    // there): shard 1 is fetched again, and its diff not sent on.
    t.step(1, 1, { tick: true });
    t.step(1, 2);
    t.step(0, 1);
    await until(() => t.ticks.length === 1, 'generation 1');
    expect(t.ticks[0]!.shards).toEqual([0, 1]);
    expect([...t.frames[0]!.records.keys()]).toEqual([0]);
    await until(() => t.snapshots.get(1) === 2, 'shard 1 fetched again');
    t.step(0, 2);
    await until(() => t.ticks.length === 2 && t.replica.readyAt(Uint32Array.of(0, 1), 2), 'generation 2 everywhere');
    expect(t.replicaCells(1)).toEqual(t.cellsOf(2));
    // Now its TICK and its diff of 3 are both lost: shard 1 is fetched again.
    t.step(1, 3, { tick: true, diff: true });
    t.step(1, 4);
    t.step(0, 3);
    await until(() => t.ticks.length === 3, 'generation 3');
    expect(t.ticks[2]!.shards).toEqual([0, 1]);
    expect([...t.frames[2]!.records.keys()]).toEqual([0]);
    await until(() => t.snapshots.get(1) === 3, 'shard 1 fetched again');
    t.step(0, 4);
    await until(() => t.ticks.length === 4 && t.replica.readyAt(Uint32Array.of(0, 1), 4), 'generation 4 everywhere');
    expect(t.replicaCells(1)).toEqual(t.cellsOf(4));
    expect(t.replicaCells(0)).toEqual(t.cellsOf(4));
    expect(t.snapshots.get(0)).toBe(1);
  });

  it('is down while one region is silent, even as the other keeps its heartbeats', async () => {
    const TIMEOUT_MS = 300;
    const t = setup(2, { simTimeoutMs: TIMEOUT_MS });
    const availability: boolean[] = [];
    t.link.listen({ availability: (up) => availability.push(up) });
    t.summary(TickKinds.HEARTBEAT, 0, 0);
    await t.settled();
    expect(t.link.up).toBe(false); // region 1 never heard
    t.summary(TickKinds.HEARTBEAT, 1, 0);
    await until(() => t.link.up, 'both regions heard');
    // Region 1 falls silent; region 0 goes on for several timeouts.
    const until3 = Date.now() + 3 * TIMEOUT_MS;
    while (Date.now() < until3) {
      t.summary(TickKinds.HEARTBEAT, 0, 0);
      await t.settled();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(availability).toEqual([true, false]);
    expect(t.link.regionStatus().map((r) => r.up)).toEqual([true, false]);
    t.summary(TickKinds.HEARTBEAT, 1, 0);
    await until(() => t.link.up, 'region 1 back');
    expect(availability).toEqual([true, false, true]);
  });

  it('a region whose sim restarted makes the gateway fetch everything again', async () => {
    const t = setup(2);
    await started(t);
    t.summary(TickKinds.HEARTBEAT, 1, 0, { simInstance: 999 });
    await until(() => t.resyncs() === 1, 'the resync');
    await until(() => t.snapshots.get(0) === 2 && t.snapshots.get(1) === 2, 'both shards fetched again');
  });
});

describe('halo counters from the regions\' summaries (standalone: sim threads serve no metrics)', () => {
  const halos = (n: number) => ({ sentMessages: n, sentBytes: 100 * n, receivedMessages: 2 * n, receivedBytes: 200 * n });
  const value = async (t: World, name: 'haloMessages' | 'haloBytes', direction: string) =>
    (await t.metrics[name].get()).values.find((v) => v.labels.direction === direction)?.value ?? 0;

  it('count what each region\'s totals grew by, from zero again when its sim restarted; not at all unless asked', async () => {
    const t = setup(2, { observeHalos: true });
    await started(t);
    t.summary(TickKinds.TICK, 0, 1, { halos: halos(3) });
    t.summary(TickKinds.TICK, 1, 1, { halos: halos(5) });
    t.summary(TickKinds.TICK, 0, 2, { halos: halos(4) });
    // Region 1's sim restarted: its totals start again.
    t.summary(TickKinds.TICK, 1, 2, { halos: halos(2), simInstance: 999 });
    await t.settled();
    expect(await value(t, 'haloMessages', 'sent')).toBe(4 + 5 + 2);
    expect(await value(t, 'haloMessages', 'received')).toBe(2 * (4 + 5 + 2));
    expect(await value(t, 'haloBytes', 'sent')).toBe(100 * (4 + 5 + 2));
    const cluster = setup(2);
    await started(cluster);
    cluster.summary(TickKinds.TICK, 0, 1, { halos: halos(3) });
    await cluster.settled();
    expect(await value(cluster, 'haloMessages', 'sent')).toBe(0);
  });
});

describe('requests of a world split into regions', () => {
  it('one region: the admin command as it came, to region 0 only', async () => {
    const t = setup(1);
    const reply = await t.link.admin({ op: 'pause' });
    expect(t.adminAsked).toEqual([[0, { op: 'pause' }]]);
    expect(reply.generation).toBe(20);
  });

  it('two regions: the command as it came, to the home alone, which gives it to every region (region/admin-coordinator.ts)', async () => {
    const t = setup(2);
    const reply = await t.link.admin({ op: 'step', generations: 5 });
    expect(t.adminAsked).toEqual([[0, { op: 'step', generations: 5 }]]);
    expect(reply).toMatchObject({ generation: 20, paused: true });
  });

  it('cells, density, owner cells, leaderboard and budgets summed over the regions, names from the home', async () => {
    const figures: Array<Array<[number, number, number]>> = [
      [
        [1, 7, 2],
        [2, 3, 0],
      ],
      [
        [2, 4, 1],
        [3, 9, 5],
      ],
    ];
    const asked: Array<[number, string]> = [];
    // Regions at 10 and 11: every read is asked of both at 11, the furthest.
    const at = { epoch: 0, generation: 11 };
    const t = setup(2, {
      query: (region, q) => {
        asked.push([region, q.op]);
        if (q.op !== 'point' && q.op !== 'names') expect('at' in q && q.at).toEqual(at);
        switch (q.op) {
          case 'point':
            return { epoch: 0, generation: 10 + region, paused: false };
          case 'owner-figures':
            return { generation: 11, owners: figures[region]!.filter(([id]) => q.owners === undefined || q.owners.includes(id)) };
          case 'names':
            return { players: q.ids.filter((id) => id !== 2 || region === 0).map((id) => ({ id, name: `p${id}`, color: '#00000' + id })) };
          case 'density':
            return { generation: 11, cols: 2, rows: 1, binSize: 64, bins: region === 0 ? [[0, 0, 5]] : [[0, 0, 1], [1, 0, 4]] };
          case 'owner-cells':
            return { generation: 11, owner: q.owner, population: 5 + region, chunkCount: 1, chunks: [[region, 0, 5 + region]] };
          case 'budget':
            return { available: 50, generation: 11, population: 7, births: 2 };
          default:
            return null;
        }
      },
    });
    const board = await t.link.leaderboard(2);
    // 3: 9 cells; 1 and 2 tie on 7: the lower id first.
    expect(board).toEqual({
      generation: 11,
      players: [
        { id: 3, name: 'p3', color: '#000003', population: 9, births: 5 },
        { id: 1, name: 'p1', color: '#000001', population: 7, births: 2 },
      ],
    });
    expect(asked.filter(([, op]) => op === 'names')).toEqual([[0, 'names']]);

    const density = await t.link.density(2);
    expect(density.generation).toBe(11);
    expect(density.bins.sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0, 6],
      [1, 0, 4],
    ]);

    const owned = await t.link.ownerCells(1, 1);
    expect(owned).toMatchObject({ generation: 11, population: 11, chunkCount: 2, chunks: [[1, 0, 6]] });

    const me = await t.link.budget({ id: 1, tokenHash: 'a'.repeat(64) });
    expect(me).toEqual({ available: 50, generation: 11, population: 7, births: 2 });
    const three = await t.link.budget({ id: 3, tokenHash: 'a'.repeat(64) });
    expect(three).toEqual({ available: 50, generation: 11, population: 7 + 9, births: 2 + 5 });
  });

  it('cells of a rectangle from every region at one point, the furthest region\'s generation, joined', async () => {
    const t = setup(2);
    const reply = await t.link.cells({ x: 0, y: 0, w: 128, h: 64 });
    const rect = { x: 0, y: 0, w: 128, h: 64, at: { epoch: 0, generation: 31 } };
    expect(t.cellsAsked.sort((a, b) => a[0] - b[0])).toEqual([
      [0, rect],
      [1, rect],
    ]);
    expect(reply.generation).toBe(31);
    expect(reply.cells.sort((a, b) => a[0] - b[0])).toEqual([
      [1, 2, 1],
      [65, 2, 2],
    ]);
  });

  it('reads again at a later point when a region has passed it, and gives up with 503 when the regions are not at one point', async () => {
    // Region 1 refuses the first point (its tick from 31 had begun), then is at 32.
    let refusals = 1;
    const where = [30, 31];
    const t = setup(2, {
      query: (region, q) => {
        if (q.op === 'point') return { epoch: 0, generation: where[region], paused: false };
        if (q.op !== 'density') return null;
        if (region === 1 && refusals-- > 0) {
          where[1] = 32;
          throw new LifeError('GENERATION_PASSED', 'past it');
        }
        return { generation: q.at!.generation, cols: 1, rows: 1, binSize: 64, bins: [[0, 0, 1]] };
      },
    });
    const density = await t.link.density(1);
    // The second try: the furthest region (32 now) and one generation further ahead.
    expect(density).toMatchObject({ generation: 33, bins: [[0, 0, 2]] });
    // Region 0 paused behind region 1 (a pause at a point half done, or a world left split): no point to read at.
    const split = setup(2, { query: (region, q) => (q.op === 'point' ? { epoch: 0, generation: 40 + region, paused: region === 0 } : null) });
    const refused = await split.link.cells({ x: 0, y: 0, w: 8, h: 8 }).catch((err: unknown) => err);
    expect(isLifeError(refused, 'SIM_UNAVAILABLE')).toBe(true);
    expect(split.cellsAsked).toEqual([]);
  });
});
