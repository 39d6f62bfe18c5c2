// The entry point as a user runs it: a child process with environment variables.
// Start-up errors, the listening line, and graceful shutdown on SIGTERM / SIGINT.
import { afterEach, describe, expect, it } from 'vitest';
import { killChildren, listening, run } from '../support/child-server.js';

afterEach(() => killChildren());

describe('main', () => {
  it.each([
    ['WORLD_WIDTH', '100'],
    ['RULE', 'B0/S23'],
    ['IO_LOSS', 'lots'],
  ])('exits 1 with one line naming %s when it is %s', async (name, value) => {
    const r = run({ [name]: value });
    expect(await r.exit).toBe(1);
    const lines = r.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^lifemmo: invalid configuration: ${name}: `));
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('serves, prints the address and a hint, and exits 0 on %s', async (signal) => {
    const r = run({ PORT: '0', CELL_LOGIC: 'local', TICK_MS: '10' });
    const port = await listening(r);
    const world = await fetch(`http://127.0.0.1:${port}/world`);
    expect(world.status).toBe(200);
    expect((await world.json()).width).toBe(256);
    r.child.kill(signal);
    expect(await r.exit).toBe(0);
  });
});
