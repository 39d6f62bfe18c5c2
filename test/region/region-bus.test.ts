/**
 * Lock-step over the bus: regions that exchange halos on `halo.<region>` through real
 * buses (LocalBus ends joined pairwise by MessagePorts, and a real nats-server with one
 * NATS connection per region) give the history of one engine stepping the whole world.
 * No central clock: each region only waits for its neighbours' halos.
 *
 * And lost halos: a link that drops halos on the way (as a neighbour that subscribed late
 * would miss them) still gets the same history, because a region stuck waiting sends its
 * halo again marked waiting, and its neighbours, idle or not, answer with theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsBus, subjectsFor, type Bus } from '@lifemmo/server';
import { linkInProcess, linkOverBus, type BusHaloLink, type HaloLink, type RegionLayout } from '@lifemmo/server/region';
import { startNats, type NatsServer } from '../support/nats-server.js';
import { linksOverLocalBusPairs, regionWorld, wholeWorld } from './region-world.js';
import { OPTIONS, run, type History } from './scripted-history.js';

const GENERATIONS = 150;
const subjects = subjectsFor('regions-test');

let reference: History;

beforeAll(async () => {
  reference = await run((setup) => wholeWorld(OPTIONS, setup), GENERATIONS);
});

describe('halos over the bus', () => {
  it('four regions joined pairwise by LocalBus ends give the reference history', async () => {
    const opened: Bus[] = [];
    const links = linksOverLocalBusPairs(subjects, opened);
    try {
      const history = await run((setup) => regionWorld(OPTIONS, '4', { setup, links }), GENERATIONS);
      expect(history).toEqual(reference);
    } finally {
      await Promise.all(opened.map((bus) => bus.close()));
    }
  });

  it('a link that loses every seventh halo still gets there: stuck regions ask again and neighbours answer', async () => {
    let lost = 0;
    // Every seventh publish is lost on its way to every neighbour.
    const dropping = (layout: RegionLayout): HaloLink[] =>
      linkInProcess(layout).map((link) => ({
        ...link,
        send(halo: Uint8Array): void {
          if (++lost % 7 !== 0) link.send(halo);
        },
      }));
    const history = await run((setup) => regionWorld(OPTIONS, '3', { setup, links: dropping, resendMs: 5 }), 60);
    const short = await run((setup) => wholeWorld(OPTIONS, setup), 60);
    expect(lost).toBeGreaterThan(7);
    expect(history).toEqual(short);
  });
});

describe('halos over NATS', () => {
  let nats: NatsServer;
  const buses: Bus[] = [];

  beforeAll(async () => {
    nats = await startNats();
  });

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await nats?.stop();
  });

  it('three regions (an uneven split), one NATS connection each, give the reference history', async () => {
    const layoutLinks: BusHaloLink[] = [];
    let bad = 0;
    const connected = await Promise.all([0, 1, 2].map((i) => connectNatsBus({ servers: nats.url, name: `region-${i}` })));
    buses.push(...connected);
    const links = (layout: RegionLayout) => {
      for (const region of layout.regions) layoutLinks.push(linkOverBus([connected[region.id]!], subjects, region, () => bad++));
      return layoutLinks;
    };
    // Subscriptions reach the server a moment after subscribe(); a halo published before
    // that is lost, and the resend recovers it: a short resendMs keeps the test quick.
    const history = await run((setup) => regionWorld(OPTIONS, '3', { setup, links, resendMs: 50 }), GENERATIONS);
    for (const link of layoutLinks) link.close();
    expect(history).toEqual(reference);
    expect(bad).toBe(0);
  });
});
