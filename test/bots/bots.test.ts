/**
 * The bots command end to end: 200 bots for 10 s against a real server, through the same
 * launcher as `npm run bots` (a child process), then the JSON result read back; and the
 * verdict when the server's per-address join limit keeps bots out, with and without the
 * admin token.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BotsResult } from '../../client-sdk/src/bots/report.js';
import { ADMIN, startServer, type TestServer } from '../rest/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'client-sdk/bin/lifemmo-bots.mjs');
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startServer({ TICK_MS: '100', RATE_LIMIT_PER_MINUTE: '0', PLAYER_CREATE_PER_MINUTE: '0' });
  dir = mkdtempSync(join(tmpdir(), 'lifemmo-bots-'));
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Run the command; resolves with its exit code and output (never rejects on a non-zero exit). */
function bots(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

test('200 bots for 10 s: exit 0, all connected, frames and placements counted, JSON and HTML written', async () => {
  const out = join(dir, 'result.json');
  const html = join(dir, 'report.html');
  const run = await bots(
    ['--url', server.url, '--bots', '200', '--duration', '10', '--ramp', '2', '--place-rate', '1', '--viewport', '128x128', '--json', out, '--html', html, '--max-error-rate', '0.01'],
    60_000,
  );
  expect(run.stderr).toContain('[1s]');
  expect(run.code, run.stderr + run.stdout).toBe(0);
  expect(run.stdout).toMatch(/verdict\s+PASS/);
  const result = JSON.parse(readFileSync(out, 'utf8')) as BotsResult;
  expect(result.bots).toMatchObject({ requested: 200, joined: 200, joinFailed: 0, peakConnected: 200 });
  expect(result.joins).toMatchObject({ via: 'POST /players', attempts: 400, retries: 0, advice: [] });
  expect(result.threads).toBe(1);
  // Every bot follows the world tick after tick (10 ticks/s when the machine is idle; a
  // busy 2-core machine ticks slower, so the floor is low) and never lost a frame.
  expect(result.frames.diffs).toBeGreaterThan(200 * 5);
  expect(result.resyncs).toBe(0);
  expect(result.frames.snapshots).toBeGreaterThanOrEqual(200);
  expect(result.frames.bytes).toBeGreaterThan(0);
  expect(result.latencyMs.tickToClient.count).toBe(result.frames.diffs);
  expect(result.latencyMs.tickToClient.p99).toBeGreaterThan(0);
  expect(result.placements.sent).toBeGreaterThan(200 * 3);
  expect(result.placements.ok + result.placements.refused).toBeGreaterThan(result.placements.sent * 0.9);
  expect(result.placements.ok).toBeGreaterThan(0);
  expect(result.errors.rate).toBeLessThanOrEqual(0.01);
  expect(result.cpu.cores).toBeGreaterThan(0);
  expect(result.thresholds.passed).toBe(true);
  // About a point a second, and one connect time per bot (test/bots/html-report.test.ts opens the page).
  expect(result.timeline.t.length).toBeGreaterThanOrEqual(8);
  expect(result.connectHistogram.counts.reduce((a, b) => a + b, 0)).toBe(200);
  expect(readFileSync(html, 'utf8')).toContain('<span class="verdict pass" id="verdict">PASS</span>');
});

test('a crossed threshold exits 1; no server exits 2; bad options exit 2', async () => {
  const crossed = await bots(['--url', server.url, '--bots', '5', '--duration', '2', '--ramp', '0', '--max-p99-ms', '0', '--quiet'], 30_000);
  expect(crossed.code, crossed.stderr).toBe(1);
  expect(crossed.stdout).toMatch(/verdict\s+FAIL\n\s+- tick-to-client p99/);
  const nobody = await bots(['--url', 'http://127.0.0.1:9', '--bots', '1', '--duration', '1'], 30_000);
  expect(nobody.code).toBe(2);
  expect(nobody.stderr).toContain('LIFE_ERR_CONNECT_FAILED');
  const bad = await bots(['--bots', 'many'], 30_000);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--bots must be an integer');
});

describe('joins past the per-address limit (PLAYER_CREATE_PER_MINUTE=3)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer({ TICK_MS: '100', PLAYER_CREATE_PER_MINUTE: '3' });
  });
  afterAll(() => limited?.close());

  test('6 bots: FAIL, 3 joined, the other 3 rate limited, and the summary says to pass --admin-token or raise PLAYER_CREATE_PER_MINUTE', async () => {
    const out = join(dir, 'limited.json');
    const run = await bots(['--url', limited.url, '--bots', '6', '--duration', '4', '--ramp', '0', '--viewport', '64x64', '--json', out, '--quiet'], 60_000);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stdout).toMatch(/verdict\s+FAIL/);
    expect(run.stdout).toContain('- joined 3 of 6 bots');
    expect(run.stdout).toContain(
      '- rate limited: 3 of 6 joins refused with LIFE_ERR_PLAYER_CREATE_RATE_LIMITED; pass --admin-token (players are then created through POST /admin/players, which no per-address limit applies to) or raise PLAYER_CREATE_PER_MINUTE on the server',
    );
    expect(run.stdout).toMatch(/joins\s+players via POST \/players; \d+ attempts, \d+ retried; failed: rate limited \d+/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as BotsResult;
    expect(result.bots).toMatchObject({ requested: 6, joined: 3, joinFailed: 3 });
    expect(result.joins.notJoinedByCode).toEqual({ LIFE_ERR_PLAYER_CREATE_RATE_LIMITED: 3 });
    expect(result.joins.notJoinedByCause['rate limited']).toBe(3);
    expect(result.joins.failedByCause['rate limited']).toBeGreaterThanOrEqual(3);
    expect(result.thresholds.passed).toBe(false);
  });

  test('6 bots with --admin-token: all join through POST /admin/players, PASS, and the token is not in the JSON', async () => {
    const out = join(dir, 'admin.json');
    const run = await bots(
      ['--url', limited.url, '--bots', '6', '--duration', '4', '--ramp', '0', '--viewport', '64x64', '--admin-token', ADMIN, '--json', out, '--quiet'],
      60_000,
    );
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stderr).toContain('players via POST /admin/players');
    expect(run.stdout).toMatch(/joins\s+players via POST \/admin\/players \(admin token\); 12 attempts, 0 retried; none failed/);
    expect(run.stdout).toMatch(/verdict\s+PASS/);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain(ADMIN);
    const result = JSON.parse(text) as BotsResult;
    expect(result.bots).toMatchObject({ requested: 6, joined: 6, joinFailed: 0 });
    expect(result.joins.via).toBe('POST /admin/players (admin token)');
  });

  test('a wrong --admin-token stops the run at once (exit 2) saying what to pass', async () => {
    const run = await bots(['--url', limited.url, '--bots', '2', '--duration', '2', '--admin-token', 'not-the-token'], 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--admin-token was refused: pass the server's ADMIN_TOKEN");
  });
});
