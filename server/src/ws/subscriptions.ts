/**
 * Viewports and the groups of clients that share one. A viewport is a rectangle of cells
 * resolved to the set of chunks it covers; clients whose viewports cover the same chunks
 * form a group and are sent the very same frame bytes every tick.
 */
import { LifeError, type Geometry, type Rect } from '@lifemmo/shared';

/** A validated viewport: the rectangle asked for and the chunks it covers. */
export interface Viewport {
  readonly rect: Rect;
  /** Chunk indices covered, ascending. */
  readonly chunks: Uint32Array;
  /** Identifies the chunk set: equal keys, equal chunks. */
  readonly key: string;
}

/**
 * Check a rectangle against the area limit and the world, and find its chunks. On a torus
 * it wraps; in a bounded world it is clipped (a rectangle wholly outside covers nothing).
 * @throws LifeError LIFE_ERR_WS_VIEWPORT_TOO_LARGE when w * h > maxArea or a side exceeds the world.
 */
export function resolveViewport(geometry: Geometry, rect: Rect, maxArea: number): Viewport {
  if (rect.w * rect.h > maxArea || rect.w > geometry.width || rect.h > geometry.height) {
    throw new LifeError(
      'WS_VIEWPORT_TOO_LARGE',
      `Viewport ${rect.w}x${rect.h} is too large: at most ${maxArea} cells and no larger than the ${geometry.width}x${geometry.height} world`,
    );
  }
  const chunks = Uint32Array.from(geometry.chunksInRect(rect)).sort();
  return { rect: { x: rect.x, y: rect.y, w: rect.w, h: rect.h }, chunks, key: chunks.join(',') };
}

/** Members watching one chunk set. */
export interface Group<M> {
  readonly key: string;
  readonly chunks: Uint32Array;
  readonly members: Set<M>;
}

/** Told when a chunk becomes watched by some group, and when by none. */
export interface CoverageListener {
  cover(chunk: number): void;
  uncover(chunk: number): void;
}

/**
 * The groups of one server, and for every chunk how many groups cover it, so only the
 * chunks someone watches are kept and encoded (the listener hears of each change).
 */
export class SubscriptionGroups<M> {
  readonly #groups = new Map<string, Group<M>>();
  readonly #coverage: Uint32Array;
  readonly #listener: CoverageListener | undefined;

  constructor(chunkCount: number, listener?: CoverageListener) {
    this.#coverage = new Uint32Array(chunkCount);
    this.#listener = listener;
  }

  /** Add `member` to the group of `viewport`'s chunk set, creating it if needed. */
  join(member: M, viewport: Viewport): Group<M> {
    let group = this.#groups.get(viewport.key);
    if (group === undefined) {
      group = { key: viewport.key, chunks: viewport.chunks, members: new Set() };
      this.#groups.set(viewport.key, group);
      for (const chunk of group.chunks) if (this.#coverage[chunk]!++ === 0) this.#listener?.cover(chunk);
    }
    group.members.add(member);
    return group;
  }

  /** Remove `member` from `group`, forgetting the group once empty. */
  leave(member: M, group: Group<M>): void {
    if (!group.members.delete(member) || group.members.size > 0) return;
    this.#groups.delete(group.key);
    for (const chunk of group.chunks) if (--this.#coverage[chunk]! === 0) this.#listener?.uncover(chunk);
  }

  /** True when some group covers chunk `index`. */
  covers(index: number): boolean {
    return this.#coverage[index]! > 0;
  }

  /** Every non-empty group. */
  values(): IterableIterator<Group<M>> {
    return this.#groups.values();
  }

  /** Number of distinct chunk sets watched. */
  get size(): number {
    return this.#groups.size;
  }
}
