// Two gateways' rosters over a real in-process bus: each lists itself first and the other
// once it has announced; a gateway unheard for GONE_AFTER_MS, or one that speaks another
// version, is not listed.
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBus } from '../bus/index.js';
import { encodeJson, subjectsFor, type GatewayAnnouncement } from '../wire/index.js';
import { GONE_AFTER_MS, GatewayRoster } from './gateway-roster.js';

const subjects = subjectsFor('test');
const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

const figures = (id: string, clients: number): GatewayAnnouncement => ({
  id,
  role: 'gateway',
  clients,
  placements: { accepted: clients * 10, refused: 1 },
  simUp: true,
  generation: 42,
});

async function waitFor(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function pair() {
  const { port1, port2 } = new MessageChannel();
  const busA = new LocalBus(port1);
  const busB = new LocalBus(port2);
  const log = pino({ level: 'silent' });
  const a = new GatewayRoster({ bus: busA, subjects, figures: async () => figures('gw-a', 3), log });
  const b = new GatewayRoster({ bus: busB, subjects, figures: async () => figures('gw-b', 5), log });
  open.push({ close: () => a.stop() }, { close: () => b.stop() }, busA, busB);
  a.start();
  b.start();
  return { a, b, busB };
}

describe('GatewayRoster', () => {
  it('lists this gateway first, then every other one that announced, with its figures', async () => {
    const { a, b } = pair();
    await waitFor(() => a.list(figures('gw-a', 3)).length === 2 && b.list(figures('gw-b', 5)).length === 2, 'both announced');
    const seenByA = a.list(figures('gw-a', 4));
    expect(seenByA.map((e) => [e.id, e.self, e.clients])).toEqual([
      ['gw-a', true, 4],
      ['gw-b', false, 5],
    ]);
    expect(seenByA[0]!.heardMsAgo).toBe(0);
    expect(seenByA[1]).toMatchObject({ placements: { accepted: 50, refused: 1 }, simUp: true, generation: 42 });
    expect(seenByA[1]!.heardMsAgo).toBeGreaterThanOrEqual(0);
  });

  it('ignores announcements it cannot read, and drops gateways unheard for GONE_AFTER_MS', async () => {
    const { a, b, busB } = pair();
    await waitFor(() => a.list(figures('gw-a', 3)).length === 2, 'gw-b announced');
    b.stop();
    busB.publish(subjects.gateways, encodeJson({ id: 'gw-old', clients: 'many' }));
    busB.publish(subjects.gateways, new Uint8Array([9, 1, 2]));
    // A readable one sent after them: once it is listed, the unreadable ones were seen and ignored.
    busB.publish(subjects.gateways, encodeJson(figures('gw-c', 1)));
    await waitFor(() => a.list(figures('gw-a', 3)).some((e) => e.id === 'gw-c'), 'gw-c announced');
    expect(a.list(figures('gw-a', 3)).map((e) => e.id)).toEqual(['gw-a', 'gw-b', 'gw-c']);
    const later = Date.now() + GONE_AFTER_MS + 1;
    expect(a.list(figures('gw-a', 3), later).map((e) => e.id)).toEqual(['gw-a']);
  });
});
