/**
 * Owner colours: player id to `#rrggbb` (from the server's hello, the leaderboard and
 * the joined player) and to the packed RGBA word the renderer writes into ImageData.
 */

/** Colour of neutral cells (owner 0). */
export const NEUTRAL_COLOUR = '#e6edf3';
/**
 * Colour of cells whose owner the page has not learnt yet (a player outside the
 * leaderboard's top 100): a muted grey, so it reads as "someone", not as anyone in particular.
 */
export const UNKNOWN_COLOUR = '#8b949e';

/**
 * `#rrggbb` as one little-endian RGBA word (the byte order of ImageData on every browser
 * in practice: all little-endian), fully opaque.
 */
export function packColour(hex: string): number {
  const v = Number.parseInt(hex.slice(1, 7), 16);
  if (!/^#[0-9a-f]{6}$/i.test(hex) || Number.isNaN(v)) return packColour(UNKNOWN_COLOUR);
  const r = (v >> 16) & 255;
  const g = (v >> 8) & 255;
  const b = v & 255;
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Known owners and their colours. */
export class OwnerColours {
  readonly #hex = new Map<number, string>([[0, NEUTRAL_COLOUR]]);
  readonly #packed = new Map<number, number>([[0, packColour(NEUTRAL_COLOUR)]]);
  readonly #unknown = packColour(UNKNOWN_COLOUR);

  /** Learn (or update) the colour of `owner`. */
  set(owner: number, hex: string): void {
    if (this.#hex.get(owner) === hex) return;
    this.#hex.set(owner, hex);
    this.#packed.set(owner, packColour(hex));
  }

  /** `#rrggbb` of `owner`. */
  hex(owner: number): string {
    return this.#hex.get(owner) ?? UNKNOWN_COLOUR;
  }

  /** Packed RGBA of `owner` (see packColour). */
  packed(owner: number): number {
    return this.#packed.get(owner) ?? this.#unknown;
  }
}
