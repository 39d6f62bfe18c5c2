/**
 * The RLE pattern format as used by Golly and LifeWiki: parsing (strict, with positions in
 * every error), canonical writing, and flips/rotations of a pattern's cells.
 *
 * Format reminder: optional `#` comment lines, an optional header `x = W, y = H, rule = R`,
 * then a body of runs `<count><tag>` where the tag is `b` (dead), `o` (live) or `$` (end of
 * row), ended by `!`. Only two-state Life is supported, so any other tag is an error.
 */
import { LifeError } from './errors.js';

/** A cell as [x, y]: x grows to the right, y grows downwards. */
export type PatternCell = [number, number];

/** A parsed pattern: live cells relative to the top-left, sorted by y then x. */
export interface Pattern {
  width: number;
  height: number;
  /** The header's rule text as written (not validated; pass it to `parseRule`). */
  rule?: string;
  cells: PatternCell[];
}

/** Size limits for `parseRle`; a pattern beyond any of them is LIFE_ERR_RLE_TOO_LARGE. */
export interface RleLimits {
  /** Largest width in cells (default 4096). */
  maxWidth?: number;
  /** Largest height in cells (default 4096). */
  maxHeight?: number;
  /** Largest number of live cells (default 100000). */
  maxCells?: number;
}

/** The limits `parseRle` applies when none are given. */
export const DEFAULT_RLE_LIMITS: Readonly<Required<RleLimits>> = Object.freeze({
  maxWidth: 4096,
  maxHeight: 4096,
  maxCells: 100_000,
});

/** Options of `writeRle`. */
export interface WriteRleOptions {
  /** Longest body line in characters (default 70, as Golly writes). */
  lineWidth?: number;
}

/** Clockwise rotation in degrees. */
export type PatternRotation = 0 | 90 | 180 | 270;
/** Mirror: `horizontal` swaps left and right, `vertical` swaps top and bottom. */
export type PatternFlip = 'none' | 'horizontal' | 'vertical';

/** Options of `transformCells`; the flip is applied first, then the rotation. */
export interface PatternTransformOptions {
  rotate?: PatternRotation;
  flip?: PatternFlip;
}

/** Cells in a width x height box, as returned by `transformCells`. */
export interface PatternBox {
  width: number;
  height: number;
  cells: PatternCell[];
}

// Run counts are clamped here while reading digits: any count this big is already over
// every limit, and clamping keeps the arithmetic exact however many digits are sent.
const COUNT_CAP = 2 ** 31;

interface Header {
  width: number;
  height: number;
  rule: string | undefined;
}

/** Throw LIFE_ERR_RLE_INVALID naming the 1-based position of the fault. */
function invalid(line: number, column: number, what: string): never {
  throw new LifeError('RLE_INVALID', `line ${line}, column ${column}: ${what}`, { line, column });
}

/** Throw LIFE_ERR_RLE_TOO_LARGE naming the position where the limit was crossed. */
function tooLarge(line: number, column: number, what: string, limit: number): never {
  throw new LifeError('RLE_TOO_LARGE', `line ${line}, column ${column}: ${what} exceeds the limit of ${limit}`, {
    line,
    column,
    limit,
  });
}

/** A character for an error message; control characters are escaped so they show. */
function show(ch: string): string {
  return ch >= ' ' && ch !== '\u007f' ? `'${ch}'` : JSON.stringify(ch);
}

/** ", found 'c'" for the character at `pos`, or nothing at the end of the text. */
function found(text: string, pos: number): string {
  return pos < text.length ? `, found ${show(text.charAt(pos))}` : '';
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\v' || ch === '\f';
}

function resolveLimits(limits: RleLimits): Required<RleLimits> {
  const out = { ...DEFAULT_RLE_LIMITS, ...limits };
  for (const [key, value] of Object.entries(out)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new LifeError('VALIDATION', `RLE limit ${key} must be a non-negative integer, got ${value}`);
    }
  }
  return out;
}

/**
 * Parse the header line `x = W, y = H, rule = R` (spaces optional, keys in any order, x and
 * y required). The rule runs to the end of the line, because Golly's rule suffixes may hold
 * commas (`B3/S23:T100,100`); so it must be the last key, which is where Golly writes it.
 */
function parseHeader(text: string, line: number, limits: Required<RleLimits>): Header {
  let pos = 0;
  const values = new Map<string, number>();
  let rule: string | undefined;
  const skipSpaces = (): void => {
    while (pos < text.length && isSpace(text.charAt(pos))) pos++;
  };
  for (;;) {
    skipSpaces();
    const keyStart = pos;
    const key = /^[A-Za-z]+/.exec(text.slice(pos))?.[0];
    if (key === undefined) {
      if (pos >= text.length) invalid(line, pos + 1, 'header ends where a key was expected');
      invalid(line, pos + 1, `unexpected ${show(text.charAt(pos))} in header`);
    }
    const name = key.toLowerCase();
    if (name !== 'x' && name !== 'y' && name !== 'rule') invalid(line, keyStart + 1, `unknown header key '${key}'`);
    if (values.has(name)) invalid(line, keyStart + 1, `header key '${key}' appears twice`);
    pos += key.length;
    skipSpaces();
    if (text.charAt(pos) !== '=') invalid(line, pos + 1, `expected '=' after '${key}'${found(text, pos)}`);
    pos++;
    skipSpaces();
    if (name === 'rule') {
      rule = text.slice(pos).trim();
      if (rule === '') invalid(line, pos + 1, 'the rule is empty');
      break;
    }
    const digits = /^[0-9]+/.exec(text.slice(pos))?.[0];
    if (digits === undefined) invalid(line, pos + 1, `expected a number for '${key}'${found(text, pos)}`);
    const value = Number(digits);
    const limit = name === 'x' ? limits.maxWidth : limits.maxHeight;
    if (value > limit) tooLarge(line, pos + 1, name === 'x' ? `width ${digits}` : `height ${digits}`, limit);
    values.set(name, value);
    pos += digits.length;
    skipSpaces();
    if (pos >= text.length) break;
    if (text.charAt(pos) !== ',') invalid(line, pos + 1, `unexpected ${show(text.charAt(pos))} in header`);
    pos++;
  }
  const width = values.get('x');
  const height = values.get('y');
  if (width === undefined) invalid(line, 1, "header has no 'x'");
  if (height === undefined) invalid(line, 1, "header has no 'y'");
  return { width, height, rule };
}

/**
 * Parse an RLE pattern.
 *
 * - `#` lines (`#N`, `#C`, `#O`, ...) and blank lines may appear anywhere before the body.
 * - The header is optional; without it the size is the extent of the body's runs (the
 *   widest row, counting explicit dead runs, by the last row holding any run).
 * - The body may span lines; whitespace is ignored anywhere in it. `!` ends it and anything
 *   after is ignored; a body that simply stops at the end of the text is accepted too.
 * - A count before `$` means that many row ends. Counts are 1 or more, without leading zeros.
 * - Only `b`, `o`, `$`, `!` and digits are allowed in the body.
 *
 * Limits are checked before any cell is stored, so `999999999o!` is refused at once.
 *
 * @param text The RLE text; `\n` or `\r\n` line ends.
 * @param limits Size limits, each defaulting to `DEFAULT_RLE_LIMITS`.
 * @throws LifeError LIFE_ERR_RLE_INVALID with details `{ line, column }` (1-based) for
 *   malformed text or live cells outside the header's size; LIFE_ERR_RLE_TOO_LARGE with
 *   `{ line, column, limit }` when a limit is exceeded.
 */
export function parseRle(text: string, limits: RleLimits = {}): Pattern {
  const max = resolveLimits(limits);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);

  // Preamble: comments, blank lines and at most one header, up to the first body line.
  let header: Header | undefined;
  let first = 0;
  for (; first < lines.length; first++) {
    const trimmed = (lines[first] ?? '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (header === undefined && (trimmed[0] === 'x' || trimmed[0] === 'X')) {
      header = parseHeader(lines[first] ?? '', first + 1, max);
      continue;
    }
    break;
  }
  if (first >= lines.length && header === undefined) {
    const last = lines[lines.length - 1] ?? '';
    invalid(lines.length, last.length + 1, 'empty pattern: no header and no body');
  }

  const cells: PatternCell[] = [];
  let x = 0;
  let y = 0;
  let extentX = 0; // columns reached by any run, for a header-less size
  let lastRow = -1; // last row holding any run, for a header-less size
  let count: number | undefined;
  let countLine = 0;
  let countColumn = 0;
  let ended = false;

  for (let li = first; li < lines.length && !ended; li++) {
    const body = lines[li] ?? '';
    const line = li + 1;
    for (let ci = 0; ci < body.length; ci++) {
      const ch = body.charAt(ci);
      const column = ci + 1;
      if (ch >= '0' && ch <= '9') {
        if (count === undefined) {
          if (ch === '0') invalid(line, column, 'a run count cannot start with 0');
          count = 0;
          countLine = line;
          countColumn = column;
        }
        count = Math.min(count * 10 + Number(ch), COUNT_CAP);
        continue;
      }
      if (isSpace(ch)) continue;
      // Errors about a run point at its count when it has one: that is where it starts.
      const runLine = count === undefined ? line : countLine;
      const runColumn = count === undefined ? column : countColumn;
      const n = count ?? 1;
      if (ch === '!') {
        if (count !== undefined) invalid(line, column, `unexpected '!' after run count ${count}: expected b, o or $`);
        ended = true;
        break;
      }
      count = undefined;
      if (ch === '$') {
        y += n;
        x = 0;
      } else if (ch === 'b' || ch === 'o') {
        const end = x + n;
        if (header !== undefined) {
          if (ch === 'o' && (end > header.width || y >= header.height)) {
            const size = `${header.width} x ${header.height}`;
            invalid(runLine, runColumn, `live cells at x ${x}..${end - 1}, y ${y} lie outside the declared size ${size}`);
          }
        } else {
          if (end > max.maxWidth) tooLarge(runLine, runColumn, `width ${end}`, max.maxWidth);
          if (y >= max.maxHeight) tooLarge(runLine, runColumn, `height ${y + 1}`, max.maxHeight);
        }
        if (ch === 'o') {
          if (cells.length + n > max.maxCells) tooLarge(runLine, runColumn, `live cell count ${cells.length + n}`, max.maxCells);
          for (let cx = x; cx < end; cx++) cells.push([cx, y]);
        }
        x = end;
        extentX = Math.max(extentX, end);
        lastRow = y;
      } else {
        invalid(line, column, `unexpected ${show(ch)}`);
      }
    }
  }
  if (count !== undefined) invalid(countLine, countColumn, `run count ${count} has no tag at the end of the pattern`);

  const pattern: Pattern = header
    ? { width: header.width, height: header.height, cells }
    : { width: extentX, height: lastRow + 1, cells };
  if (header?.rule !== undefined) pattern.rule = header.rule;
  return pattern;
}

/** Compare cells by y, then x. */
function byRow(a: readonly [number, number], b: readonly [number, number]): number {
  return a[1] - b[1] || a[0] - b[0];
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new LifeError('VALIDATION', `Pattern size must be non-negative integers, got ${width} x ${height}`);
  }
}

/** Check every cell lies inside the box, then return a sorted copy without duplicates. */
function sortedCells(cells: ReadonlyArray<readonly [number, number]>, width: number, height: number): PatternCell[] {
  checkSize(width, height);
  for (const [x, y] of cells) {
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= width || y >= height) {
      throw new LifeError('OUT_OF_WORLD', `Cell (${x}, ${y}) is outside the pattern's ${width} x ${height} box`);
    }
  }
  const sorted = cells.map(([x, y]): PatternCell => [x, y]).sort(byRow);
  for (let i = 1; i < sorted.length; i++) {
    if (byRow(sorted[i - 1] as PatternCell, sorted[i] as PatternCell) === 0) {
      const [x, y] = sorted[i] as PatternCell;
      throw new LifeError('DUPLICATE_CELL', `Cell (${x}, ${y}) appears twice`);
    }
  }
  return sorted;
}

/**
 * Write a pattern as canonical RLE: header `x = W, y = H, rule = R` (rule only when given),
 * runs collapsed (a count only when above 1), dead cells at the end of a row omitted,
 * consecutive row ends merged (`3$`), empty rows at the bottom omitted, body lines at most
 * `lineWidth` characters (runs are never split), then `!` and a newline.
 *
 * @throws LifeError LIFE_ERR_VALIDATION for a bad size, rule or line width,
 *   LIFE_ERR_OUT_OF_WORLD for a cell outside the box, LIFE_ERR_DUPLICATE_CELL for a repeat.
 */
export function writeRle(
  pattern: { width: number; height: number; cells: ReadonlyArray<readonly [number, number]>; rule?: string },
  options: WriteRleOptions = {},
): string {
  const lineWidth = options.lineWidth ?? 70;
  if (!Number.isInteger(lineWidth) || lineWidth < 1) {
    throw new LifeError('VALIDATION', `RLE line width must be a positive integer, got ${lineWidth}`);
  }
  const { width, height, rule } = pattern;
  if (rule !== undefined && (rule.trim() === '' || /[\r\n]/.test(rule))) {
    throw new LifeError('VALIDATION', 'An RLE rule must be non-empty and on one line');
  }
  const cells = sortedCells(pattern.cells, width, height);

  const runs: string[] = [];
  const run = (n: number, tag: string): void => {
    runs.push(n === 1 ? tag : `${n}${tag}`);
  };
  let x = 0;
  let y = 0;
  for (let i = 0; i < cells.length; ) {
    const [cx, cy] = cells[i] as PatternCell;
    if (cy > y) {
      run(cy - y, '$');
      y = cy;
      x = 0;
    }
    if (cx > x) run(cx - x, 'b');
    // Extend the live run while the next cell is its right-hand neighbour.
    let len = 1;
    while (i + len < cells.length) {
      const [nx, ny] = cells[i + len] as PatternCell;
      if (ny !== cy || nx !== cx + len) break;
      len++;
    }
    run(len, 'o');
    x = cx + len;
    i += len;
  }
  runs.push('!');

  const lines: string[] = [];
  let current = '';
  for (const token of runs) {
    if (current !== '' && current.length + token.length > lineWidth) {
      lines.push(current);
      current = '';
    }
    current += token;
  }
  lines.push(current);

  const head = `x = ${width}, y = ${height}${rule !== undefined ? `, rule = ${rule.trim()}` : ''}`;
  return `${head}\n${lines.join('\n')}\n`;
}

/**
 * PatternFlip and rotate cells inside their width x height box. Order of operations: the flip
 * first (`horizontal` mirrors x, `vertical` mirrors y), then the clockwise rotation. The
 * result is re-based so its box's top-left is (0, 0) (a 90 or 270 rotation swaps width and
 * height) and its cells are sorted by y then x.
 *
 * @throws LifeError LIFE_ERR_VALIDATION for an unknown rotation or flip or a bad size,
 *   LIFE_ERR_OUT_OF_WORLD for a cell outside the box, LIFE_ERR_DUPLICATE_CELL for a repeat.
 */
export function transformCells(
  cells: ReadonlyArray<readonly [number, number]>,
  width: number,
  height: number,
  options: PatternTransformOptions = {},
): PatternBox {
  const rotate = options.rotate ?? 0;
  const flip = options.flip ?? 'none';
  // Options often come from JSON, so the union types are checked at run time too.
  if (![0, 90, 180, 270].includes(rotate)) {
    throw new LifeError('VALIDATION', `PatternRotation must be 0, 90, 180 or 270, got ${String(rotate)}`);
  }
  if (flip !== 'none' && flip !== 'horizontal' && flip !== 'vertical') {
    throw new LifeError('VALIDATION', `PatternFlip must be none, horizontal or vertical, got ${String(flip)}`);
  }
  const source = sortedCells(cells, width, height);
  const turned = rotate === 90 || rotate === 270;
  const out: PatternCell[] = source.map(([x0, y0]): PatternCell => {
    const x = flip === 'horizontal' ? width - 1 - x0 : x0;
    const y = flip === 'vertical' ? height - 1 - y0 : y0;
    // Clockwise with y pointing down: the top row becomes the right-hand column.
    switch (rotate) {
      case 90:
        return [height - 1 - y, x];
      case 180:
        return [width - 1 - x, height - 1 - y];
      case 270:
        return [y, width - 1 - x];
      default:
        return [x, y];
    }
  });
  out.sort(byRow);
  return { width: turned ? height : width, height: turned ? width : height, cells: out };
}
