/**
 * The status page's numbers from two reports of `GET /status.json`: the server sends running
 * totals (as Prometheus counters are), the page divides their differences by the time
 * between the reports. Pure functions, no DOM: tested in figures.test.ts.
 */
import type { StatusReport } from '@lifemmo/shared/client';

/** A row of the page's gateways table. */
export interface GatewayRow {
  readonly id: string;
  readonly self: boolean;
  readonly clients: number;
  /** Accepted placements per second since the previous report (null: the gateway is new in this report). */
  readonly acceptedPerSecond: number | null;
  readonly simUp: boolean;
  readonly generation: number;
  readonly heardMsAgo: number;
}

/** What the page shows for one interval between two reports; null where the interval says nothing. */
export interface Figures {
  /** Seconds since the epoch, at the later report (uPlot's x axis). */
  readonly t: number;
  readonly ticksPerSecond: number;
  /** Mean tick duration and start lag over the interval, ms (null: no tick in it). */
  readonly tickMs: number | null;
  readonly lagMs: number | null;
  readonly clients: number;
  readonly acceptedPerSecond: number;
  readonly refusedPerSecond: number;
  readonly busMessagesPerSecond: number;
  /** Mean commit-to-arrival delay of the sim's summaries, ms (null: none arrived). */
  readonly busDelayMs: number | null;
  /** Share of the interval this gateway's event loop was busy, 0..1 (null without the admin details). */
  readonly eventLoopBusy: number | null;
}

/** Differences of running totals: a counter that went down (the server restarted) counts from zero. */
function delta(now: number, before: number): number {
  return now >= before ? now - before : now;
}

/** The figures of the interval from `before` to `now`, or null when they are not an interval (same or older report). */
export function figuresBetween(before: StatusReport, now: StatusReport): Figures | null {
  const seconds = (now.at - before.at) / 1000;
  if (!(seconds > 0)) return null;
  const restarted = now.ticks.count < before.ticks.count;
  const base = restarted ? { count: 0, durationSeconds: 0, lagSeconds: 0 } : before.ticks;
  const ticks = now.ticks.count - base.count;
  const summaries = delta(now.bus.summaries, before.bus.summaries);
  const busDelay = delta(now.bus.simDelaySeconds + now.bus.busDelaySeconds, before.bus.simDelaySeconds + before.bus.busDelaySeconds);
  let eventLoopBusy: number | null = null;
  const a = before.details?.gateway;
  const b = now.details?.gateway;
  if (a !== undefined && b !== undefined && a.pid === b.pid) {
    const active = b.eventLoopActiveMs - a.eventLoopActiveMs;
    const idle = b.eventLoopIdleMs - a.eventLoopIdleMs;
    if (active + idle > 0) eventLoopBusy = active / (active + idle);
  }
  return {
    t: now.at / 1000,
    ticksPerSecond: ticks / seconds,
    tickMs: ticks > 0 ? ((now.ticks.durationSeconds - base.durationSeconds) / ticks) * 1000 : null,
    lagMs: ticks > 0 ? ((now.ticks.lagSeconds - base.lagSeconds) / ticks) * 1000 : null,
    clients: now.clients,
    acceptedPerSecond: delta(now.placements.accepted, before.placements.accepted) / seconds,
    refusedPerSecond: delta(now.placements.refused, before.placements.refused) / seconds,
    busMessagesPerSecond: delta(now.bus.messages, before.bus.messages) / seconds,
    busDelayMs: summaries > 0 ? (busDelay / summaries) * 1000 : null,
    eventLoopBusy,
  };
}

/**
 * The gateways table of `now`: each gateway's figures, with its placement rate taken from
 * the same gateway in `before` (by id; a gateway absent there has no rate yet).
 */
export function gatewayRows(before: StatusReport | null, now: StatusReport): GatewayRow[] {
  const seconds = before === null ? 0 : (now.at - before.at) / 1000;
  const earlier = new Map((before?.gateways ?? []).map((g) => [g.id, g]));
  return now.gateways.map((g) => {
    const was = earlier.get(g.id);
    return {
      id: g.id,
      self: g.self,
      clients: g.clients,
      acceptedPerSecond: was === undefined || !(seconds > 0) ? null : delta(g.placements.accepted, was.placements.accepted) / seconds,
      simUp: g.simUp,
      generation: g.generation,
      heardMsAgo: g.heardMsAgo,
    };
  });
}

/** A number for a figure cell: `digits` decimals, or an en dash for none. */
export function show(value: number | null, digits = 1): string {
  return value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Bytes as B, KiB, MiB or GiB with one decimal. */
export function showBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
