import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorOf } from './thrown.test-support.js';
import { Errors, LifeError, type ErrorName } from './errors.js';
import { DEFAULT_RLE_LIMITS, parseRle, transformCells, writeRle, type PatternCell } from './rle.js';

/** Expect `text` to be refused with `name` at (line, column), the message naming both. */
function expectRefused(text: string, name: ErrorName, line: number, column: number, fragment: string): void {
  const err = errorOf(() => parseRle(text));
  expect(err.code).toBe(Errors[name].code);
  expect(err.details).toMatchObject({ line, column });
  expect(err.message).toContain(`line ${line}, column ${column}: `);
  expect(err.message).toContain(fragment);
}

const GLIDER: PatternCell[] = [
  [1, 0],
  [2, 1],
  [0, 2],
  [1, 2],
  [2, 2],
];

const GOSPER_GUN = `#N Gosper glider gun
#O Bill Gosper
#C A true period 30 glider gun.
#C The first known gun and the first known finite pattern with unbounded growth.
#C www.conwaylife.com/wiki/index.php?title=Gosper_glider_gun
x = 36, y = 9, rule = B3/S23
24bo11b$22bobo11b$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o14b$2o8b
o3bob2o4bobo11b$10bo5bo7bo11b$11bo3bo20b$12b2o22b!
`;

/** Sort cells by y then x, as the module promises its outputs are. */
function sorted(cells: ReadonlyArray<readonly [number, number]>): PatternCell[] {
  return cells.map(([x, y]): PatternCell => [x, y]).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

/** A random pattern: a size and a set of distinct cells inside it. */
const patternArb = fc
  .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }))
  .chain(([width, height]) =>
    fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      cells:
        width === 0 || height === 0
          ? fc.constant<PatternCell[]>([])
          : fc.uniqueArray(
              fc.tuple(fc.nat(width - 1), fc.nat(height - 1)).map(([x, y]): PatternCell => [x, y]),
              { selector: ([x, y]) => y * width + x, maxLength: 300 },
            ),
    }),
  );

describe('parseRle: known patterns', () => {
  it('parses a header-less glider, sizing it from the body', () => {
    expect(parseRle('bo$2bo$3o!')).toEqual({ width: 3, height: 3, cells: GLIDER });
  });

  it('parses a glider with a header and rule', () => {
    const p = parseRle('x = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n');
    expect(p).toEqual({ width: 3, height: 3, rule: 'B3/S23', cells: GLIDER });
  });

  it('parses the lightweight spaceship', () => {
    const p = parseRle('#N Lightweight spaceship\n#O John Conway\nx = 5, y = 4, rule = B3/S23\nbo2bo$o4b$o3bo$4o!\n');
    expect(p.width).toBe(5);
    expect(p.height).toBe(4);
    expect(p.cells).toEqual([
      [1, 0],
      [4, 0],
      [0, 1],
      [0, 2],
      [4, 2],
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('parses the Gosper glider gun in its LifeWiki form, comments and all', () => {
    const p = parseRle(GOSPER_GUN);
    expect(p.width).toBe(36);
    expect(p.height).toBe(9);
    expect(p.rule).toBe('B3/S23');
    expect(p.cells).toHaveLength(36);
    // The two stabilising blocks at the far left and far right.
    for (const cell of [
      [0, 4],
      [1, 4],
      [0, 5],
      [1, 5],
      [34, 2],
      [35, 2],
      [34, 3],
      [35, 3],
    ]) {
      expect(p.cells).toContainEqual(cell);
    }
    expect(p.cells).toEqual(sorted(p.cells));
    expect(writeRle(p)).toBe(
      'x = 36, y = 9, rule = B3/S23\n' +
        '24bo$22bobo$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o$2o8bo3bob2o4b\n' +
        'obo$10bo5bo7bo$11bo3bo$12b2o!\n',
    );
  });

  it('reads a body spread over lines with whitespace anywhere', () => {
    expect(parseRle('b o $\n 2b\n\to$3\n o\n!\n').cells).toEqual(GLIDER);
  });

  it('accepts CRLF line ends and a byte-order mark', () => {
    expect(parseRle('\uFEFF#C hi\r\nx = 3, y = 3\r\nbo$2bo$\r\n3o!\r\n')).toEqual({ width: 3, height: 3, cells: GLIDER });
  });

  it('accepts a header without spaces, in any case', () => {
    expect(parseRle('x=3,y=3,rule=B36/S23\nbo$2bo$3o!').rule).toBe('B36/S23');
    expect(parseRle('X = 3 , Y = 3\nbo$2bo$3o!').cells).toEqual(GLIDER);
  });

  it('keeps the rule text whole, commas included', () => {
    expect(parseRle('x = 1, y = 1, rule = B3/S23:T10,10\no!').rule).toBe('B3/S23:T10,10');
  });

  it('allows comments and blank lines between the header and the body', () => {
    expect(parseRle('x = 3, y = 3\n\n#C between\n#O someone\nbo$2bo$3o!').cells).toEqual(GLIDER);
  });

  it('treats a count before $ as that many row ends', () => {
    expect(parseRle('o2$o!')).toEqual({ width: 1, height: 3, cells: [[0, 0], [0, 2]] });
    expect(parseRle('x = 2, y = 12\n10$bo!').cells).toEqual([[1, 10]]);
  });

  it('ignores anything after !', () => {
    expect(parseRle('bo$2bo$3o! trailing words, x y z\n#C a comment after the end\n').cells).toEqual(GLIDER);
  });

  it('accepts the end of the text in place of !', () => {
    expect(parseRle('bo$2bo$3o')).toEqual({ width: 3, height: 3, cells: GLIDER });
    expect(parseRle('x = 2, y = 2\n')).toEqual({ width: 2, height: 2, cells: [] });
  });

  it('sizes a header-less pattern by its runs, dead runs included', () => {
    expect(parseRle('bo3b$o!')).toEqual({ width: 5, height: 2, cells: [[1, 0], [0, 1]] });
    // Trailing row ends add no rows: nothing was placed on them.
    expect(parseRle('o3$!')).toEqual({ width: 1, height: 1, cells: [[0, 0]] });
    expect(parseRle('!')).toEqual({ width: 0, height: 0, cells: [] });
  });

  it('tolerates dead cells past the declared width', () => {
    expect(parseRle('x = 2, y = 1\no3b!')).toEqual({ width: 2, height: 1, cells: [[0, 0]] });
  });

  it('returns cells sorted by y then x', () => {
    const p = parseRle('3o$obo$3o!');
    expect(p.cells).toEqual(sorted(p.cells));
    expect(p.cells).toHaveLength(8);
  });
});

describe('parseRle: errors', () => {
  it('refuses empty input', () => {
    expectRefused('', 'RLE_INVALID', 1, 1, 'empty pattern');
    expectRefused('   \n\n', 'RLE_INVALID', 3, 1, 'empty pattern');
    expectRefused('#N only a name\n#C and a comment', 'RLE_INVALID', 2, 17, 'empty pattern');
  });

  it('names the line and column of an unexpected character', () => {
    expectRefused('x = 3, y = 2\nbo$bx!', 'RLE_INVALID', 2, 5, "unexpected 'x'");
    expect(errorOf(() => parseRle('x = 3, y = 2\nbo$bx!')).message).toBe("line 2, column 5: unexpected 'x'");
  });

  it('refuses state letters other than b and o', () => {
    expectRefused('3A!', 'RLE_INVALID', 1, 2, "unexpected 'A'");
    expectRefused('bo$.o!', 'RLE_INVALID', 1, 4, "unexpected '.'");
    expectRefused('2B!', 'RLE_INVALID', 1, 2, "unexpected 'B'");
  });

  it('escapes control characters in messages', () => {
    expectRefused('b\u0000o!', 'RLE_INVALID', 1, 2, '"\\u0000"');
  });

  it('refuses comment lines inside the body', () => {
    expectRefused('bo$\n#C late comment\n3o!', 'RLE_INVALID', 2, 1, "unexpected '#'");
  });

  it('refuses a second header', () => {
    expectRefused('x = 1, y = 1\nx = 1, y = 1\no!', 'RLE_INVALID', 2, 1, "unexpected 'x'");
  });

  it('refuses run counts of zero or with leading zeros', () => {
    expectRefused('0o!', 'RLE_INVALID', 1, 1, 'cannot start with 0');
    expectRefused('bo$03o!', 'RLE_INVALID', 1, 4, 'cannot start with 0');
  });

  it('refuses a run count with no tag', () => {
    expectRefused('bo2!', 'RLE_INVALID', 1, 4, "unexpected '!' after run count 2");
    expectRefused('bo$\n12', 'RLE_INVALID', 2, 1, 'run count 12 has no tag');
  });

  it('refuses live cells beyond the declared size', () => {
    expectRefused('x = 2, y = 2\n3o!', 'RLE_INVALID', 2, 1, 'outside the declared size 2 x 2');
    expectRefused('x = 2, y = 2\nbo$b2o!', 'RLE_INVALID', 2, 5, 'outside the declared size');
    expectRefused('x = 2, y = 1\no$o!', 'RLE_INVALID', 2, 3, 'outside the declared size');
    expectRefused('x = 0, y = 0\no!', 'RLE_INVALID', 2, 1, 'outside the declared size');
  });

  it('refuses malformed headers, with positions', () => {
    expectRefused('x = 3, z = 3\no!', 'RLE_INVALID', 1, 8, "unknown header key 'z'");
    expectRefused('x 3, y = 3\no!', 'RLE_INVALID', 1, 3, "expected '=' after 'x'");
    expectRefused('x', 'RLE_INVALID', 1, 2, "expected '=' after 'x'");
    expectRefused('x = a, y = 3\no!', 'RLE_INVALID', 1, 5, "expected a number for 'x'");
    expectRefused('x = 3, y =\no!', 'RLE_INVALID', 1, 11, "expected a number for 'y'");
    expectRefused('x = -3, y = 3\no!', 'RLE_INVALID', 1, 5, "expected a number for 'x'");
    expectRefused('x = 3\no!', 'RLE_INVALID', 1, 1, "header has no 'y'");
    expectRefused('x = 3, rule = B3/S23\no!', 'RLE_INVALID', 1, 1, "header has no 'y'");
    expectRefused('x = 3, y = 3, x = 4\no!', 'RLE_INVALID', 1, 15, "header key 'x' appears twice");
    expectRefused('x = 3; y = 3\no!', 'RLE_INVALID', 1, 6, "unexpected ';' in header");
    expectRefused('x = 3,\no!', 'RLE_INVALID', 1, 7, 'header ends where a key was expected');
    expectRefused('x = 3, y = 3, rule =  \no!', 'RLE_INVALID', 1, 23, 'the rule is empty');
  });

  it('gives every error the RLE_INVALID status of 400', () => {
    const err = errorOf(() => parseRle('?'));
    expect(err).toBeInstanceOf(LifeError);
    expect(err.status).toBe(400);
  });
});

describe('parseRle: limits', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_RLE_LIMITS).toEqual({ maxWidth: 4096, maxHeight: 4096, maxCells: 100_000 });
  });

  it('refuses huge run counts at once, without allocating', () => {
    const started = performance.now();
    expectRefused('999999999o!', 'RLE_TOO_LARGE', 1, 1, 'width 999999999 exceeds the limit of 4096');
    expectRefused('99999999999999999999999999999999b!', 'RLE_TOO_LARGE', 1, 1, 'exceeds the limit of 4096');
    expectRefused('o999999999$o!', 'RLE_TOO_LARGE', 1, 12, 'height');
    expectRefused('x = 3, y = 3\n999999999o!', 'RLE_INVALID', 2, 1, 'outside the declared size');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses a header larger than the limits', () => {
    expectRefused('x = 5000, y = 1\n!', 'RLE_TOO_LARGE', 1, 5, 'width 5000');
    expectRefused('x = 1, y = 4097\n!', 'RLE_TOO_LARGE', 1, 12, 'height 4097');
    expectRefused('x = 99999999999999999999999, y = 1\n!', 'RLE_TOO_LARGE', 1, 5, 'width');
  });

  it('accepts a pattern exactly at the limits', () => {
    expect(parseRle('4096o!').cells).toHaveLength(4096);
    expect(parseRle('x = 4096, y = 4096\n4095$4095bo!').cells).toEqual([[4095, 4095]]);
  });

  it('applies custom limits', () => {
    expect(parseRle('5o!', { maxCells: 5 }).cells).toHaveLength(5);
    const err = errorOf(() => parseRle('3o$2o!', { maxCells: 4 }));
    expect(err.code).toBe('LIFE_ERR_RLE_TOO_LARGE');
    expect(err.details).toEqual({ line: 1, column: 4, limit: 4 });
    expect(errorOf(() => parseRle('x = 11, y = 1\n!', { maxWidth: 10 })).code).toBe('LIFE_ERR_RLE_TOO_LARGE');
    expect(errorOf(() => parseRle('o$o$o!', { maxHeight: 2 })).code).toBe('LIFE_ERR_RLE_TOO_LARGE');
    expect(errorOf(() => parseRle('b$b$b!', { maxHeight: 2 })).code).toBe('LIFE_ERR_RLE_TOO_LARGE');
  });

  it('refuses nonsensical limits', () => {
    expect(errorOf(() => parseRle('o!', { maxCells: -1 })).code).toBe('LIFE_ERR_VALIDATION');
    expect(errorOf(() => parseRle('o!', { maxWidth: 1.5 })).code).toBe('LIFE_ERR_VALIDATION');
  });
});

describe('writeRle', () => {
  it('writes the canonical glider', () => {
    expect(writeRle({ width: 3, height: 3, cells: GLIDER })).toBe('x = 3, y = 3\nbo$2bo$3o!\n');
    expect(writeRle({ width: 3, height: 3, cells: GLIDER, rule: 'B3/S23' })).toBe('x = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n');
  });

  it('writes an empty pattern', () => {
    expect(writeRle({ width: 5, height: 4, cells: [] })).toBe('x = 5, y = 4\n!\n');
  });

  it('omits trailing dead cells and empty bottom rows, merges row ends', () => {
    expect(writeRle({ width: 10, height: 10, cells: [[0, 0]] })).toBe('x = 10, y = 10\no!\n');
    expect(writeRle({ width: 1, height: 4, cells: [[0, 0], [0, 3]] })).toBe('x = 1, y = 4\no3$o!\n');
    expect(writeRle({ width: 1, height: 4, cells: [[0, 3]] })).toBe('x = 1, y = 4\n3$o!\n');
    expect(writeRle({ width: 8, height: 1, cells: [[1, 0], [2, 0], [3, 0], [6, 0]] })).toBe('x = 8, y = 1\nb3o2bo!\n');
  });

  it('sorts its input', () => {
    expect(writeRle({ width: 3, height: 3, cells: [...GLIDER].reverse() })).toBe('x = 3, y = 3\nbo$2bo$3o!\n');
  });

  it('wraps lines at lineWidth without splitting runs', () => {
    const cells: PatternCell[] = [];
    for (let x = 0; x < 200; x += 2) cells.push([x, 0]);
    for (const lineWidth of [70, 10, 3]) {
      const text = writeRle({ width: 200, height: 1, cells }, { lineWidth });
      const body = text.split('\n').slice(1, -1);
      expect(body.length).toBeGreaterThan(1);
      for (const line of body) expect(line.length).toBeLessThanOrEqual(lineWidth);
      expect(text.endsWith('!\n')).toBe(true);
      expect(parseRle(text).cells).toEqual(cells);
    }
    // A run longer than the line width gets a line to itself rather than being split.
    expect(writeRle({ width: 200, height: 1, cells }, { lineWidth: 1 }).split('\n')[1]).toBe('o');
  });

  it('refuses bad input', () => {
    expect(errorOf(() => writeRle({ width: 3, height: 3, cells: [[3, 0]] })).code).toBe('LIFE_ERR_OUT_OF_WORLD');
    expect(errorOf(() => writeRle({ width: 3, height: 3, cells: [[0, -1]] })).code).toBe('LIFE_ERR_OUT_OF_WORLD');
    expect(errorOf(() => writeRle({ width: 3, height: 3, cells: [[0.5, 0]] })).code).toBe('LIFE_ERR_OUT_OF_WORLD');
    expect(errorOf(() => writeRle({ width: 3, height: 3, cells: [[1, 1], [1, 1]] })).code).toBe('LIFE_ERR_DUPLICATE_CELL');
    expect(errorOf(() => writeRle({ width: -1, height: 3, cells: [] })).code).toBe('LIFE_ERR_VALIDATION');
    expect(errorOf(() => writeRle({ width: 3, height: 3, cells: [] }, { lineWidth: 0 })).code).toBe('LIFE_ERR_VALIDATION');
    expect(errorOf(() => writeRle({ width: 3, height: 3, cells: [], rule: 'B3\n/S23' })).code).toBe('LIFE_ERR_VALIDATION');
  });
});

/** A reference decoder for body tokens, written the obvious way, to check the parser against. */
function decode(tokens: ReadonlyArray<readonly [number, 'b' | 'o' | '$']>): PatternCell[] {
  const cells: PatternCell[] = [];
  let x = 0;
  let y = 0;
  for (const [n, tag] of tokens) {
    for (let i = 0; i < n; i++) {
      if (tag === '$') {
        y++;
        x = 0;
      } else {
        if (tag === 'o') cells.push([x, y]);
        x++;
      }
    }
  }
  return cells;
}

/** Random RLE bodies: runs with or without a count of 1, whitespace and line breaks between. */
const bodyArb = fc.array(
  fc.tuple(
    fc.integer({ min: 1, max: 12 }),
    fc.constantFrom('b' as const, 'o' as const, '$' as const),
    fc.boolean(), // write a count of 1 explicitly
    fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n'),
  ),
  { maxLength: 60 },
);

describe('RLE round trips (property-based)', () => {
  it('write then parse gives back the pattern', () => {
    const ruleArb = fc.option(fc.constantFrom('B3/S23', 'B36/S23', 'B2/S'));
    fc.assert(
      fc.property(patternArb, ruleArb, fc.integer({ min: 1, max: 100 }), (p, rule, lineWidth) => {
        const input = rule === null ? p : { ...p, rule };
        const text = writeRle(input, { lineWidth });
        const back = parseRle(text);
        expect(back).toEqual({ ...input, cells: sorted(p.cells) });
        // Runs in a 40 x 40 box are at most 3 characters ("40$"), never split.
        for (const line of text.split('\n').slice(1, -1)) expect(line.length).toBeLessThanOrEqual(Math.max(lineWidth, 3));
      }),
    );
  });

  it('parse agrees with a reference decoder, and parse -> write -> parse is stable', () => {
    fc.assert(
      fc.property(bodyArb, (runs) => {
        const text = runs.map(([n, tag, explicitOne, gap]) => `${n === 1 && !explicitOne ? '' : n}${tag}${gap}`).join('') + '!';
        const first = parseRle(text);
        expect(first.cells).toEqual(decode(runs.map(([n, tag]) => [n, tag] as const)));
        const written = writeRle(first);
        const second = parseRle(written);
        expect(second).toEqual(first);
        expect(writeRle(second)).toBe(written);
      }),
    );
  });
});

describe('transformCells', () => {
  it('rotates a glider 90 degrees clockwise into its known form', () => {
    // .o.      o..
    // ..o  ->  o.o
    // ooo      oo.
    const turned = transformCells(GLIDER, 3, 3, { rotate: 90 });
    expect(turned).toEqual({ width: 3, height: 3, cells: parseRle('o$obo$2o!').cells });
  });

  it('leaves cells alone by default, sorting them', () => {
    expect(transformCells([...GLIDER].reverse(), 3, 3)).toEqual({ width: 3, height: 3, cells: GLIDER });
    expect(transformCells(GLIDER, 3, 3, { rotate: 0, flip: 'none' }).cells).toEqual(GLIDER);
  });

  it('swaps width and height on quarter turns of a non-square box', () => {
    expect(transformCells([[0, 0]], 2, 1, { rotate: 90 })).toEqual({ width: 1, height: 2, cells: [[0, 0]] });
    expect(transformCells([[0, 0]], 2, 1, { rotate: 270 })).toEqual({ width: 1, height: 2, cells: [[0, 1]] });
    expect(transformCells([[0, 0]], 2, 1, { rotate: 180 })).toEqual({ width: 2, height: 1, cells: [[1, 0]] });
  });

  it('flips first, then rotates', () => {
    // (0,0) in a 3 x 2 box: the flip takes it to (2,0); the quarter turn to (1,2) in a 2 x 3 box.
    expect(transformCells([[0, 0]], 3, 2, { flip: 'horizontal', rotate: 90 })).toEqual({ width: 2, height: 3, cells: [[1, 2]] });
    // The other order would give (1,0): rotation to (1,0), then a mirror in a 2-wide box to (0,0).
    expect(transformCells([[0, 0]], 3, 2, { flip: 'vertical' }).cells).toEqual([[0, 1]]);
    expect(transformCells([[0, 0]], 3, 2, { flip: 'horizontal' }).cells).toEqual([[2, 0]]);
  });

  it('gives the original after four quarter turns, two flips, or two half turns', () => {
    fc.assert(
      fc.property(patternArb, fc.constantFrom('horizontal' as const, 'vertical' as const), ({ width, height, cells }, flip) => {
        const original = { width, height, cells: sorted(cells) };
        let box = original;
        for (let i = 0; i < 4; i++) box = transformCells(box.cells, box.width, box.height, { rotate: 90 });
        expect(box).toEqual(original);
        const flipped = transformCells(cells, width, height, { flip });
        expect(transformCells(flipped.cells, width, height, { flip })).toEqual(original);
        const half = transformCells(cells, width, height, { rotate: 180 });
        expect(transformCells(half.cells, width, height, { rotate: 180 })).toEqual(original);
        // A half turn is both flips; three quarter turns is one 270.
        const mirrored = transformCells(cells, width, height, { flip: 'horizontal' }).cells;
        const both = transformCells(mirrored, width, height, { flip: 'vertical' });
        expect(half).toEqual(both);
        let three = original;
        for (let i = 0; i < 3; i++) three = transformCells(three.cells, three.width, three.height, { rotate: 90 });
        expect(transformCells(cells, width, height, { rotate: 270 })).toEqual(three);
      }),
    );
  });

  it('refuses bad options and cells outside the box', () => {
    // Options can arrive as JSON, so values outside the union types are checked at run time.
    const rotate = 45 as unknown as 90;
    const flip = 'diagonal' as unknown as 'none';
    expect(errorOf(() => transformCells(GLIDER, 3, 3, { rotate })).code).toBe('LIFE_ERR_VALIDATION');
    expect(errorOf(() => transformCells(GLIDER, 3, 3, { flip })).code).toBe('LIFE_ERR_VALIDATION');
    expect(errorOf(() => transformCells([[3, 0]], 3, 3)).code).toBe('LIFE_ERR_OUT_OF_WORLD');
    expect(errorOf(() => transformCells([[0, 0], [0, 0]], 3, 3)).code).toBe('LIFE_ERR_DUPLICATE_CELL');
  });
});
