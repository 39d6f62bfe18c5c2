// The bus messages between sims and gateways: every codec round-trips, and a payload of
// another wire version or cut short is refused with a LifeError, never misread.
import { describe, expect, it } from 'vitest';
import { LifeError, isLifeError } from '@lifemmo/shared';
import {
  ByteWriter,
  TickKinds,
  WIRE_VERSION,
  decodeCellsReply,
  decodeInterest,
  decodeJson,
  decodePlaceBatch,
  decodePlaceOutcomes,
  decodeTickMessage,
  encodeCellsReply,
  encodeInterest,
  encodeJson,
  encodePlaceBatch,
  encodePlaceOutcomes,
  encodeTickMessage,
  subjectsFor,
  type TickMessage,
} from './index.js';

const tick: TickMessage = {
  kind: TickKinds.TICK,
  simInstance: 123456789,
  region: 0,
  regions: 1,
  epoch: 3,
  generation: 4_000_000_000,
  timestamp: 1_796_000_000_123.5,
  sentAt: 1_796_000_000_125.25,
  population: 123456,
  paused: false,
  tickMs: 100,
  rule: 'B36/S23',
  seed: 0xffff_ffff,
  recordsEncoded: 77,
  revocations: 0xffff_fffe,
  heapUsedBytes: 123_456_789,
  heapTotalBytes: 234_567_890,
  shards: [0, 5, 63],
  watchers: ['gw-0123456789ab', 'gw-ba9876543210'],
  stats: {
    generation: 4_000_000_000,
    durationMs: 12.5,
    lagMs: 0.25,
    borderWaitMs: 7.125,
    candidates: 1_000_000,
    ioCalls: 1_000_000,
    ioFailures: 3,
    ioTimeouts: 1,
    ioLatency: { boundsMs: [0.5, 1, 2], counts: [10, 20, 30, 4], sumMs: 55.5, total: 64 },
    population: 123456,
    placementsApplied: 9,
    changedChunks: 40,
    activeChunks: 90,
    activeShards: 4,
  },
  halos: { sentMessages: 4_000_000_001, sentBytes: 2 ** 40, receivedMessages: 7, receivedBytes: 12_345 },
};

describe('wire codecs', () => {
  it('round-trip tick summaries, with and without figures', () => {
    expect(decodeTickMessage(encodeTickMessage(tick))).toEqual(tick);
    // A region's wait for its neighbours' halos travels with the figures (wire version 3).
    expect(decodeTickMessage(encodeTickMessage(tick)).stats!.borderWaitMs).toBe(7.125);
    // A region's halo counts too (wire version 5); a whole world's are null.
    expect(decodeTickMessage(encodeTickMessage(tick)).halos).toEqual({ sentMessages: 4_000_000_001, sentBytes: 2 ** 40, receivedMessages: 7, receivedBytes: 12_345 });
    // The gateways whose leases the records cover (wire version 6).
    expect(decodeTickMessage(encodeTickMessage(tick)).watchers).toEqual(['gw-0123456789ab', 'gw-ba9876543210']);
    const heartbeat = { ...tick, kind: TickKinds.HEARTBEAT, shards: [], watchers: [], stats: null, halos: null, paused: true };
    expect(decodeTickMessage(encodeTickMessage(heartbeat))).toEqual(heartbeat);
    const noLatency = { ...tick, stats: { ...tick.stats!, ioLatency: null } };
    expect(decodeTickMessage(encodeTickMessage(noLatency))).toEqual(noLatency);
  });

  it('round-trip placements (any integer a client may send), cell reads, interest and JSON', () => {
    const batch = [
      { owner: 65535, tag: 0xffff_ffff, cells: [[-5, 2 ** 40] as [number, number], [0, 0] as [number, number]] },
      { owner: 1, tag: 0, cells: [[3, 4] as [number, number]] },
    ];
    expect(decodePlaceBatch(encodePlaceBatch(batch))).toEqual(batch);
    const refusal = new LifeError('CELL_OCCUPIED', 'Cell (3, 4) is live', { cell: [3, 4] });
    const [accepted, refused] = decodePlaceOutcomes(encodePlaceOutcomes([{ accepted: 2, generation: 2 ** 33 }, refusal]));
    expect(accepted).toEqual({ accepted: 2, generation: 2 ** 33 });
    expect(refused).toBeInstanceOf(LifeError);
    expect(refused).toMatchObject({ code: refusal.code, message: refusal.message, details: { cell: [3, 4] } });
    const cells = { generation: 12, cells: [[1, 2, 3], [4095, 4095, 65535]] as Array<[number, number, number]> };
    expect(decodeCellsReply(encodeCellsReply(cells))).toEqual(cells);
    const interest = { gateway: 'gw-ab12', leaseMs: 3000, chunks: Uint32Array.of(0, 7, 4095) };
    expect(decodeInterest(encodeInterest(interest))).toEqual(interest);
    expect(decodeJson(encodeJson({ op: 'step', generations: 3 }))).toEqual({ op: 'step', generations: 3 });
  });

  it('refuses another wire version and truncated payloads with LifeError LIFE_ERR_VALIDATION', () => {
    const payload = encodeTickMessage(tick);
    expect(payload[0]).toBe(WIRE_VERSION);
    const other = payload.slice();
    other[0] = WIRE_VERSION + 1;
    const refused = (f: () => unknown) => {
      try {
        f();
        return 'accepted';
      } catch (err) {
        return isLifeError(err, 'VALIDATION') ? 'refused' : String(err);
      }
    };
    expect(refused(() => decodeTickMessage(other))).toBe('refused');
    for (const cut of [1, 10, payload.length - 1]) expect(refused(() => decodeTickMessage(payload.subarray(0, cut)))).toBe('refused');
    // Bytes past the end are a writer of another layout, not padding.
    const longer = new Uint8Array(payload.length + 1);
    longer.set(payload);
    expect(refused(() => decodeTickMessage(longer))).toBe('refused');
    expect(refused(() => decodePlaceBatch(new ByteWriter().u32(1).u32(7).u32(9).u32(1000).finish()))).toBe('refused');
  });

  it('names subjects after the world, one token per shard and region', () => {
    const s = subjectsFor('main');
    expect([s.tick, s.diff(3), s.snapshot(3), s.snapshotAll, s.place(0), s.part(1), s.admin(1), s.query(1), s.cells(1), s.interest, s.players, s.revoked]).toEqual([
      'lifemmo.main.tick',
      'lifemmo.main.diff.3',
      'lifemmo.main.snapshot.3',
      'lifemmo.main.snapshot.*',
      'lifemmo.main.place.0',
      'lifemmo.main.part.1',
      'lifemmo.main.admin.1',
      'lifemmo.main.query.1',
      'lifemmo.main.cells.1',
      'lifemmo.main.interest',
      'lifemmo.main.players',
      'lifemmo.main.revoked',
    ]);
  });
});
