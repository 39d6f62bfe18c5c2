/**
 * World geometry: cell coordinates, 64x64 chunks, shards of chunks, and the two
 * topologies (a torus whose edges wrap, or a bounded world whose outside is dead).
 * Pure arithmetic; used by the engine, the transports and the SDK alike.
 */
import { LifeError } from './errors.js';

/** Side of a chunk in cells. A chunk row is 64 cells = two 32-bit words. */
export const CHUNK_SIZE = 64;
/** log2(CHUNK_SIZE), for shifts. */
export const CHUNK_SHIFT = 6;
/** Cells in one chunk (64 * 64). */
export const CHUNK_CELLS = CHUNK_SIZE * CHUNK_SIZE;
/** Default side of a shard, in chunks (8 chunks = 512 cells). */
export const DEFAULT_SHARD_CHUNKS = 8;
/** Smallest and largest world side, in cells. */
export const MIN_WORLD_SIDE = CHUNK_SIZE;
export const MAX_WORLD_SIDE = 65536;

export const TOPOLOGIES = ['torus', 'bounded'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** The shape of a world: size in cells, topology, and shard side in chunks. */
export interface WorldShape {
  readonly width: number;
  readonly height: number;
  readonly topology: Topology;
  readonly shardChunks: number;
}

/** A rectangle of cells; x and y may be anywhere on a torus (they wrap). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

function checkSide(name: string, side: number): void {
  if (!Number.isInteger(side) || side < MIN_WORLD_SIDE || side > MAX_WORLD_SIDE || side % CHUNK_SIZE !== 0) {
    throw new LifeError(
      'VALIDATION',
      `World ${name} must be a multiple of ${CHUNK_SIZE} from ${MIN_WORLD_SIDE} to ${MAX_WORLD_SIDE}, got ${side}`,
    );
  }
}

/** Positive modulo: mod(-1, 64) = 63. Never -0 (`-64 % 64` is -0 in JavaScript). */
export function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r + 0;
}

/**
 * Derived sizes and coordinate arithmetic of one world shape. Immutable.
 * Chunk index = cy * chunksX + cx; cell index inside a chunk = (y % 64) * 64 + (x % 64).
 */
export class Geometry implements WorldShape {
  readonly width: number;
  readonly height: number;
  readonly topology: Topology;
  readonly shardChunks: number;
  /** World size in chunks. */
  readonly chunksX: number;
  readonly chunksY: number;
  /** World size in shards; the last row or column of shards may be partial. */
  readonly shardsX: number;
  readonly shardsY: number;

  constructor(shape: WorldShape) {
    checkSide('width', shape.width);
    checkSide('height', shape.height);
    if (!Number.isInteger(shape.shardChunks) || shape.shardChunks < 1 || shape.shardChunks > 64) {
      throw new LifeError('VALIDATION', `Shard side must be 1 to 64 chunks, got ${shape.shardChunks}`);
    }
    this.width = shape.width;
    this.height = shape.height;
    this.topology = shape.topology;
    this.shardChunks = shape.shardChunks;
    this.chunksX = shape.width / CHUNK_SIZE;
    this.chunksY = shape.height / CHUNK_SIZE;
    this.shardsX = Math.ceil(this.chunksX / shape.shardChunks);
    this.shardsY = Math.ceil(this.chunksY / shape.shardChunks);
    Object.freeze(this);
  }

  get torus(): boolean {
    return this.topology === 'torus';
  }

  /** True when (x, y) is a cell of the world without wrapping. */
  contains(x: number, y: number): boolean {
    return isInside(this, x, y);
  }

  /** Wrap x into [0, width) (for a torus). */
  wrapX(x: number): number {
    return mod(x, this.width);
  }

  /** Wrap y into [0, height) (for a torus). */
  wrapY(y: number): number {
    return mod(y, this.height);
  }

  /** Index of the chunk holding cell (x, y); (x, y) must be inside the world. */
  chunkIndexOfCell(x: number, y: number): number {
    return (y >> CHUNK_SHIFT) * this.chunksX + (x >> CHUNK_SHIFT);
  }

  /** Index of chunk (cx, cy). */
  chunkIndex(cx: number, cy: number): number {
    return cy * this.chunksX + cx;
  }

  /** Chunk column of a chunk index. */
  chunkX(chunkIndex: number): number {
    return chunkIndex % this.chunksX;
  }

  /** Chunk row of a chunk index. */
  chunkY(chunkIndex: number): number {
    return Math.floor(chunkIndex / this.chunksX);
  }

  /**
   * The chunk at (cx + dx, cy + dy): wrapped on a torus; -1 outside a bounded world.
   */
  neighbourChunk(cx: number, cy: number, dx: number, dy: number): number {
    let nx = cx + dx;
    let ny = cy + dy;
    if (this.topology === 'torus') {
      nx = mod(nx, this.chunksX);
      ny = mod(ny, this.chunksY);
    } else if (nx < 0 || ny < 0 || nx >= this.chunksX || ny >= this.chunksY) {
      return -1;
    }
    return ny * this.chunksX + nx;
  }

  /** Index of the shard that holds chunk (cx, cy). */
  shardOfChunk(cx: number, cy: number): number {
    return Math.floor(cy / this.shardChunks) * this.shardsX + Math.floor(cx / this.shardChunks);
  }

  /**
   * Chunk indices covering a rectangle of cells, each once. On a torus the rectangle
   * wraps; in a bounded world it is clipped to the world. Width and height must be >= 1.
   */
  chunksInRect(rect: Rect): number[] {
    const out = new Set<number>();
    let x0 = Math.floor(rect.x / CHUNK_SIZE);
    let y0 = Math.floor(rect.y / CHUNK_SIZE);
    let x1 = Math.floor((rect.x + rect.w - 1) / CHUNK_SIZE);
    let y1 = Math.floor((rect.y + rect.h - 1) / CHUNK_SIZE);
    // Bound the loops by the world, so a huge rectangle costs no more than the whole world.
    if (this.topology === 'torus') {
      x1 = Math.min(x1, x0 + this.chunksX - 1);
      y1 = Math.min(y1, y0 + this.chunksY - 1);
    } else {
      x0 = Math.max(x0, 0);
      y0 = Math.max(y0, 0);
      x1 = Math.min(x1, this.chunksX - 1);
      y1 = Math.min(y1, this.chunksY - 1);
    }
    for (let cy = y0; cy <= y1; cy++) {
      for (let cx = x0; cx <= x1; cx++) {
        if (this.topology === 'torus') {
          out.add(mod(cy, this.chunksY) * this.chunksX + mod(cx, this.chunksX));
        } else if (cx >= 0 && cy >= 0 && cx < this.chunksX && cy < this.chunksY) {
          out.add(cy * this.chunksX + cx);
        }
      }
    }
    return [...out];
  }

  /**
   * Map a cell given relative to anywhere onto the world: wrapped on a torus, or null when
   * it falls outside a bounded world.
   */
  normalize(x: number, y: number): [number, number] | null {
    return normalizeCell(this, x, y);
  }
}

/**
 * Map (x, y) onto a world of this size and topology: wrapped on a torus, or null when it
 * falls outside a bounded world. For callers that know the shape but hold no Geometry
 * (the web client's camera).
 */
export function normalizeCell(
  world: Pick<WorldShape, 'width' | 'height' | 'topology'>,
  x: number,
  y: number,
): [number, number] | null {
  if (world.topology === 'torus') return [mod(x, world.width), mod(y, world.height)];
  return isInside(world, x, y) ? [x, y] : null;
}

function isInside(world: Pick<WorldShape, 'width' | 'height'>, x: number, y: number): boolean {
  return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < world.width && y < world.height;
}

/** Position of a cell inside its chunk, 0..4095, row-major. */
export function cellIndexInChunk(x: number, y: number): number {
  return ((y & (CHUNK_SIZE - 1)) << CHUNK_SHIFT) | (x & (CHUNK_SIZE - 1));
}
