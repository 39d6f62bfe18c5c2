/**
 * The page's layout for the screen and the device in use (DOM only):
 *
 * - the compact layout (small screens, COMPACT_QUERY, the same media query as style.css):
 *   the panel folds into a bar across the top and opens as a drawer below it with the ☰
 *   button; it starts folded, and picking a pattern folds it again so the world is there
 *   to place on; the minimap is smaller (minimapSide) and hidden while the drawer is open;
 * - the input in use, as `body[data-input]` = `touch` or `mouse`: from the device at
 *   first (`pointer: coarse`), then from the last pointer pressed, so a laptop with a
 *   touch screen shows the help and the target sizes of whatever the player uses now.
 */

/** Small screens: phones either way round. style.css repeats this query. */
export const COMPACT_QUERY = '(max-width: 640px), (max-height: 500px)';

/** The minimap's longest side, CSS pixels, in the full and the compact layout. */
export const MINIMAP_SIDE = { full: 200, compact: 96 } as const;

/** The input the page adapts to. */
export type InputKind = 'touch' | 'mouse';

/** See the module comment. */
export class Layout {
  readonly #compact = window.matchMedia(COMPACT_QUERY);
  readonly #toggle: HTMLButtonElement;
  readonly #onChange: () => void;

  /** `onChange` runs when the layout switches between compact and full (resize, rotation). */
  constructor(onChange: () => void) {
    this.#onChange = onChange;
    this.#toggle = document.getElementById('drawer-toggle') as HTMLButtonElement;
    this.#setInput(window.matchMedia('(pointer: coarse)').matches ? 'touch' : 'mouse');
    this.setDrawer(false);
    this.#compact.addEventListener('change', () => this.#onChange());
    this.#toggle.addEventListener('click', () => this.setDrawer(!this.drawerOpen));
    document.getElementById('palette')!.addEventListener('click', (e) => {
      if (this.compact && (e.target as HTMLElement).closest('button') !== null) this.setDrawer(false);
    });
    // Capture: seen before the canvas's own handlers, whatever they stop.
    window.addEventListener(
      'pointerdown',
      (e) => {
        if (e.pointerType === 'touch' || e.pointerType === 'mouse') this.#setInput(e.pointerType);
      },
      { capture: true },
    );
  }

  /** True in the compact (small screen) layout. */
  get compact(): boolean {
    return this.#compact.matches;
  }

  /** True while the drawer is open (meaningful in the compact layout only). */
  get drawerOpen(): boolean {
    return document.body.dataset.drawer === 'open';
  }

  /** The input the page adapts to now. */
  get input(): InputKind {
    return document.body.dataset.input === 'touch' ? 'touch' : 'mouse';
  }

  /** The minimap's longest side for the current layout, CSS pixels. */
  minimapSide(): number {
    return this.compact ? MINIMAP_SIDE.compact : MINIMAP_SIDE.full;
  }

  /** Open or fold the drawer. */
  setDrawer(open: boolean): void {
    document.body.dataset.drawer = open ? 'open' : 'closed';
    this.#toggle.setAttribute('aria-expanded', String(open));
    this.#toggle.title = open ? 'Fold the panel' : 'Open the panel';
  }

  #setInput(kind: InputKind): void {
    document.body.dataset.input = kind;
  }
}
