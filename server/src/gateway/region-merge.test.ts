// RegionMerge on its own: the regions' summaries become the whole world's (docs/regions.md,
// "Running a split world"). The gateway's side over a real bus, with fake region sims, is
// in sim-link-regions.test.ts.
import { describe, expect, it } from 'vitest';
import { isLifeError } from '@lifemmo/shared';
import { TickKinds, type TickKind, type TickMessage, type WireTickStats } from '../wire/index.js';
import { RegionMerge } from './region-merge.js';

/** A region's summary; `over` sets anything else. */
function summary(kind: TickKind, region: number, generation: number, over: Partial<TickMessage> = {}): TickMessage {
  return {
    kind,
    simInstance: 100 + region,
    region,
    regions: 2,
    epoch: 0,
    generation,
    timestamp: 1_000 + generation,
    sentAt: 1_000 + generation,
    population: 10 * (region + 1),
    paused: false,
    tickMs: 100,
    rule: 'B3/S23',
    seed: 7,
    recordsEncoded: 0,
    revocations: 0,
    heapUsedBytes: 1_000,
    heapTotalBytes: 2_000,
    shards: [],
    watchers: [],
    stats: null,
    halos: null,
    ...over,
  };
}

function stats(generation: number, s: Partial<WireTickStats>): WireTickStats {
  return {
    generation,
    durationMs: 0,
    lagMs: 0,
    borderWaitMs: 0,
    candidates: 0,
    ioCalls: 0,
    ioFailures: 0,
    ioTimeouts: 0,
    population: 0,
    placementsApplied: 0,
    changedChunks: 0,
    activeChunks: 0,
    activeShards: 0,
    ioLatency: null,
    ...s,
  };
}

/** Two regions of two shards each (0, 1 and 2, 3), both heard at generation 0. */
function twoRegions(): RegionMerge {
  const merge = new RegionMerge([
    [0, 1],
    [2, 3],
  ]);
  expect(merge.accept(summary(TickKinds.HEARTBEAT, 0, 0), 1)).toEqual([]);
  // The second region completes the world: its point is generation 0 (a HEARTBEAT there).
  expect(merge.accept(summary(TickKinds.HEARTBEAT, 1, 0), 2).map((m) => [m.kind, m.generation])).toEqual([[TickKinds.HEARTBEAT, 0]]);
  return merge;
}

const kinds = (out: TickMessage[]) => out.map((m) => `${m.kind === TickKinds.TICK ? 'TICK' : m.kind === TickKinds.RESET ? 'RESET' : 'HEARTBEAT'} ${m.epoch}:${m.generation}`);

describe('RegionMerge', () => {
  it('passes a whole world’s summaries through unchanged', () => {
    const merge = new RegionMerge([[]]);
    const m = summary(TickKinds.TICK, 0, 5, { regions: 1, shards: [3] });
    expect(merge.accept(m, 1)).toEqual([m]);
    expect(merge.accept(m, 1)[0]).toBe(m);
    expect(merge.status()).toEqual([{ id: 0, epoch: 0, generation: 5, paused: false, lagMs: 0, heardAt: 1 }]);
  });

  it('sends a TICK of g once every region sent its own, with their shards and figures together', () => {
    const merge = twoRegions();
    // Region 1 is two generations ahead: nothing yet.
    const r1g1 = summary(TickKinds.TICK, 1, 1, { shards: [3], recordsEncoded: 2, stats: stats(1, { durationMs: 9, lagMs: 1, borderWaitMs: 7, candidates: 40, changedChunks: 2, placementsApplied: 1 }) });
    expect(merge.accept(r1g1, 10)).toEqual([]);
    expect(merge.accept(summary(TickKinds.TICK, 1, 2, { shards: [2] }), 11)).toEqual([]);
    const r0g1 = summary(TickKinds.TICK, 0, 1, { shards: [0, 1], recordsEncoded: 3, stats: stats(1, { durationMs: 4, lagMs: 6, borderWaitMs: 2, candidates: 60, changedChunks: 3, ioCalls: 5 }) });
    const out = merge.accept(r0g1, 12);
    expect(kinds(out)).toEqual(['TICK 0:1']);
    const g1 = out[0]!;
    expect(g1.shards).toEqual([0, 1, 3]);
    expect(g1.population).toBe(10 + 20);
    expect(g1.recordsEncoded).toBe(5);
    // Durations, lag and halo wait: the slowest region's; counts: summed.
    expect(g1.stats).toEqual(
      stats(1, { durationMs: 9, lagMs: 6, borderWaitMs: 7, candidates: 100, changedChunks: 5, placementsApplied: 1, ioCalls: 5, population: 30 }),
    );
    // Region 0 catches up with generation 2: region 1's TICK of 2 was kept.
    const g2 = merge.accept(summary(TickKinds.TICK, 0, 2, { shards: [] }), 13);
    expect(kinds(g2)).toEqual(['TICK 0:2']);
    expect(g2[0]!.shards).toEqual([2]);
    // Each region's lag as of its latest TICK with figures.
    expect(merge.status().map((r) => [r.id, r.generation, r.lagMs])).toEqual([
      [0, 2, 6],
      [1, 2, 1],
    ]);
  });

  it('names as watchers of a TICK the gateways every region served (a lease lapsed in one region lacks its records)', () => {
    const merge = twoRegions();
    merge.accept(summary(TickKinds.TICK, 0, 1, { watchers: ['gw-a', 'gw-b'] }), 10);
    expect(merge.accept(summary(TickKinds.TICK, 1, 1, { watchers: ['gw-b', 'gw-c'] }), 11)[0]!.watchers).toEqual(['gw-b']);
    merge.accept(summary(TickKinds.TICK, 0, 2, { watchers: ['gw-a'] }), 12);
    expect(merge.accept(summary(TickKinds.TICK, 1, 2, { watchers: [] }), 13)[0]!.watchers).toEqual([]);
    // A HEARTBEAT carries no records: it names no one.
    expect(merge.accept(summary(TickKinds.HEARTBEAT, 0, 2, { watchers: ['gw-a'] }), 14)[0]!.watchers).toEqual([]);
  });

  it('lists every shard of a region whose TICK of g was lost while it went on, as without summary', () => {
    const merge = twoRegions();
    // Region 1's TICK of 1 never came: whose leases its diffs of 1 served is unknown.
    expect(merge.accept(summary(TickKinds.TICK, 1, 2, { shards: [2], watchers: ['gw-a'] }), 10)).toEqual([]);
    const out = merge.accept(summary(TickKinds.TICK, 0, 1, { shards: [1], watchers: ['gw-a'] }), 11);
    expect(kinds(out)).toEqual(['TICK 0:1']);
    expect(out[0]!.shards).toEqual([1, 2, 3]);
    expect(out[0]!.withoutSummary).toEqual([2, 3]);
    expect(out[0]!.watchers).toEqual(['gw-a']);
    const next = merge.accept(summary(TickKinds.TICK, 0, 2, { shards: [], watchers: ['gw-a'] }), 12)[0]!;
    expect(next.shards).toEqual([2]);
    expect(next.withoutSummary).toBeUndefined();
  });

  it('sends RESET once every region reached the new epoch, then the ticks of the new one', () => {
    const merge = twoRegions();
    merge.accept(summary(TickKinds.TICK, 0, 1), 3);
    expect(kinds(merge.accept(summary(TickKinds.TICK, 1, 1), 4))).toEqual(['TICK 0:1']);
    // Region 1 resets first (empty) and ticks on in the new epoch; region 0 still at 1.
    expect(merge.accept(summary(TickKinds.RESET, 1, 0, { epoch: 1, population: 0 }), 5)).toEqual([]);
    expect(merge.accept(summary(TickKinds.TICK, 1, 1, { epoch: 1, shards: [2] }), 6)).toEqual([]);
    const out = merge.accept(summary(TickKinds.RESET, 0, 0, { epoch: 1, population: 0 }), 7);
    expect(kinds(out)).toEqual(['RESET 1:0']);
    expect(out[0]!.population).toBe(0); // empty: the gateway need not fetch anything
    expect(kinds(merge.accept(summary(TickKinds.TICK, 0, 1, { epoch: 1 }), 8))).toEqual(['TICK 1:1']);
  });

  it('a reset one region did not announce (lost RESET) makes the gateway fetch again', () => {
    const merge = twoRegions();
    merge.accept(summary(TickKinds.RESET, 0, 0, { epoch: 1, population: 0 }), 3);
    const out = merge.accept(summary(TickKinds.TICK, 1, 1, { epoch: 1, shards: [3] }), 4);
    expect(kinds(out)).toEqual(['RESET 1:0']);
    // Not an empty world as far as the gateway knows: a seeded reset's resync.
    expect(out[0]!.population).toBeGreaterThan(0);
  });

  it('HEARTBEAT at the world’s point: paused when every region is, a new instance when any region restarts', () => {
    const merge = twoRegions();
    const first = merge.accept(summary(TickKinds.HEARTBEAT, 0, 0), 3)[0]!;
    const paused0 = merge.accept(summary(TickKinds.HEARTBEAT, 0, 0, { paused: true }), 4)[0]!;
    expect(paused0.paused).toBe(false);
    const paused = merge.accept(summary(TickKinds.HEARTBEAT, 1, 0, { paused: true }), 5)[0]!;
    expect(paused.paused).toBe(true);
    expect(paused.simInstance).toBe(first.simInstance);
    expect(paused.heapUsedBytes).toBe(2_000);
    const restarted = merge.accept(summary(TickKinds.HEARTBEAT, 1, 0, { paused: true, simInstance: 555 }), 6)[0]!;
    expect(restarted.simInstance).not.toBe(first.simInstance);
    // Revocations count only at the home.
    const revoked = merge.accept(summary(TickKinds.HEARTBEAT, 1, 0, { simInstance: 555, revocations: 9 }), 7)[0]!;
    expect(revoked.revocations).toBe(0);
    expect(merge.accept(summary(TickKinds.HEARTBEAT, 0, 0, { revocations: 2 }), 8)[0]!.revocations).toBe(2);
  });

  it('refuses a summary of another layout', () => {
    const merge = twoRegions();
    let caught: unknown;
    try {
      merge.accept(summary(TickKinds.TICK, 0, 1, { regions: 3 }), 9);
    } catch (err) {
      caught = err;
    }
    expect(isLifeError(caught, 'VALIDATION')).toBe(true);
  });
});
