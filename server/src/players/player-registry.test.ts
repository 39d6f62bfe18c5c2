import { describe, expect, it } from 'vitest';
import { isLifeError } from '@lifemmo/shared';
import { hslToHex, playerColor } from './player-color.js';
import { validatePlayerName } from './player-name.js';
import { MAX_PLAYER_ID, MemoryPlayerRegistry } from './player-registry.js';
import { hashToken } from './player-token.js';

describe('MemoryPlayerRegistry', () => {
  it('creates players with ids from 1, colours and tokens, keeping only token hashes', () => {
    const registry = new MemoryPlayerRegistry();
    const a = registry.create('alice');
    const b = registry.create('bob');
    expect([a.player.id, b.player.id]).toEqual([1, 2]);
    expect(a.player.tokenHash).toBe(hashToken(a.token));
    expect(a.player.banned).toBe(false);
    expect(JSON.stringify(a.player)).not.toContain(a.token);
    expect(registry.authenticate(a.token)).toBe(a.player);
    expect(registry.authenticate(b.token)?.name).toBe('bob');
    expect(registry.authenticate('nope')).toBeUndefined();
    expect(registry.get(2)).toBe(b.player);
    expect(registry.size).toBe(2);
  });

  it('runs out of fresh ids after MAX_PLAYER_ID players; a removed id comes back only when the caller says it is free', () => {
    const registry = new MemoryPlayerRegistry();
    for (let i = 0; i < MAX_PLAYER_ID; i++) registry.register('p', i.toString(16).padStart(64, '0'), 0);
    expect(tooMany(() => registry.create('one too many'))).toBe(true);
    expect(registry.remove(70)?.id).toBe(70);
    expect(registry.remove(70)).toBeUndefined();
    expect(registry.remove(9)?.id).toBe(9);
    // Never given again as a fresh id: its cells may live on.
    expect(tooMany(() => registry.create('still none'))).toBe(true);
    expect(registry.register('reuse', 'a'.repeat(64), 0, (id) => id !== 9).id).toBe(70);
    expect(registry.freeId(() => true)).toBe(9);
    expect(registry.freeId(() => false)).toBeUndefined();
  });

  it('stops knowing a removed player\'s token; a banned player keeps its id and token, flagged', () => {
    const registry = new MemoryPlayerRegistry(10);
    const a = registry.create('alice', 1000);
    const b = registry.create('bob', 1000);
    registry.remove(a.player.id);
    expect(registry.authenticate(a.token)).toBeUndefined();
    expect(registry.byTokenHash(a.player.tokenHash)).toBeUndefined();
    expect(registry.ban(b.player.id)).toMatchObject({ id: b.player.id, banned: true });
    expect(registry.authenticate(b.token)?.banned).toBe(true);
    expect(registry.seenAt(b.player.id)).toBe(1000);
    expect(registry.ban(99)).toBeUndefined();
    // A third player still gets a fresh id, never alice's.
    expect(registry.create('carol').player.id).toBe(3);
  });

  it('lists a page at a time, by id', () => {
    const registry = new MemoryPlayerRegistry(100);
    for (let i = 0; i < 7; i++) registry.create(`p${i}`);
    registry.remove(3);
    expect(registry.page(0, 3).map((p) => p.id)).toEqual([1, 2, 4]);
    expect(registry.page(4, 3).map((p) => p.id)).toEqual([5, 6, 7]);
    expect(registry.page(7, 3)).toEqual([]);
  });

  it('calls idle the players not seen for idleMs that own no cells and are not banned, least recently seen first', () => {
    const registry = new MemoryPlayerRegistry(10);
    for (let i = 0; i < 5; i++) registry.create(`p${i}`, 1000 + i);
    registry.touch(1, 5000); // seen lately
    registry.ban(4);
    const idle = registry.idle(6000, 2000, (id) => id === 2); // 2 owns cells
    expect(idle.map((p) => p.id)).toEqual([3, 5]);
    expect(registry.idle(6000, 10_000, () => false)).toEqual([]);
    registry.touch(1, 10); // never goes back in time
    expect(registry.seenAt(1)).toBe(5000);
  });

  it('keeps ids given across a restore: idsGiven never goes down', () => {
    const registry = new MemoryPlayerRegistry(10);
    registry.noteIdsGiven(6);
    expect(registry.create('p').player.id).toBe(7);
    registry.restore({ id: 2, name: 'x', color: '#000000', tokenHash: 'b'.repeat(64), banned: false }, 0);
    expect(registry.idsGiven).toBe(7);
    expect(registry.hasFreshId).toBe(true);
  });
});

function tooMany(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (err) {
    return isLifeError(err, 'TOO_MANY_PLAYERS');
  }
}

describe('validatePlayerName', () => {
  it('normalises and accepts letters of any script, digits, spaces, - and _', () => {
    expect(validatePlayerName('  Zoë  the_3rd-  ')).toBe('Zoë the_3rd-');
    expect(validatePlayerName('東京')).toBe('東京');
    expect(validatePlayerName('x'.repeat(32))).toHaveLength(32);
  });
  it.each(['', '  ', 'x'.repeat(33), 'a\tb', 'a<b', 'emoji😀', 'a\u202eb'])('refuses %j', (name) => {
    expect(() => validatePlayerName(name)).toThrow(/letters, digits/);
  });
});

describe('playerColor', () => {
  it('gives distinct #rrggbb colours to the first 300 players', () => {
    const colors = new Set(Array.from({ length: 300 }, (_, i) => playerColor(i + 1)));
    expect(colors.size).toBe(300);
    for (const c of colors) expect(c).toMatch(/^#[0-9a-f]{6}$/);
  });
  it('converts HSL correctly', () => {
    expect(hslToHex(0, 1, 0.5)).toBe('#ff0000');
    expect(hslToHex(120, 1, 0.5)).toBe('#00ff00');
    expect(hslToHex(240, 1, 0.25)).toBe('#000080');
  });
});
