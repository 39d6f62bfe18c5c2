import { describe, expect, it } from 'vitest';
import { figuresBetween, gatewayRows, show, showBytes } from './figures.js';
import type { GatewayEntry, StatusReport } from '@lifemmo/shared/client';

const base: StatusReport = {
  at: 10_000,
  role: 'standalone',
  world: { generation: 100, population: 5, paused: false, tickMs: 100, lagMs: 0 },
  ticks: { count: 100, durationSeconds: 0.5, lagSeconds: 0.1 },
  clients: 2,
  placements: { accepted: 10, refused: 1 },
  sim: { up: true, heardMsAgo: 20 },
  bus: { messages: 300, bytes: 30_000, summaries: 100, simDelaySeconds: 0.1, busDelaySeconds: 0.2 },
  gateways: [],
};

const gateway = (id: string, accepted: number, self = false): GatewayEntry => ({
  id,
  role: 'gateway',
  clients: 4,
  placements: { accepted, refused: 0 },
  simUp: true,
  generation: 100,
  heardMsAgo: self ? 0 : 300,
  self,
});

/** `base` two seconds later with 20 more ticks of 3 ms each, 1 ms lag each. */
const later: StatusReport = {
  ...base,
  at: 12_000,
  ticks: { count: 120, durationSeconds: 0.56, lagSeconds: 0.12 },
  clients: 3,
  placements: { accepted: 14, refused: 3 },
  bus: { messages: 340, bytes: 34_000, summaries: 120, simDelaySeconds: 0.11, busDelaySeconds: 0.23 },
};

describe('status figures', () => {
  it('are the differences of the running totals over the time between two reports', () => {
    const f = figuresBetween(base, later)!;
    expect(f.t).toBe(12);
    expect(f.ticksPerSecond).toBeCloseTo(10);
    expect(f.tickMs).toBeCloseTo(3);
    expect(f.lagMs).toBeCloseTo(1);
    expect(f.clients).toBe(3);
    expect(f.acceptedPerSecond).toBeCloseTo(2);
    expect(f.refusedPerSecond).toBeCloseTo(1);
    expect(f.busMessagesPerSecond).toBeCloseTo(20);
    expect(f.busDelayMs).toBeCloseTo(2); // (0.01 + 0.03) s over 20 summaries
    expect(f.eventLoopBusy).toBeNull();
  });

  it('say nothing of an interval with no ticks, and nothing for a report that is not later', () => {
    const idle = figuresBetween(base, { ...base, at: 11_000 })!;
    expect(idle.ticksPerSecond).toBe(0);
    expect(idle.tickMs).toBeNull();
    expect(idle.busDelayMs).toBeNull();
    expect(figuresBetween(later, base)).toBeNull();
    expect(figuresBetween(base, base)).toBeNull();
  });

  it('count from zero after a restart (totals that went down)', () => {
    const restarted: StatusReport = { ...later, ticks: { count: 5, durationSeconds: 0.01, lagSeconds: 0 }, placements: { accepted: 1, refused: 0 } };
    const f = figuresBetween(base, restarted)!;
    expect(f.ticksPerSecond).toBeCloseTo(2.5);
    expect(f.tickMs).toBeCloseTo(2);
    expect(f.acceptedPerSecond).toBeCloseTo(0.5);
  });

  it("give the event loop's busy share from the admin details of one process", () => {
    const gateway = { id: 'gw-1', pid: 7, uptimeSeconds: 1, rssBytes: 1, heapUsedBytes: 1, eventLoopActiveMs: 100, eventLoopIdleMs: 900, replicaChunks: 0 };
    const sim = { instance: 1, inProcess: true, world: 'main' };
    const a = { ...base, details: { gateway, sim } };
    const b = { ...later, details: { gateway: { ...gateway, eventLoopActiveMs: 600, eventLoopIdleMs: 2400 }, sim } };
    expect(figuresBetween(a, b)!.eventLoopBusy).toBeCloseTo(0.25);
    // Another process (a restart): no share.
    expect(figuresBetween(a, { ...b, details: { gateway: { ...b.details.gateway, pid: 8 }, sim } })!.eventLoopBusy).toBeNull();
  });

  it('show numbers and bytes for people', () => {
    expect(show(null)).toBe('–');
    expect(show(Number.NaN)).toBe('–');
    expect(show(2.345, 2)).toBe('2.35');
    expect(showBytes(512)).toBe('512 B');
    expect(showBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });
  it('give each gateway its own placement rate, by id; a gateway new in this report has none yet', () => {
    const before = { ...base, gateways: [gateway('gw-a', 10, true), gateway('gw-b', 100)] };
    const now = { ...later, gateways: [gateway('gw-a', 16, true), gateway('gw-b', 100), gateway('gw-c', 7)] };
    const rows = gatewayRows(before, now);
    expect(rows.map((r) => [r.id, r.self, r.acceptedPerSecond])).toEqual([
      ['gw-a', true, 3],
      ['gw-b', false, 0],
      ['gw-c', false, null],
    ]);
    expect(gatewayRows(null, now).every((r) => r.acceptedPerSecond === null)).toBe(true);
  });
});
