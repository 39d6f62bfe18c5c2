import { describe, expect, it } from 'vitest';
import { isLifeError } from '@lifemmo/shared';
import { HaloInbox } from './halo-inbox.js';

const bytes = (n: number) => Uint8Array.of(n);

describe('HaloInbox', () => {
  it('keeps a halo until asked for, once; a copy of one taken is dropped, a copy of one not taken replaces it', async () => {
    const inbox = new HaloInbox();
    inbox.put(1, 0, 0, bytes(1));
    inbox.put(1, 0, 0, bytes(2));
    expect(await inbox.take(1, 0, 0)).toEqual(bytes(2));
    inbox.put(1, 0, 0, bytes(3));
    expect(inbox.held).toBe(0);
    const waiting = inbox.take(1, 0, 1);
    inbox.put(1, 0, 1, bytes(4));
    expect(await waiting).toEqual(bytes(4));
  });

  it('drops halos of an earlier epoch, keeps those of a later one for after the reset', async () => {
    const inbox = new HaloInbox();
    inbox.put(2, 0, 0, bytes(0));
    await inbox.take(2, 0, 0);
    inbox.put(2, 1, 0, bytes(10)); // the neighbour reset first
    inbox.put(2, 0, 1, bytes(1)); // its halo of the old world, still to be taken
    inbox.enter(1);
    expect(inbox.held).toBe(1); // the old world's halo went with it
    inbox.put(2, 0, 0, bytes(9)); // a late copy of the old world's generation 0
    expect(inbox.stale).toBe(1);
    expect(await inbox.take(2, 1, 0)).toEqual(bytes(10));
    // Only the region's own epoch may be asked for.
    const refused = await inbox.take(2, 0, 1).catch((err: unknown) => err);
    expect(isLifeError(refused, 'VALIDATION')).toBe(true);
  });
});
