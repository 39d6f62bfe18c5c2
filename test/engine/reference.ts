/**
 * A naive Life world for tests: one number per cell (-1 dead, else owner), every cell
 * visited every generation, no chunks, no bits. Independent of the engine by design.
 */
import { mulberry32, type Rule } from '@lifemmo/shared';

/** Decides a candidate's fate like the engine's cell logic; by default the rule itself. */
export type ReferenceDecider = (x: number, y: number, alive: boolean, neighbours: number, generation: number) => 'dead' | 'alive' | 'keep';

export class ReferenceWorld {
  cells: Int32Array;
  generation = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly torus: boolean,
    readonly rule: Rule,
  ) {
    this.cells = new Int32Array(width * height).fill(-1);
  }

  get(x: number, y: number): number {
    if (this.torus) {
      x = ((x % this.width) + this.width) % this.width;
      y = ((y % this.height) + this.height) % this.height;
    } else if (x < 0 || y < 0 || x >= this.width || y >= this.height) {
      return -1;
    }
    return this.cells[y * this.width + x]!;
  }

  set(x: number, y: number, owner: number): void {
    this.cells[y * this.width + x] = owner;
  }

  /** One generation. Newborns take the owner most parents hold; a tie gives 0. */
  step(decide?: ReferenceDecider): void {
    const next = new Int32Array(this.cells.length).fill(-1);
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) {
        const owners: number[] = [];
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            if (dx === 0 && dy === 0) continue;
            const o = this.get(x + dx, y + dy);
            if (o >= 0) owners.push(o);
          }
        }
        const me = this.cells[y * this.width + x]!;
        const alive = me >= 0;
        const n = owners.length;
        const ruleSays = ((alive ? this.rule.survival : this.rule.birth) >> n) & 1;
        const isCandidate = alive || ((this.rule.birth >> n) & 1) === 1;
        let live: boolean;
        if (!isCandidate) live = false;
        else {
          const verdict = decide ? decide(x, y, alive, n, this.generation) : ruleSays ? 'alive' : 'dead';
          live = verdict === 'keep' ? alive : verdict === 'alive';
        }
        if (!live) continue;
        if (alive) {
          next[y * this.width + x] = me;
          continue;
        }
        const counts = new Map<number, number>();
        for (const o of owners) counts.set(o, (counts.get(o) ?? 0) + 1);
        let best = 0;
        let bestCount = 0;
        let tied = false;
        for (const [o, c] of counts) {
          if (c > bestCount) {
            best = o;
            bestCount = c;
            tied = false;
          } else if (c === bestCount) tied = true;
        }
        next[y * this.width + x] = tied ? 0 : best;
      }
    }
    this.cells = next;
    this.generation++;
  }

  /** Live cells as [x, y, owner], row by row. */
  live(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) {
        const o = this.cells[y * this.width + x]!;
        if (o >= 0) out.push([x, y, o]);
      }
    }
    return out;
  }
}

/** The shared seeded PRNG, so soups are the same on every run. */
export const prng = mulberry32;

/** Random cells over a w x h area: each live with probability `density`, owner 0..owners-1. */
export function soup(w: number, h: number, density: number, owners: number, seed: number): Array<[number, number, number]> {
  const rnd = prng(seed);
  const out: Array<[number, number, number]> = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (rnd() < density) out.push([x, y, Math.floor(rnd() * owners)]);
    }
  }
  return out;
}
