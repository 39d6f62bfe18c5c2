/**
 * The server configuration: one zod schema over environment variables, parsed once at
 * boot, deeply frozen and passed down. This is the only module that knows variable
 * names; main.ts is the only module that reads process.env and hands it here.
 *
 * Every variable has a default so that `npm start` on a fresh clone just works. Empty
 * values count as unset (`ADMIN_TOKEN= npm start` means "no admin token").
 */
import { z } from 'zod';
import { MAX_SEEDED_CELLS, seededCellsBound, type SeedPattern, type Seeding } from '../engine/index.js';
import { layoutRegions, parseRegionSpec, type RegionLayout, type RegionSpec } from '../region/layout.js';
import {
  CHUNK_SIZE,
  Geometry,
  LifeError,
  MAX_WORLD_SIDE,
  MIN_WORLD_SIDE,
  TOPOLOGIES,
  isLifeError,
  parseRle,
  parseRule,
  type Rule,
  type Topology,
} from '@lifemmo/shared';

/** Latency models of the simulated cell I/O (see the engine's cell logic). */
export const LATENCY_MODELS = ['fixed', 'uniform', 'longtail'] as const;
/** Cell logic kinds: `simulated` awaits fake network I/O per cell, `local` computes in place. */
export const CELL_LOGIC_KINDS = ['simulated', 'local'] as const;
/** STORE: where acknowledged state is kept. */
export const STORE_KINDS = ['file', 'memory'] as const;
/** pino levels accepted by LOG_LEVEL. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** LOG_FORMAT: `auto` is pretty on a terminal and JSON lines otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** ROLE: what this process does (DESIGN.md, "Beyond one process"). */
export const ROLES = ['standalone', 'sim', 'gateway'] as const;

/** Shortest accepted ADMIN_TOKEN, in characters: shorter ones are guessable. */
export const MIN_ADMIN_TOKEN_LENGTH = 8;

/** The parsed, frozen configuration. Times are in milliseconds, sizes in cells or bytes. */
export interface Config {
  /** `standalone`: sim on a worker thread, gateway on the main thread; `sim` / `gateway`: one role, over NATS. */
  readonly role: (typeof ROLES)[number];
  /** How the roles find each other. */
  readonly cluster: {
    /** The world's name in bus subjects (`lifemmo.<worldName>.*`). */
    readonly worldName: string;
    /** NATS server URLs (comma-separated); required for the `sim` and `gateway` roles. */
    readonly natsUrl: string | undefined;
    /** A gateway calls the sim gone after this long without hearing from it, ms. */
    readonly simTimeoutMs: number;
    /** A gateway gives up on a request to the sim after this long (503), ms. */
    readonly requestTimeoutMs: number;
    /** How long a sim's claim on its world (NATS KV) outlives the sim's last renewal, ms (roles/sim-lease.ts). */
    readonly simLeaseMs: number;
  };
  readonly port: number;
  /**
   * A second port that serves only `/health`, `/ready` and `/metrics` (http/probe-listener.ts),
   * or null: none. Its connections are not queued behind the clients'.
   */
  readonly probePort: number | null;
  readonly host: string;
  /** Connections the kernel may hold for the server to accept (listen backlog; capped by net.core.somaxconn). */
  readonly listenBacklog: number;
  /** Which other origins' pages may call the REST API from a browser (docs/configuration.md). */
  readonly cors: {
    /** `*` (any origin), or the allowed origins (`https://app.example`); empty: none, the default. */
    readonly origins: '*' | readonly string[];
  };
  /**
   * How the world is split into regions, each stepped by its own engine (docs/regions.md):
   * standalone runs a sim thread per region; in a cluster, a `ROLE=sim` process per region.
   */
  readonly regions: RegionSpec;
  /** REGION: the region a `ROLE=sim` process steps (0 to regions - 1); others ignore it. */
  readonly region: number;
  readonly world: {
    readonly width: number;
    readonly height: number;
    readonly topology: Topology;
    /** Shard side in chunks (a chunk is 64x64 cells). */
    readonly shardChunks: number;
    readonly rule: Rule;
    readonly seed: number;
    readonly tickMs: number;
  };
  /** The life a world starts with (docs/configuration.md, "A living world"). */
  readonly seeding: {
    /** Seed a fresh world (empty storage) with `recipe` at generation 0. */
    readonly atStart: boolean;
    /** What a fresh world, or an admin reset that asks for seeding, is seeded with. */
    readonly recipe: Seeding;
  };
  readonly cellLogic: {
    readonly kind: (typeof CELL_LOGIC_KINDS)[number];
    readonly latencyModel: (typeof LATENCY_MODELS)[number];
    readonly latencyMs: number;
    readonly jitterMs: number;
    /** Probability 0..1 that one cell's I/O call fails. */
    readonly loss: number;
    readonly timeoutMs: number;
  };
  /** Bearer token of the admin routes; undefined turns them off (404). */
  readonly adminToken: string | undefined;
  readonly dataDir: string;
  /** Where acknowledged state is kept (docs/operations.md). */
  readonly store: {
    /** `file`: write-ahead log and snapshots under dataDir; `memory`: nothing survives a restart. */
    readonly kind: (typeof STORE_KINDS)[number];
    /** A snapshot every this many generations (and at graceful shutdown). */
    readonly snapshotEvery: number;
    /** Snapshots kept on disk (older ones and the log only they need are deleted). */
    readonly snapshotKeep: number;
  };
  readonly log: {
    readonly level: (typeof LOG_LEVELS)[number];
    readonly format: (typeof LOG_FORMATS)[number];
  };
  /** The player registry (docs/operations.md, "Players and their ids"). */
  readonly players: {
    /** Player ids run 1..max (owners are 16-bit in the engine): the most players at once. */
    readonly max: number;
    /** A player with no live cells not seen for this long gives up its id when a new player needs one, ms. */
    readonly idleMs: number;
  };
  readonly budget: {
    /** Bucket capacity per player, in cells. */
    readonly cells: number;
    /** Cells added back to each bucket per generation. */
    readonly refillPerGen: number;
  };
  readonly limits: {
    readonly maxCellsPerRequest: number;
    /** Largest w*h of a region read, in cells. */
    readonly maxRegionArea: number;
    /** Requests per minute per player (or per IP without a valid player token); 0 turns the limit off. */
    readonly rateLimitPerMinute: number;
    /** `POST /players` per minute per client IP (its own limit, replacing the one above there); 0 turns it off. */
    readonly playerCreatePerMinute: number;
    readonly bodyLimitBytes: number;
  };
  /** The WebSocket endpoint (docs/protocol.md). */
  readonly ws: {
    readonly maxConnections: number;
    /** Largest inbound message, bytes; larger ones close the connection (1009). */
    readonly maxMessageBytes: number;
    /** Largest w*h of a subscribed viewport, in cells. */
    readonly maxViewportArea: number;
    /** Send buffer above which a client stops getting diffs until it drains, bytes. */
    readonly sendWatermarkBytes: number;
    /** Send buffer above which a client is disconnected (4004), bytes. */
    readonly sendHardLimitBytes: number;
    /** Interval of heartbeat pings, ms; a client that misses one is closed (4005). */
    readonly heartbeatMs: number;
    /** Oldest a frame sent to a client may be and still unacknowledged before it gets no more diffs, ms. */
    readonly maxLagMs: number;
    readonly permessageDeflate: boolean;
  };
  /**
   * Overload protection (docs/operations.md, "Overload"): past any of these limits the
   * gateway refuses work it cannot do, explicitly (503 LIFE_ERR_OVERLOADED, close 4008),
   * while /health, /ready, /metrics, /status and the admin routes always answer. 0 turns a
   * limit off.
   */
  readonly overload: {
    /** Mean event-loop delay of the gateway's thread over one sample above which HTTP requests are shed, ms. */
    readonly maxEventLoopDelayMs: number;
    /** Share of V8's heap limit in use above which HTTP requests are shed, 0..1. */
    readonly maxHeapFraction: number;
    /** How far the sim's tick may run behind its schedule before placements and new WebSocket connections are refused, ms. */
    readonly maxTickLagMs: number;
    /** How often the event-loop delay and the heap are sampled, ms. */
    readonly sampleMs: number;
    /** The `Retry-After` of a shed request, seconds. */
    readonly retryAfterS: number;
  };
}

const blankToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A number variable; `int` also requires an integer. */
function num(min: number, max: number, def: number, int = true) {
  const base = z.coerce.number().min(min).max(max);
  return z.preprocess(blankToUndefined, (int ? base.int() : base).default(def));
}

function oneOf<T extends readonly [string, ...string[]]>(values: T, def: T[number]) {
  return z.preprocess(blankToUndefined, z.enum(values).default(def));
}

/** What each variable must be, for the one-line start-up error. */
const EXPECT: Record<string, string> = {
  ROLE: ROLES.join(', '),
  WORLD_NAME: '1 to 64 letters, digits, - or _',
  NATS_URL: 'nats://host:port, or several separated by commas',
  SIM_TIMEOUT_MS: 'an integer from 500 to 600000 (milliseconds)',
  BUS_REQUEST_TIMEOUT_MS: 'an integer from 100 to 600000 (milliseconds)',
  SIM_LEASE_MS: 'an integer from 1000 to 600000 (milliseconds)',
  PORT: 'an integer port from 0 to 65535',
  PROBE_PORT: 'an integer port from 0 to 65535, or unset (no probe listener)',
  HOST: 'a host name or IP address',
  LISTEN_BACKLOG: 'an integer from 1 to 65535 (connections)',
  CORS_ORIGINS: 'origins like https://app.example or http://localhost:5173 separated by commas, or *',
  WORLD_WIDTH: `a multiple of ${CHUNK_SIZE} from ${MIN_WORLD_SIDE} to ${MAX_WORLD_SIDE}`,
  WORLD_HEIGHT: `a multiple of ${CHUNK_SIZE} from ${MIN_WORLD_SIDE} to ${MAX_WORLD_SIDE}`,
  WORLD_TOPOLOGY: TOPOLOGIES.join(' or '),
  SHARD_CHUNKS: 'an integer from 1 to 64 (chunks per shard side)',
  REGIONS: 'a count of regions like 4, or a grid of columns x rows like 2x1',
  REGION: 'an integer from 0 to the count of regions less 1',
  RULE: 'a rule in B/S notation without B0, like B3/S23',
  TICK_MS: 'an integer from 1 to 60000 (milliseconds)',
  SEED: 'an integer from 0 to 4294967295',
  SEEDING: 'on or off',
  SEEDING_SOUP_DENSITY: 'a probability from 0 (no soup) to 1',
  SEEDING_SOUP_PATCH: 'an integer from 1 to 4096 (cells)',
  SEEDING_SOUP_SPACING: 'an integer from 1 to 65536 (cells), at least SEEDING_SOUP_PATCH',
  SEEDING_PATTERNS: 'patterns x,y:RLE separated by ; (like 10,20:bo$2bo$3o!)',
  ADMIN_TOKEN: `at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces`,
  DATA_DIR: 'a directory path',
  STORE: STORE_KINDS.join(' or '),
  SNAPSHOT_EVERY: 'an integer from 1 to 100000000 (generations)',
  SNAPSHOT_KEEP: 'an integer from 1 to 1000',
  CELL_LOGIC: CELL_LOGIC_KINDS.join(' or '),
  IO_LATENCY_MODEL: LATENCY_MODELS.join(', '),
  IO_LATENCY_MS: 'a number of milliseconds from 0 to 10000',
  IO_JITTER_MS: 'a number of milliseconds from 0 to 10000',
  IO_LOSS: 'a probability from 0 to 1',
  IO_TIMEOUT_MS: 'a number of milliseconds from 1 to 60000',
  LOG_LEVEL: LOG_LEVELS.join(', '),
  LOG_FORMAT: LOG_FORMATS.join(', '),
  BUDGET_CELLS: 'an integer from 1 to 1000000000 (cells)',
  BUDGET_REFILL_PER_GEN: 'a number from 0 to 1000000000 (cells per generation)',
  MAX_CELLS_PER_REQUEST: 'an integer from 1 to 1000000',
  MAX_REGION_AREA: 'an integer from 1 to 16777216 (cells)',
  RATE_LIMIT_PER_MINUTE: 'an integer from 0 (off) to 1000000000',
  PLAYER_CREATE_PER_MINUTE: 'an integer from 0 (off) to 1000000000',
  MAX_PLAYERS: 'an integer from 1 to 65535',
  PLAYER_IDLE_MS: 'an integer from 0 to 31536000000 (milliseconds)',
  BODY_LIMIT_BYTES: 'an integer from 1024 to 67108864 (bytes)',
  WS_MAX_CONNECTIONS: 'an integer from 1 to 1000000',
  WS_MAX_MESSAGE_BYTES: 'an integer from 256 to 16777216 (bytes)',
  WS_MAX_VIEWPORT_AREA: 'an integer from 1 to 16777216 (cells)',
  WS_SEND_WATERMARK_BYTES: 'an integer from 1024 to 1073741824 (bytes)',
  WS_SEND_HARD_LIMIT_BYTES: 'an integer from 1024 to 1073741824 (bytes), above WS_SEND_WATERMARK_BYTES',
  WS_HEARTBEAT_MS: 'an integer from 100 to 3600000 (milliseconds)',
  WS_MAX_LAG_MS: 'an integer from 200 to 600000 (milliseconds)',
  WS_PERMESSAGE_DEFLATE: 'true or false',
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 'an integer from 0 (off) to 60000 (milliseconds)',
  OVERLOAD_MAX_HEAP_FRACTION: 'a number from 0 (off) to 1 (a share of the heap limit)',
  OVERLOAD_MAX_TICK_LAG_MS: 'an integer from 0 (off) to 600000 (milliseconds)',
  OVERLOAD_SAMPLE_MS: 'an integer from 100 to 10000 (milliseconds)',
  OVERLOAD_RETRY_AFTER_S: 'an integer from 1 to 3600 (seconds)',
};

const side = num(MIN_WORLD_SIDE, MAX_WORLD_SIDE, 4096).refine((v) => v % CHUNK_SIZE === 0, {
  message: `must be a multiple of ${CHUNK_SIZE} from ${MIN_WORLD_SIDE} to ${MAX_WORLD_SIDE}`,
});

const regionsVar = z.preprocess(blankToUndefined, z.string().default('1')).transform((text, ctx) => {
  try {
    return parseRegionSpec(text);
  } catch (err) {
    // describeIssue names the variable itself.
    ctx.addIssue({ code: 'custom', message: isLifeError(err) ? err.message.replace(/^REGIONS: /, '') : String(err) });
    return z.NEVER;
  }
});

const ruleVar = z.preprocess(blankToUndefined, z.string().default('B3/S23')).transform((text, ctx) => {
  try {
    return parseRule(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: isLifeError(err) ? err.message : String(err) });
    return z.NEVER;
  }
});

/**
 * CORS_ORIGINS: `*`, or origins separated by commas. Each is an http(s) origin (scheme,
 * host, optional port, no path), kept as the browser serialises it in its Origin header
 * (lower case, no default port, no trailing slash), so `https://App.example/` still matches.
 */
const corsOriginsVar = z.preprocess(blankToUndefined, z.string().optional()).transform((text, ctx): '*' | string[] => {
  if (text === undefined) return [];
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 1 && entries[0] === '*') return '*';
  const origins: string[] = [];
  for (const entry of entries) {
    const origin = httpOrigin(entry);
    if (origin === null) {
      const why = entry === '*' ? '* stands alone, not in a list' : `${JSON.stringify(entry)} is not an origin (scheme://host[:port], no path)`;
      ctx.addIssue({ code: 'custom', message: `must be ${EXPECT.CORS_ORIGINS}: ${why}` });
      return z.NEVER;
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
});

/** `text` as a browser's Origin header would say it, or null when it is not an http(s) origin. */
function httpOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  return (url.protocol === 'http:' || url.protocol === 'https:') && bare ? url.origin : null;
}

/**
 * SEEDING_PATTERNS: `x,y:RLE` entries separated by `;`, the RLE a body on one line
 * (`bo$2bo$3o!`; no header, since a header holds commas). Each is parsed here, so a bad
 * one stops start-up instead of a reset.
 */
const seedPatternsVar = z.preprocess(blankToUndefined, z.string().optional()).transform((text, ctx): SeedPattern[] => {
  if (text === undefined) return [];
  const patterns: SeedPattern[] = [];
  for (const entry of text.split(';').map((e) => e.trim()).filter((e) => e !== '')) {
    const m = /^(-?\d+)\s*,\s*(-?\d+)\s*:\s*(\S+)$/.exec(entry);
    let why = m === null ? 'is not x,y:RLE' : '';
    if (m !== null) {
      try {
        parseRle(m[3]!);
      } catch (err) {
        why = `has bad RLE (${isLifeError(err) ? err.message : String(err)})`;
      }
    }
    if (m === null || why !== '') {
      ctx.addIssue({ code: 'custom', message: `must be ${EXPECT.SEEDING_PATTERNS}: ${JSON.stringify(entry)} ${why}` });
      return z.NEVER;
    }
    patterns.push({ x: Number(m[1]), y: Number(m[2]), rle: m[3]! });
  }
  return patterns;
});

const EnvSchema = z.object({
  ROLE: oneOf(ROLES, 'standalone'),
  WORLD_NAME: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('main')),
  NATS_URL: z.preprocess(blankToUndefined, z.string().regex(/^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/).optional()),
  SIM_TIMEOUT_MS: num(500, 600_000, 3_000),
  BUS_REQUEST_TIMEOUT_MS: num(100, 600_000, 5_000),
  SIM_LEASE_MS: num(1_000, 600_000, 5_000),
  PORT: num(0, 65535, 8080),
  PROBE_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65535).optional()),
  HOST: z.preprocess(blankToUndefined, z.string().regex(/^[\w.:[\]-]+$/).default('127.0.0.1')),
  // Node's default (511) overflows when a thousand clients connect at once: dropped SYNs are
  // retried by their clients after 1 s, then 3 s, so even /health took seconds (bench/overload.ts).
  LISTEN_BACKLOG: num(1, 65_535, 4096),
  CORS_ORIGINS: corsOriginsVar,
  WORLD_WIDTH: side,
  WORLD_HEIGHT: side,
  WORLD_TOPOLOGY: oneOf(TOPOLOGIES, 'torus'),
  SHARD_CHUNKS: num(1, 64, 8),
  REGIONS: regionsVar,
  REGION: num(0, 4095, 0),
  RULE: ruleVar,
  TICK_MS: num(1, 60_000, 100),
  SEED: num(0, 0xffff_ffff, 1),
  SEEDING: oneOf(['on', 'off'] as const, 'on'),
  // 64 patches of 64x64 at 30% in the default 4096x4096 world: ~79,000 cells at generation
  // 0, one patch per 512x512 block (one per default shard), as docs/configuration.md says.
  SEEDING_SOUP_DENSITY: num(0, 1, 0.3, false),
  SEEDING_SOUP_PATCH: num(1, 4096, 64),
  SEEDING_SOUP_SPACING: num(1, MAX_WORLD_SIDE, 512),
  SEEDING_PATTERNS: seedPatternsVar,
  ADMIN_TOKEN: z.preprocess(blankToUndefined, z.string().min(MIN_ADMIN_TOKEN_LENGTH).regex(/^\S+$/).optional()),
  DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./data')),
  STORE: oneOf(STORE_KINDS, 'file'),
  SNAPSHOT_EVERY: num(1, 1e8, 600),
  SNAPSHOT_KEEP: num(1, 1000, 3),
  CELL_LOGIC: oneOf(CELL_LOGIC_KINDS, 'simulated'),
  IO_LATENCY_MODEL: oneOf(LATENCY_MODELS, 'uniform'),
  IO_LATENCY_MS: num(0, 10_000, 1, false),
  IO_JITTER_MS: num(0, 10_000, 1, false),
  IO_LOSS: num(0, 1, 0, false),
  IO_TIMEOUT_MS: num(1, 60_000, 50, false),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  LOG_FORMAT: oneOf(LOG_FORMATS, 'auto'),
  BUDGET_CELLS: num(1, 1e9, 200),
  BUDGET_REFILL_PER_GEN: num(0, 1e9, 2, false),
  MAX_CELLS_PER_REQUEST: num(1, 1_000_000, 1024),
  MAX_REGION_AREA: num(1, 16_777_216, 262_144),
  RATE_LIMIT_PER_MINUTE: num(0, 1e9, 600),
  PLAYER_CREATE_PER_MINUTE: num(0, 1e9, 30),
  MAX_PLAYERS: num(1, 0xffff, 0xffff),
  PLAYER_IDLE_MS: num(0, 31_536_000_000, 3_600_000),
  BODY_LIMIT_BYTES: num(1024, 64 * 1024 * 1024, 262_144),
  WS_MAX_CONNECTIONS: num(1, 1_000_000, 10_000),
  WS_MAX_MESSAGE_BYTES: num(256, 16 * 1024 * 1024, 65_536),
  WS_MAX_VIEWPORT_AREA: num(1, 16_777_216, 512 * 512),
  WS_SEND_WATERMARK_BYTES: num(1024, 2 ** 30, 262_144),
  WS_SEND_HARD_LIMIT_BYTES: num(1024, 2 ** 30, 2_097_152),
  WS_HEARTBEAT_MS: num(100, 3_600_000, 15_000),
  WS_MAX_LAG_MS: num(200, 600_000, 1_000),
  WS_PERMESSAGE_DEFLATE: z.preprocess(blankToUndefined, z.enum(['true', 'false', '1', '0']).default('false')),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: num(0, 60_000, 500),
  OVERLOAD_MAX_HEAP_FRACTION: num(0, 1, 0.9, false),
  OVERLOAD_MAX_TICK_LAG_MS: num(0, 600_000, 2_000),
  OVERLOAD_SAMPLE_MS: num(100, 10_000, 500),
  OVERLOAD_RETRY_AFTER_S: num(1, 3600, 5),
});

/** Names of every variable the server reads (for docs and tests). */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape) as ReadonlyArray<keyof typeof EnvSchema.shape>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? '?');
  // The admin token is a secret: never echo it, even when it is wrong.
  const raw = name === 'ADMIN_TOKEN' ? '(hidden)' : JSON.stringify(env[name] ?? '');
  const what = issue.code === 'custom' ? issue.message : `must be ${EXPECT[name] ?? 'valid'}`;
  return `${name}: ${what} (got ${raw})`;
}

/**
 * Parse the configuration from environment variables. Unknown variables are ignored.
 * @throws LifeError LIFE_ERR_CONFIG_INVALID with one line naming each bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      if (seen.has(name)) continue; // one complaint per variable is enough
      seen.add(name);
      lines.push(describeIssue(issue, env));
    }
    throw new LifeError('CONFIG_INVALID', lines.join('; '));
  }
  const e = parsed.data;
  if (e.PROBE_PORT !== undefined && e.PROBE_PORT !== 0 && e.PROBE_PORT === e.PORT) {
    throw new LifeError('CONFIG_INVALID', `PROBE_PORT: must differ from PORT (both ${e.PORT}): the probes get a port of their own, or leave it unset`);
  }
  if (e.ROLE !== 'standalone' && e.NATS_URL === undefined) {
    throw new LifeError('CONFIG_INVALID', `NATS_URL: must be set for ROLE=${e.ROLE} (the sim and the gateways meet on NATS), e.g. nats://127.0.0.1:4222`);
  }
  const recipe: Seeding = {
    soup: { density: e.SEEDING_SOUP_DENSITY, patch: e.SEEDING_SOUP_PATCH, spacing: e.SEEDING_SOUP_SPACING },
    patterns: e.SEEDING_PATTERNS,
  };
  if (e.SEEDING_SOUP_SPACING < e.SEEDING_SOUP_PATCH) {
    throw new LifeError(
      'CONFIG_INVALID',
      `SEEDING_SOUP_SPACING: must be at least SEEDING_SOUP_PATCH (${e.SEEDING_SOUP_PATCH}) (got ${JSON.stringify(String(e.SEEDING_SOUP_SPACING))})`,
    );
  }
  const bound = seededCellsBound(recipe, e.WORLD_WIDTH, e.WORLD_HEIGHT);
  if (bound > MAX_SEEDED_CELLS) {
    throw new LifeError(
      'CONFIG_INVALID',
      `SEEDING_SOUP_SPACING: the seeding may make up to ${bound} cells in a ${e.WORLD_WIDTH}x${e.WORLD_HEIGHT} world, more than ` +
        `${MAX_SEEDED_CELLS}: space the soup patches further apart or make them smaller (got ${JSON.stringify(String(e.SEEDING_SOUP_SPACING))})`,
    );
  }
  // The split must fit the world's shards: lay it out once now so a bad one stops the start.
  let regionCount: number;
  try {
    regionCount = layoutRegions(e.REGIONS, new Geometry({ width: e.WORLD_WIDTH, height: e.WORLD_HEIGHT, topology: e.WORLD_TOPOLOGY, shardChunks: e.SHARD_CHUNKS })).regions.length;
  } catch (err) {
    if (!isLifeError(err)) throw err;
    throw new LifeError('CONFIG_INVALID', `${err.message} (got ${JSON.stringify(env.REGIONS ?? '')})`);
  }
  // A cluster's sim steps one region: it must be one of the split's.
  if (e.ROLE === 'sim' && e.REGION >= regionCount) {
    throw new LifeError('CONFIG_INVALID', `REGION: REGIONS=${env.REGIONS ?? '1'} has ${regionCount} region${regionCount === 1 ? '' : 's'}, numbered from 0 (got ${JSON.stringify(String(e.REGION))})`);
  }
  const config: Config = {
    role: e.ROLE,
    cluster: { worldName: e.WORLD_NAME, natsUrl: e.NATS_URL, simTimeoutMs: e.SIM_TIMEOUT_MS, requestTimeoutMs: e.BUS_REQUEST_TIMEOUT_MS, simLeaseMs: e.SIM_LEASE_MS },
    regions: e.REGIONS,
    region: e.REGION,
    port: e.PORT,
    probePort: e.PROBE_PORT ?? null,
    host: e.HOST,
    listenBacklog: e.LISTEN_BACKLOG,
    cors: { origins: e.CORS_ORIGINS },
    world: {
      width: e.WORLD_WIDTH,
      height: e.WORLD_HEIGHT,
      topology: e.WORLD_TOPOLOGY,
      shardChunks: e.SHARD_CHUNKS,
      rule: e.RULE,
      seed: e.SEED,
      tickMs: e.TICK_MS,
    },
    seeding: { atStart: e.SEEDING === 'on', recipe },
    cellLogic: {
      kind: e.CELL_LOGIC,
      latencyModel: e.IO_LATENCY_MODEL,
      latencyMs: e.IO_LATENCY_MS,
      jitterMs: e.IO_JITTER_MS,
      loss: e.IO_LOSS,
      timeoutMs: e.IO_TIMEOUT_MS,
    },
    adminToken: e.ADMIN_TOKEN,
    dataDir: e.DATA_DIR,
    store: { kind: e.STORE, snapshotEvery: e.SNAPSHOT_EVERY, snapshotKeep: e.SNAPSHOT_KEEP },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    players: { max: e.MAX_PLAYERS, idleMs: e.PLAYER_IDLE_MS },
    budget: { cells: e.BUDGET_CELLS, refillPerGen: e.BUDGET_REFILL_PER_GEN },
    limits: {
      maxCellsPerRequest: e.MAX_CELLS_PER_REQUEST,
      maxRegionArea: e.MAX_REGION_AREA,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      playerCreatePerMinute: e.PLAYER_CREATE_PER_MINUTE,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
    },
    ws: {
      maxConnections: e.WS_MAX_CONNECTIONS,
      maxMessageBytes: e.WS_MAX_MESSAGE_BYTES,
      maxViewportArea: e.WS_MAX_VIEWPORT_AREA,
      sendWatermarkBytes: e.WS_SEND_WATERMARK_BYTES,
      // A hard limit at or below the watermark would drop clients before they are ever
      // marked behind; keep it above.
      sendHardLimitBytes: Math.max(e.WS_SEND_HARD_LIMIT_BYTES, e.WS_SEND_WATERMARK_BYTES + 1),
      heartbeatMs: e.WS_HEARTBEAT_MS,
      maxLagMs: e.WS_MAX_LAG_MS,
      permessageDeflate: e.WS_PERMESSAGE_DEFLATE === 'true' || e.WS_PERMESSAGE_DEFLATE === '1',
    },
    overload: {
      maxEventLoopDelayMs: e.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapFraction: e.OVERLOAD_MAX_HEAP_FRACTION,
      maxTickLagMs: e.OVERLOAD_MAX_TICK_LAG_MS,
      sampleMs: e.OVERLOAD_SAMPLE_MS,
      retryAfterS: e.OVERLOAD_RETRY_AFTER_S,
    },
  };
  return deepFreeze(config);
}

/** The world's regions as a configuration lays them out (REGIONS; one region: the whole world). */
export function regionLayoutOf(config: Config): RegionLayout {
  const w = config.world;
  return layoutRegions(config.regions, new Geometry({ width: w.width, height: w.height, topology: w.topology, shardChunks: w.shardChunks }));
}
