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
    expect(JSON.stringify(a.player)).not.toContain(a.token);
    expect(registry.authenticate(a.token)).toBe(a.player);
    expect(registry.authenticate(b.token)?.name).toBe('bob');
    expect(registry.authenticate('nope')).toBeUndefined();
    expect(registry.get(2)).toBe(b.player);
    expect(registry.size).toBe(2);
  });

  it('runs out of ids after 65535 players', () => {
    const registry = new MemoryPlayerRegistry();
    for (let i = 0; i < MAX_PLAYER_ID; i++) registry.create('p');
    let thrown: unknown;
    try {
      registry.create('one too many');
    } catch (err) {
      thrown = err;
    }
    expect(isLifeError(thrown, 'TOO_MANY_PLAYERS')).toBe(true);
  });
});

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
