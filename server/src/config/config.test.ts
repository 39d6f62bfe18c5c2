import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLifeError } from '@lifemmo/shared';
import { CONFIG_VARIABLES, loadConfig } from './config.js';

/** The message loadConfig throws for `env`, or '' when it does not throw. */
function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
    return '';
  } catch (err) {
    expect(isLifeError(err, 'CONFIG_INVALID')).toBe(true);
    return (err as Error).message;
  }
}

describe('loadConfig', () => {
  it('has a default for everything, and freezes the result', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      world: { width: 4096, height: 4096, topology: 'torus', shardChunks: 8, seed: 1, tickMs: 100 },
      cellLogic: { kind: 'simulated', latencyModel: 'uniform', latencyMs: 1, jitterMs: 1, loss: 0, timeoutMs: 50 },
      adminToken: undefined,
      dataDir: './data',
      log: { level: 'info', format: 'auto' },
      budget: { cells: 200, refillPerGen: 2 },
      players: { max: 65535, idleMs: 3_600_000 },
      limits: { maxCellsPerRequest: 1024, maxRegionArea: 262144, rateLimitPerMinute: 600, playerCreatePerMinute: 30, bodyLimitBytes: 262144 },
    });
    expect(config.world.rule.text).toBe('B3/S23');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.world)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('reads and coerces every variable, ignoring unknown ones and treating empty as unset', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      WORLD_WIDTH: '1024',
      WORLD_HEIGHT: '512',
      WORLD_TOPOLOGY: 'bounded',
      SHARD_CHUNKS: '4',
      RULE: 'b36/s23',
      TICK_MS: '50',
      SEED: '7',
      ADMIN_TOKEN: 'sekrit-token',
      DATA_DIR: '/tmp/x',
      CELL_LOGIC: 'local',
      IO_LATENCY_MODEL: 'longtail',
      IO_LATENCY_MS: '2.5',
      IO_JITTER_MS: '0',
      IO_LOSS: '0.01',
      IO_TIMEOUT_MS: '20',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      BUDGET_CELLS: '50',
      BUDGET_REFILL_PER_GEN: '0.5',
      MAX_CELLS_PER_REQUEST: '10',
      MAX_REGION_AREA: '100',
      RATE_LIMIT_PER_MINUTE: '0',
      PLAYER_CREATE_PER_MINUTE: '5',
      MAX_PLAYERS: '3',
      PLAYER_IDLE_MS: '0',
      BODY_LIMIT_BYTES: '4096',
      LIFEMMO_SOMETHING_ELSE: 'whatever',
      WS_MAX_CLIENTS: 'not ours',
    });
    expect(config.port).toBe(0);
    expect(config.world).toMatchObject({ width: 1024, height: 512, topology: 'bounded', shardChunks: 4, seed: 7, tickMs: 50 });
    expect(config.world.rule.text).toBe('B36/S23');
    expect(config.cellLogic).toEqual({ kind: 'local', latencyModel: 'longtail', latencyMs: 2.5, jitterMs: 0, loss: 0.01, timeoutMs: 20 });
    expect(config.adminToken).toBe('sekrit-token');
    expect(config.budget).toEqual({ cells: 50, refillPerGen: 0.5 });
    expect(config.limits).toEqual({ maxCellsPerRequest: 10, maxRegionArea: 100, rateLimitPerMinute: 0, playerCreatePerMinute: 5, bodyLimitBytes: 4096 });
    expect(config.players).toEqual({ max: 3, idleMs: 0 });
    expect(loadConfig({ PORT: '', ADMIN_TOKEN: '  ' })).toMatchObject({ port: 8080, adminToken: undefined });
    // No probe listener unless asked for; 0 asks for a free port.
    expect(loadConfig({}).probePort).toBeNull();
    expect(loadConfig({ PROBE_PORT: ' ' }).probePort).toBeNull();
    expect(loadConfig({ PROBE_PORT: '0' }).probePort).toBe(0);
    expect(loadConfig({ PROBE_PORT: '9464' }).probePort).toBe(9464);
    expect(() => loadConfig({ PORT: '9464', PROBE_PORT: '9464' })).toThrow(/^PROBE_PORT: must differ from PORT \(both 9464\)/);
    expect(loadConfig({ PORT: '0', PROBE_PORT: '0' }).probePort).toBe(0);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['HOST', 'a host'],
    ['WORLD_WIDTH', '100'],
    ['WORLD_WIDTH', '0'],
    ['WORLD_HEIGHT', '131072'],
    ['WORLD_TOPOLOGY', 'sphere'],
    ['SHARD_CHUNKS', '0'],
    ['RULE', 'B3S23x'],
    ['RULE', 'B03/S23'],
    ['TICK_MS', '0'],
    ['SEED', '-1'],
    ['ADMIN_TOKEN', 'short'],
    ['CELL_LOGIC', 'remote'],
    ['IO_LATENCY_MODEL', 'normal'],
    ['IO_LATENCY_MS', '-1'],
    ['IO_JITTER_MS', 'x'],
    ['IO_LOSS', '1.5'],
    ['IO_TIMEOUT_MS', '0'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['BUDGET_CELLS', '0'],
    ['BUDGET_REFILL_PER_GEN', '-2'],
    ['MAX_CELLS_PER_REQUEST', '0'],
    ['MAX_REGION_AREA', 'lots'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['PLAYER_CREATE_PER_MINUTE', '1.5'],
    ['MAX_PLAYERS', '0'],
    ['MAX_PLAYERS', '65536'],
    ['PLAYER_IDLE_MS', '-1'],
    ['BODY_LIMIT_BYTES', '10'],
    ['LISTEN_BACKLOG', '0'],
    ['PROBE_PORT', '65536'],
    ['PROBE_PORT', '80.5'],
    ['REGIONS', '0'],
    ['REGIONS', '2x'],
    ['REGIONS', 'four'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    const message = failure({ [name]: value });
    expect(message.startsWith(`${name}: `)).toBe(true);
    expect(message).not.toContain('\n');
    if (name !== 'ADMIN_TOKEN') expect(message).toContain(JSON.stringify(value));
  });

  it('names every bad variable once, and never echoes the admin token', () => {
    const message = failure({ PORT: 'x', IO_LOSS: '2', ADMIN_TOKEN: 'tiny' });
    expect(message).toMatch(/^PORT: .*; ADMIN_TOKEN: .*; IO_LOSS: /);
    expect(message).not.toContain('tiny');
    expect(failure({ WORLD_WIDTH: '100' })).toBe('WORLD_WIDTH: must be a multiple of 64 from 64 to 65536 (got "100")');
  });

  it('reads CORS_ORIGINS as origins the way browsers send them, or *; closed when unset', () => {
    expect(loadConfig({}).cors).toEqual({ origins: [] });
    expect(loadConfig({ CORS_ORIGINS: ' ' }).cors).toEqual({ origins: [] });
    expect(loadConfig({ CORS_ORIGINS: '*' }).cors).toEqual({ origins: '*' });
    expect(loadConfig({ CORS_ORIGINS: 'https://App.example/, http://localhost:5173,https://app.example:443' }).cors).toEqual({
      origins: ['https://app.example', 'http://localhost:5173'],
    });
  });

  it.each([
    ['app.example', 'is not an origin'],
    ['https://app.example/path', 'is not an origin'],
    ['https://app.example?x=1', 'is not an origin'],
    ['ftp://app.example', 'is not an origin'],
    ['*, https://app.example', '* stands alone'],
  ])('refuses CORS_ORIGINS=%s, saying why', (value, why) => {
    const message = failure({ CORS_ORIGINS: value });
    expect(message).toMatch(/^CORS_ORIGINS: must be origins like https:\/\/app\.example/);
    expect(message).toContain(why);
    expect(message).toContain(JSON.stringify(value));
  });

  it('seeds a fresh world by default with the documented recipe; SEEDING_* change it', () => {
    expect(loadConfig({}).seeding).toEqual({ atStart: true, recipe: { soup: { density: 0.3, patch: 64, spacing: 512 }, patterns: [] } });
    const config = loadConfig({
      SEEDING: 'off',
      SEEDING_SOUP_DENSITY: '0',
      SEEDING_SOUP_PATCH: '16',
      SEEDING_SOUP_SPACING: '100',
      SEEDING_PATTERNS: ' 10,20:bo$2bo$3o! ; -3, 4 : 2o$2o! ;',
    });
    expect(config.seeding).toEqual({
      atStart: false,
      recipe: {
        soup: { density: 0, patch: 16, spacing: 100 },
        patterns: [
          { x: 10, y: 20, rle: 'bo$2bo$3o!' },
          { x: -3, y: 4, rle: '2o$2o!' },
        ],
      },
    });
    expect(Object.isFrozen(config.seeding.recipe.patterns)).toBe(true);
  });

  it.each([
    ['SEEDING', 'maybe', 'must be on or off'],
    ['SEEDING_SOUP_DENSITY', '1.5', 'must be a probability'],
    ['SEEDING_SOUP_PATCH', '0', 'must be an integer from 1 to 4096'],
    ['SEEDING_PATTERNS', '10,10', 'is not x,y:RLE'],
    ['SEEDING_PATTERNS', '10,10:3q!', `has bad RLE (line 1, column 2: unexpected 'q')`],
    ['SEEDING_SOUP_SPACING', '32', 'must be at least SEEDING_SOUP_PATCH (64)'],
    ['SEEDING_SOUP_SPACING', '64', 'more than 4194304'],
  ])('refuses %s=%s, saying why', (name, value, why) => {
    const env: Record<string, string> = { [name]: value };
    // Spacing 64 with the default 64-cell patch: every cell of a 65536-wide world is soup.
    if (value === '64') Object.assign(env, { WORLD_WIDTH: '65536', WORLD_HEIGHT: '65536' });
    const message = failure(env);
    expect(message.startsWith(`${name}: `), message).toBe(true);
    expect(message).toContain(why);
    expect(message).toContain(JSON.stringify(value));
    expect(message).not.toContain('\n');
  });

  it('reads REGIONS as a count or a columns x rows grid, one region by default; refuses a split the shards cannot carry, and a REGION past the split', () => {
    expect(loadConfig({}).regions).toEqual({ kind: 'count', count: 1 });
    expect(loadConfig({ REGIONS: '1x1' }).regions).toEqual({ kind: 'grid', columns: 1, rows: 1 });
    // A split runs in standalone (a thread per region) and in a cluster (a ROLE=sim per REGION).
    expect(loadConfig({ REGIONS: '4' }).regions).toEqual({ kind: 'count', count: 4 });
    expect(loadConfig({ REGIONS: '2x1' }).regions).toEqual({ kind: 'grid', columns: 2, rows: 1 });
    const nats = { NATS_URL: 'nats://127.0.0.1:4222' };
    expect(loadConfig({ REGIONS: '4', ROLE: 'sim', REGION: '3', ...nats }).region).toBe(3);
    expect(loadConfig({ REGIONS: '4', ROLE: 'gateway', ...nats }).region).toBe(0);
    expect(failure({ REGIONS: '4', ROLE: 'sim', REGION: '4', ...nats })).toBe('REGION: REGIONS=4 has 4 regions, numbered from 0 (got "4")');
    expect(failure({ ROLE: 'sim', REGION: '1', ...nats })).toBe('REGION: REGIONS=1 has 1 region, numbered from 0 (got "1")');
    // The default 4096x4096 world has 8x8 shards of 512 cells.
    expect(failure({ REGIONS: '9x1' })).toMatch(/^REGIONS: a 9x1 grid needs .* \(got "9x1"\)$/);
    expect(failure({ REGIONS: '3', WORLD_WIDTH: '128', WORLD_HEIGHT: '128', SHARD_CHUNKS: '1' })).toMatch(/^REGIONS: 3 regions do not fit/);
  });

  it('has every variable in docs/configuration.md', () => {
    const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES) expect(docs, name).toContain(`| \`${name}\` |`);
  });

  it('lists its variables', () => {
    for (const name of ['PORT', 'HOST', 'CORS_ORIGINS', 'WORLD_WIDTH', 'RULE', 'ADMIN_TOKEN', 'IO_LOSS', 'BUDGET_REFILL_PER_GEN', 'BODY_LIMIT_BYTES']) {
      expect(CONFIG_VARIABLES).toContain(name);
    }
  });
});
