// One sim per world on a NATS cluster (server/src/roles/sim-lease.ts): real sim processes,
// each with its own DATA_DIR, against a real nats-server with JetStream. A second sim of a
// world that a live sim serves exits with LIFE_ERR_SIM_LEASE_HELD; a sim that stopped cleanly
// hands over at once, one killed with SIGKILL after its lease expires; a sim that stood still
// past its lease while another took over stops serving when it wakes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildren, run, type Run } from '../support/child-server.js';
import { poll, simStarted } from '../support/cluster.js';
import { startNats, type NatsServer } from '../support/nats-server.js';

const LEASE_MS = 1500;
let nats: NatsServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  killChildren();
  await nats?.stop();
  nats = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A sim of world "leased" on its own data directory. */
function sim(n: NatsServer): Run {
  const dir = mkdtempSync(join(tmpdir(), 'lifemmo-lease-'));
  dirs.push(dir);
  return run({ ROLE: 'sim', HOST: '127.0.0.1', PORT: '0', NATS_URL: n.url, WORLD_NAME: 'leased', STORE: 'file', DATA_DIR: dir, SIM_LEASE_MS: String(LEASE_MS), LOG_LEVEL: 'info' });
}

const exited = (r: Run) => r.child.exitCode !== null || r.child.signalCode !== null;

describe('one sim per world (NATS KV lease)', () => {
  it('a second sim of a served world waits two leases, then exits 1 naming the holder; the first serves on', async () => {
    nats = await startNats();
    const first = sim(nats);
    await simStarted(first);
    const second = sim(nats);
    const started = Date.now();
    expect(await second.exit).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * LEASE_MS);
    const out = second.stdout();
    expect(out).toContain('LIFE_ERR_SIM_LEASE_HELD');
    // (In the JSON log line, so its quotes are escaped.)
    expect(out).toMatch(/Another sim serves world \\"leased\\" on this NATS cluster \(instance [0-9a-f-]+ on \S+, pid \d+/);
    expect(out).not.toMatch(/lifemmo sim of world/);
    expect(exited(first)).toBe(false);
  });

  it('a sim stopped cleanly hands the world over at once; one killed with SIGKILL while another waits, once its lease has expired', async () => {
    nats = await startNats();
    const first = sim(nats);
    await simStarted(first);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    const second = sim(nats);
    await simStarted(second);
    expect(second.stdout()).not.toContain('waiting for its lease to expire');

    // A third sim finds the world served and waits; the holder dies meanwhile.
    const third = sim(nats);
    await poll(async () => third.stdout().includes('waiting for its lease to expire'), 'the third sim waiting');
    second.child.kill('SIGKILL');
    await second.exit;
    await simStarted(third);
    expect(exited(third)).toBe(false);
  });

  it('a sim that stood still past its lease while another took the world stops serving when it wakes (exit 1)', async () => {
    nats = await startNats();
    const first = sim(nats);
    await simStarted(first);
    first.child.kill('SIGSTOP'); // it can neither renew nor serve
    const second = sim(nats);
    const probes = await simStarted(second);
    first.child.kill('SIGCONT');
    expect(await first.exit).toBe(1);
    expect(first.stdout()).toContain('was taken by another sim');
    // The new holder serves on.
    expect(exited(second)).toBe(false);
    expect((await fetch(`http://127.0.0.1:${probes}/ready`)).status).toBe(200);
  });
});
