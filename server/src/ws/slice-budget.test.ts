// The broadcaster's slices: long while nobody connects, short while connections arrive
// (libuv accepts one a turn of the event loop), long again once they stop.
import { EventEmitter } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ACCEPTING_MS, LONG_SLICE_MS, SHORT_SLICE_MS, sliceBudget } from './slice-budget.js';

describe('sliceBudget', () => {
  it('is short from an accepted connection until ACCEPTING_MS pass without another', () => {
    const server = new EventEmitter();
    let now = 1_000;
    const budget = sliceBudget(server, () => now);
    expect(budget()).toBe(LONG_SLICE_MS);
    server.emit('connection');
    expect(budget()).toBe(SHORT_SLICE_MS);
    now += ACCEPTING_MS - 1;
    expect(budget()).toBe(SHORT_SLICE_MS);
    server.emit('connection'); // still arriving
    now += ACCEPTING_MS - 1;
    expect(budget()).toBe(SHORT_SLICE_MS);
    now += 1;
    expect(budget()).toBe(LONG_SLICE_MS);
  });

  it("hears a real server's accepts", async () => {
    const server = createServer((socket) => socket.end());
    const budget = sliceBudget(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(budget()).toBe(LONG_SLICE_MS);
    const accepted = new Promise((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.on('error', () => undefined);
    await accepted;
    expect(budget()).toBe(SHORT_SLICE_MS);
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
