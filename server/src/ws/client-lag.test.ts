// A client's lag is the age of the oldest frame it has not acknowledged; acknowledging a
// generation covers every frame up to it.
import { describe, expect, it } from 'vitest';
import { ClientLag } from './client-lag.js';

describe('ClientLag', () => {
  it('ages from the oldest unacknowledged frame and drops what an ack covers', () => {
    const lag = new ClientLag();
    expect(lag.ageMs(1000)).toBe(0);
    lag.sent(1, 100);
    lag.sent(2, 200);
    lag.sent(3, 300);
    expect(lag.ageMs(1000)).toBe(900);
    lag.acked(2);
    expect(lag.inFlight).toBe(1);
    expect(lag.ageMs(1000)).toBe(700);
    lag.acked(1); // an older ack changes nothing
    expect(lag.inFlight).toBe(1);
    lag.acked(3);
    expect([lag.inFlight, lag.ageMs(1000)]).toEqual([0, 0]);
  });

  it('keeps its order across many frames (compaction)', () => {
    const lag = new ClientLag();
    for (let g = 0; g < 500; g++) lag.sent(g, g);
    for (let g = 0; g < 400; g += 7) {
      lag.acked(g);
      expect(lag.inFlight).toBe(499 - g);
      expect(lag.ageMs(1000)).toBe(1000 - (g + 1));
    }
  });
});
