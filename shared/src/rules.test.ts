import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from './thrown.test-support.js';
import { LifeError } from './errors.js';
import { CONWAY, nextState, parseRule } from './rules.js';

/** Bit mask with bit n set for each digit n. */
function mask(...ns: number[]): number {
  return ns.reduce((m, n) => m | (1 << n), 0);
}

describe('parseRule', () => {
  it('parses B/S notation into masks and canonical text', () => {
    const rule = parseRule('B3/S23');
    expect(rule.text).toBe('B3/S23');
    expect(rule.birth).toBe(mask(3));
    expect(rule.survival).toBe(mask(2, 3));
    expect(Object.isFrozen(rule)).toBe(true);
  });

  it('accepts any case, surrounding spaces, survival-first and classic forms', () => {
    for (const text of ['B3/S23', 'b3/s23', ' B3/S23\n', 'S23/B3', 's23/b3', '23/3']) {
      expect(parseRule(text)).toEqual(CONWAY);
    }
    expect(parseRule('B36/S23').text).toBe('B36/S23');
    expect(parseRule('23/36').text).toBe('B36/S23');
  });

  it('writes digits in ascending order', () => {
    expect(parseRule('B63/S32').text).toBe('B36/S23');
    expect(parseRule('B8765/S43210').text).toBe('B5678/S01234');
  });

  it('accepts empty birth or survival sets', () => {
    expect(parseRule('B2/S')).toEqual({ text: 'B2/S', birth: mask(2), survival: 0 });
    expect(parseRule('B/S23')).toMatchObject({ text: 'B/S23', birth: 0 });
    expect(parseRule('/3').text).toBe('B3/S');
  });

  it('refuses B0 with LIFE_ERR_RULE_B0', () => {
    for (const text of ['B0/S23', 'B03/S23', 'b30/s', 'S23/B0', '23/03']) {
      expect(codeOf(() => parseRule(text))).toBe('LIFE_ERR_RULE_B0');
    }
    // S0 is fine: a live cell surviving alone does not light the background.
    expect(parseRule('B3/S0').survival).toBe(mask(0));
  });

  it('refuses malformed text with LIFE_ERR_RULE_INVALID', () => {
    const bad = ['', 'Life', 'B3S23', 'B3/S23/X', 'B9/S23', 'B3/S2a', 'B3 /S23', 'B3/S23:T100,100', 'B-3/S23', '3'];
    bad.push('B33/S23', 'B3/S223'); // a digit twice
    for (const text of bad) {
      expect(codeOf(() => parseRule(text)), text).toBe('LIFE_ERR_RULE_INVALID');
    }
  });

  it('names the rule and the duplicated digit', () => {
    try {
      parseRule('B3/S233');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LifeError);
      expect((err as LifeError).status).toBe(400);
      expect((err as LifeError).message).toContain('B3/S233');
      expect((err as LifeError).message).toContain('3 twice in its survival set');
    }
  });

  it('round-trips any B/S rule without B0 through its canonical text', () => {
    const digits = (min: number) => fc.subarray([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((n) => n >= min));
    fc.assert(
      fc.property(digits(1), digits(0), fc.boolean(), (birth, survival, reversed) => {
        const b = [...birth].reverse().join('');
        const s = (reversed ? [...survival].reverse() : survival).join('');
        const rule = parseRule(`B${b}/S${s}`);
        expect(rule.birth).toBe(mask(...birth));
        expect(rule.survival).toBe(mask(...survival));
        expect(rule.text).toBe(`B${birth.join('')}/S${survival.join('')}`);
        expect(parseRule(rule.text)).toEqual(rule);
        expect(parseRule(`S${s}/B${b}`)).toEqual(rule);
        expect(parseRule(`${s}/${b}`)).toEqual(rule);
      }),
    );
  });
});

describe('nextState', () => {
  it("follows Conway's rule", () => {
    for (let n = 0; n <= 8; n++) {
      expect(nextState(CONWAY, false, n), `dead with ${n}`).toBe(n === 3);
      expect(nextState(CONWAY, true, n), `alive with ${n}`).toBe(n === 2 || n === 3);
    }
  });

  it('follows HighLife (B36/S23)', () => {
    const highLife = parseRule('B36/S23');
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((n) => nextState(highLife, false, n))).toEqual([3, 6]);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((n) => nextState(highLife, true, n))).toEqual([2, 3]);
  });

  it('kills everything under B/S', () => {
    const none = parseRule('B/S');
    for (let n = 0; n <= 8; n++) {
      expect(nextState(none, false, n)).toBe(false);
      expect(nextState(none, true, n)).toBe(false);
    }
  });
});
