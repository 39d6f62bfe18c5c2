// Acknowledgements go out at most every `everyMs` while frames arrive, and the newest one
// read always goes out within `everyMs` of being read, so a server never sees a reader that
// keeps up as late.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AckSchedule } from './acks.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('AckSchedule', () => {
  it('acknowledges at once, then at most every everyMs, and the last frame read within everyMs', () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const acks = new AckSchedule((g) => sent.push(g));
    acks.reset(250);
    acks.read(10, 0);
    expect(sent).toEqual([10]);
    acks.read(11, 100);
    acks.read(12, 200);
    expect(sent).toEqual([10]);
    vi.advanceTimersByTime(150); // 250 ms after the first ack
    expect(sent).toEqual([10, 12]);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([10, 12]); // nothing new read: nothing sent
  });

  it('flushes on demand, never acknowledges twice or backwards, and sends nothing once stopped', () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const acks = new AckSchedule((g) => sent.push(g));
    acks.reset(250);
    acks.read(5, 0);
    acks.read(7, 10);
    acks.read(6, 20);
    acks.flush(30);
    acks.flush(40);
    expect(sent).toEqual([5, 7]);
    acks.read(8, 50);
    acks.stop();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([5, 7]);
  });
});
