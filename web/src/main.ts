/**
 * The web client's wiring: one LifeClient (SDK) for the world, the camera, the renderer,
 * the minimap, the panel and the controls. Everything the page shows is derived from the
 * SDK's replica and three polled reads (feeds.ts); nothing here decodes protocol bytes.
 *
 * Flow: connect (as the stored player, else as a spectator), subscribe to the rectangle
 * around the camera (re-subscribing when the camera leaves it), redraw on every snapshot
 * or diff and on camera moves (at most once per animation frame), place through the
 * socket. The SDK reconnects by itself after a drop; the first connection is retried here.
 */
import { LifeClient, isLifeError, type LifeError, type Rect, type ServerHello } from '@lifemmo/client';
import type { BudgetReading, PatternRotation } from '@lifemmo/shared/client';
import { RateMeter, projectBudget } from './budget.js';
import * as cam from './camera.js';
import { OwnerColours } from './colours.js';
import { installDebugHook } from './debug-hook.js';
import { FeedError, POLL_MS, getDensity, getMe, getOwnerCells, getRanking } from './feeds.js';
import { ColonyTour, colonyLabel, type Colony } from './find-cells.js';
import { Glance } from './glance.js';
import { attachInput } from './input.js';
import { Layout } from './layout.js';
import { Minimap } from './minimap.js';
import { BUILT_IN, nextRotation, patternCells, placeAt } from './palette.js';
import { Panel, type ConnectionView } from './panel.js';
import { Renderer } from './renderer.js';
import { Session, type StoredPlayer } from './session.js';

const BASE_URL = location.origin;
/** Delay between attempts of a first connection that failed, ms. */
const RETRY_FIRST_CONNECT_MS = 2000;

const canvas = document.getElementById('world') as HTMLCanvasElement;
const colours = new OwnerColours();
const panel = new Panel();
const minimap = new Minimap(document.getElementById('minimap') as HTMLCanvasElement);
const session = new Session(localStorage);
const meter = new RateMeter();
const renderer = new Renderer(canvas, colours);
const glance = new Glance();
const tour = new ColonyTour();
const layout = new Layout(() => {
  // Compact or full: the minimap's size changes with it.
  if (app.hello !== null) minimap.fit(app.hello.world, layout.minimapSide());
  app.dirty = true;
});

/** Mutable state of the page, in one place. */
const app = {
  client: null as LifeClient | null,
  hello: null as ServerHello | null,
  player: session.load() as StoredPlayer | null,
  camera: null as cam.Camera | null,
  /** Rectangle last asked for, and the one the replica holds (set when its snapshot is in). */
  wanted: null as Rect | null,
  subscribed: null as Rect | null,
  hover: null as { x: number; y: number } | null,
  stroke: null as Map<number, [number, number]> | null,
  tool: 'pan' as 'pan' | 'place',
  selected: 1,
  customRle: '',
  rotation: 0 as PatternRotation,
  budget: null as BudgetReading | null,
  worldPopulation: null as number | null,
  connection: 'connecting' as ConnectionView,
  /** The last jump to an owner's cells ("Go to my cells", a leaderboard entry), or null. */
  found: null as Colony | null,
  dirty: true,
  frames: 0,
  /** Bumped by each connect(), so a superseded one stops. */
  epoch: 0,
};

// ---------------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------------

/** Connect (again) as the stored player, or as a spectator; retries until it works. */
async function connect(): Promise<void> {
  const epoch = ++app.epoch;
  const old = app.client;
  app.client = null;
  if (old !== null) await old.close();
  setConnection('connecting');
  const client = new LifeClient({ url: BASE_URL, ...(app.player && { token: app.player.token }) });
  client.on('snapshot', () => {
    app.subscribed = client.viewport;
    renderer.invalidateCells();
    app.dirty = true;
  });
  client.on('diff', () => {
    meter.tick(performance.now());
    renderer.invalidateCells();
    app.dirty = true;
  });
  client.on('disconnect', (e) => {
    if (app.client !== client) return;
    setConnection(e.willReconnect ? 'reconnecting' : 'closed', e.error ? `(${e.error.code})` : `(${e.code})`);
    if (e.willReconnect) panel.toast('Connection lost: reconnecting…', 'error');
  });
  client.on('reconnect', (e) => {
    if (app.client !== client) return;
    setConnection('open');
    panel.toast(`Reconnected after ${e.attempts} attempt${e.attempts === 1 ? '' : 's'} (${(e.downtimeMs / 1000).toFixed(1)} s)`, 'success');
  });
  client.on('error', (err) => {
    if (app.client !== client) return;
    if (isLifeError(err, 'WS_UNAUTHORIZED') && app.player !== null) {
      // Refused on a reconnect: the server restarted without the player. Go on as a spectator.
      panel.toast(`The server does not know ${app.player.name} any more: join again`, 'error', 8000);
      leave();
      void connect();
      return;
    }
    if (client.state === 'closed') setConnection('closed', `(${err.code})`);
  });
  app.client = client;
  try {
    const hello = await client.connect();
    if (epoch !== app.epoch) return void client.close();
    onHello(hello);
    setConnection('open');
    updateSubscription(true);
  } catch (err) {
    if (epoch !== app.epoch) return;
    if (isLifeError(err, 'WS_UNAUTHORIZED') && app.player !== null) {
      // The server forgot the player (players live in memory until persisted): play on as a spectator.
      panel.toast(`The server does not know ${app.player.name} any more: join again`, 'error', 8000);
      leave();
      return connect();
    }
    setConnection('offline', `(${(err as LifeError).code ?? 'error'}): retrying`);
    setTimeout(() => {
      if (epoch === app.epoch) void connect();
    }, RETRY_FIRST_CONNECT_MS);
  }
}

function onHello(hello: ServerHello): void {
  app.hello = hello;
  if (hello.player !== null) {
    colours.set(hello.player.id, hello.player.color);
    if (app.player !== null) app.player = { ...app.player, name: hello.player.name, color: hello.player.color };
  }
  panel.setPlayer(app.player);
  renderer.resize();
  app.camera = app.camera === null ? cam.centred(hello.world, renderer.view) : cam.normalize(app.camera, hello.world, renderer.view);
  minimap.fit(hello.world, layout.minimapSide());
  setTool(app.player === null ? 'pan' : 'place');
  app.dirty = true;
  void poll();
}

function setConnection(state: ConnectionView, detail = ''): void {
  app.connection = state;
  panel.setConnection(state, detail);
}

/** Subscribe to the area around the camera when the view left the current one (or `force`). */
function updateSubscription(force = false): void {
  const client = app.client;
  const hello = app.hello;
  if (client === null || hello === null || app.camera === null || client.state === 'closed') return;
  const visible = cam.visibleRect(app.camera, renderer.view);
  const fits = visible.w * visible.h <= hello.limits.maxViewportArea;
  // Zoomed out past the server's limit: the subscription cannot cover the view; keep it
  // centred but only move it once the centre has drifted a quarter of its size.
  if (!force && app.wanted !== null) {
    if (fits && cam.contains(app.wanted, visible, hello.world)) return;
    if (!fits && cam.contains(app.wanted, shrink(visible, app.wanted), hello.world)) return;
  }
  const rect = cam.subscriptionRect(visible, hello.world, hello.limits.maxViewportArea);
  app.wanted = rect;
  client.subscribe(rect).catch((err: LifeError) => {
    if (app.wanted === rect) app.wanted = null;
    if (err.code !== 'LIFE_ERR_DISCONNECTED') panel.toast(`Subscribe refused: ${err.message}`, 'error');
  });
}

/** The middle half of `sub`, re-centred on `visible`'s centre: the drift allowed before re-subscribing. */
function shrink(visible: Rect, sub: Rect): Rect {
  const w = Math.max(1, Math.floor(sub.w / 2));
  const h = Math.max(1, Math.floor(sub.h / 2));
  return { x: Math.round(visible.x + visible.w / 2 - w / 2), y: Math.round(visible.y + visible.h / 2 - h / 2), w, h };
}

/** Centre the view on world point (x, y) at the same zoom: every jump (minimap, "Go to my cells", leaderboard). */
function lookAt(x: number, y: number): void {
  if (app.camera === null || app.hello === null) return;
  app.camera = cam.lookAt(app.camera, app.hello.world, renderer.view, x, y);
  cameraChanged();
}

let subscribeTimer: ReturnType<typeof setTimeout> | null = null;
/** Camera moved: redraw now, re-subscribe shortly after (not on every pointer move). */
function cameraChanged(): void {
  app.dirty = true;
  if (subscribeTimer !== null) clearTimeout(subscribeTimer);
  subscribeTimer = setTimeout(() => updateSubscription(), 120);
}

// ---------------------------------------------------------------------------------
// Feeds
// ---------------------------------------------------------------------------------

let pollTimer: ReturnType<typeof setTimeout> | null = null;
/** Read density, leaderboard and budget; schedules the next read. */
async function poll(): Promise<void> {
  if (pollTimer !== null) clearTimeout(pollTimer);
  pollTimer = null;
  const player = app.player;
  const [density, board, me] = await Promise.allSettled([
    getDensity(BASE_URL),
    getRanking(BASE_URL),
    player === null ? Promise.resolve(null) : getMe(BASE_URL, player.token),
  ]);
  if (density.status === 'fulfilled') {
    minimap.update(density.value);
    app.worldPopulation = density.value.bins.reduce((n, b) => n + b[2], 0);
  }
  if (board.status === 'fulfilled') {
    let changed = false;
    for (const p of board.value.players) {
      if (colours.hex(p.id) !== p.color) changed = true;
      colours.set(p.id, p.color);
    }
    if (changed) renderer.invalidateCells();
    panel.setLeaderboard(board.value, app.player?.id ?? null);
  }
  if (me.status === 'fulfilled' && me.value !== null && app.player === player) {
    app.budget = me.value.budget;
    glance.sample(performance.now(), me.value);
  }
  if (me.status === 'rejected' && me.reason instanceof FeedError && me.reason.status === 401) app.budget = null;
  app.dirty = true;
  pollTimer = setTimeout(() => void poll(), POLL_MS);
}

/**
 * Jump to `owner`'s cells: the most populated chunk of `GET /players/{owner}/cells`, or
 * its next one when asked again (find-cells.ts). `name` is null for the joined player.
 */
async function goToCells(owner: number, name: string | null): Promise<void> {
  const whose = name === null ? 'Your cells' : `${name}'s cells`;
  let colony: Colony | null;
  try {
    const reply = await getOwnerCells(BASE_URL, owner);
    if (app.hello === null) return;
    colony = tour.next(reply, app.hello.world);
  } catch (err) {
    return panel.toast(`Could not find ${whose.toLowerCase()}: ${(err as Error).message}`, 'error');
  }
  app.found = colony;
  if (colony === null) {
    const text = name === null ? 'You have no live cells now: place some first' : `${name} has no live cells now`;
    if (name === null) glance.showFound(text);
    return panel.toast(text, 'info', 3000);
  }
  lookAt(colony.x, colony.y);
  const text = `${whose}: ${colonyLabel(colony)}`;
  if (name === null) glance.showFound(colonyLabel(colony));
  // Folded on a phone, the world is what the player wants to see; the toast says where.
  if (layout.compact) layout.setDrawer(false);
  if (name !== null || layout.compact) panel.toast(text, 'info', 2500);
}

// ---------------------------------------------------------------------------------
// Placing
// ---------------------------------------------------------------------------------

/** The selected pattern's cells, rotated (null for a malformed custom RLE). */
function currentPattern(): ReturnType<typeof patternCells> | null {
  const entry = BUILT_IN[app.selected];
  const rle = entry?.rle ?? app.customRle;
  try {
    return patternCells(rle, app.rotation);
  } catch {
    return null;
  }
}

let patternCache: { key: string; box: ReturnType<typeof patternCells> | null } = { key: '', box: null };
function pattern(): ReturnType<typeof patternCells> | null {
  const key = `${app.selected}:${app.rotation}:${app.selected >= BUILT_IN.length ? app.customRle : ''}`;
  if (patternCache.key !== key) patternCache = { key, box: currentPattern() };
  return patternCache.box;
}

/** Send a placement; refusals become messages, never silence. */
function place(cells: Array<[number, number]>, what: string): void {
  const client = app.client;
  if (app.player === null) return panel.toast('Join with a name to place cells (spectators only watch)', 'error');
  if (client === null || client.state !== 'open') return panel.toast('Not connected: the placement was not sent', 'error');
  if (cells.length === 0) return;
  client.place(cells).then(
    (placed) => {
      if (app.budget !== null) {
        const now = projectBudget(app.budget, client.generation);
        app.budget = { ...app.budget, available: now - placed.accepted, generation: client.generation };
      }
      panel.toast(`Placed ${what} (${placed.accepted} cell${placed.accepted === 1 ? '' : 's'}), live at generation ${placed.generation}`, 'success', 2500);
      app.dirty = true;
    },
    (err: LifeError) => {
      panel.toast(`Refused: ${err.message}${err.code ? ` (${err.code})` : ''}`, 'error', 6000);
      void poll();
    },
  );
}

function cellUnder(px: number, py: number): { x: number; y: number } | null {
  if (app.camera === null || app.hello === null) return null;
  return cam.cellAt(app.camera, renderer.view, app.hello.world, px, py);
}

function strokeKey(x: number, y: number): number {
  return y * (app.hello?.world.width ?? 0) + x;
}

/** Cells under the pointer (the preview), or a stroke being painted. */
function previewCells(): ReadonlyArray<readonly [number, number]> {
  if (app.stroke !== null) return [...app.stroke.values()];
  if (app.tool !== 'place' || app.hover === null || app.hello === null) return [];
  const box = pattern();
  return box === null ? [] : (placeAt(box, app.hover.x, app.hover.y, app.hello.world) ?? []);
}

// ---------------------------------------------------------------------------------
// Controls
// ---------------------------------------------------------------------------------

attachInput(canvas, {
  pan(dx, dy) {
    if (app.camera === null || app.hello === null) return;
    app.camera = cam.pan(app.camera, app.hello.world, renderer.view, dx, dy);
    cameraChanged();
  },
  zoom(factor, px, py) {
    zoomBy(factor, px, py);
  },
  hover(point) {
    app.hover = point === null ? null : cellUnder(point.px, point.py);
    app.dirty = true;
  },
  click(px, py) {
    const cell = cellUnder(px, py);
    const box = pattern();
    if (cell === null || app.hello === null) return;
    if (box === null) return panel.toast('The custom RLE is not valid: fix it before placing', 'error');
    const cells = placeAt(box, cell.x, cell.y, app.hello.world);
    if (cells === null) return panel.toast('The pattern does not fit inside the world there', 'error');
    place(cells, BUILT_IN[app.selected]?.label ?? 'custom pattern');
  },
  strokeStart(px, py) {
    app.stroke = new Map();
    this.strokeMove(px, py);
  },
  strokeMove(px, py) {
    const cell = cellUnder(px, py);
    if (cell === null || app.stroke === null) return;
    app.stroke.set(strokeKey(cell.x, cell.y), [cell.x, cell.y]);
    app.dirty = true;
  },
  strokeEnd(commit) {
    const stroke = app.stroke;
    app.stroke = null;
    app.dirty = true;
    if (!commit || stroke === null) return;
    // Painting over live cells is a no-op, not a refusal: leave them out.
    const cells = [...stroke.values()].filter(([x, y]) => app.client?.get(x, y)?.live !== true);
    if (cells.length === 0) return panel.toast('Those cells are live already', 'info', 2000);
    place(cells, cells.length === 1 ? 'a cell' : 'a stroke');
  },
  key(name) {
    if (name === 'rotate') rotate();
    else if (name === 'cancel') select(0);
    else select(Number(name.slice(5)));
  },
  mode() {
    return { tool: app.tool, paints: app.selected === 0 };
  },
});

function zoomBy(factor: number, px = renderer.view.width / 2, py = renderer.view.height / 2): void {
  if (app.camera === null || app.hello === null) return;
  app.camera = cam.zoomAt(app.camera, app.hello.world, renderer.view, factor, px, py);
  cameraChanged();
}

function setTool(tool: 'pan' | 'place'): void {
  app.tool = tool;
  document.body.dataset.tool = tool;
  for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-tool]')) b.setAttribute('aria-pressed', String(b.dataset.tool === tool));
  app.dirty = true;
}

function select(index: number): void {
  if (index < 0 || index > BUILT_IN.length) return;
  app.selected = index;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#palette [data-index]')) {
    b.setAttribute('aria-pressed', String(Number(b.dataset.index) === index));
  }
  // Picking a pattern means wanting to place it (a spectator is then told to join).
  setTool('place');
  app.dirty = true;
}

function rotate(): void {
  app.rotation = nextRotation(app.rotation);
  (document.getElementById('rotation') as HTMLElement).textContent = `${app.rotation}°`;
  app.dirty = true;
}

function buildPalette(): void {
  const palette = document.getElementById('palette')!;
  const entries = [...BUILT_IN.map((e) => e.label), 'Custom RLE'];
  palette.replaceChildren(
    ...entries.map((label, index) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.index = String(index);
      b.dataset.pattern = BUILT_IN[index]?.id ?? 'custom';
      b.textContent = label;
      b.title = `${label} (key ${index + 1})`;
      b.addEventListener('click', () => select(index));
      return b;
    }),
  );
  select(app.selected);
}

function wireButtons(): void {
  const byId = (id: string) => document.getElementById(id)!;
  for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-tool]')) {
    b.addEventListener('click', () => setTool(b.dataset.tool === 'place' ? 'place' : 'pan'));
  }
  byId('rotate').addEventListener('click', rotate);
  byId('zoom-in').addEventListener('click', () => zoomBy(1.5));
  byId('zoom-out').addEventListener('click', () => zoomBy(1 / 1.5));
  byId('zoom-home').addEventListener('click', () => {
    if (app.hello === null) return;
    app.camera = cam.centred(app.hello.world, renderer.view, app.camera?.scale ?? 8);
    cameraChanged();
  });
  const rle = byId('rle') as HTMLTextAreaElement;
  const rleStatus = byId('rle-status');
  rle.addEventListener('input', () => {
    app.customRle = rle.value;
    if (rle.value.trim() === '') {
      rleStatus.textContent = '';
    } else {
      try {
        const box = patternCells(rle.value);
        rleStatus.textContent = `${box.width}×${box.height}, ${box.cells.length} cells`;
        rleStatus.className = 'ok';
      } catch (err) {
        rleStatus.textContent = (err as Error).message;
        rleStatus.className = 'bad';
      }
    }
    select(BUILT_IN.length);
  });
  byId('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = (byId('join-name') as HTMLInputElement).value.trim();
    void join(name);
  });
  byId('leave').addEventListener('click', () => {
    leave();
    void connect();
  });
  minimap.canvas.addEventListener('pointerdown', (e) => {
    if (app.hello === null) return;
    const r = minimap.canvas.getBoundingClientRect();
    const p = minimap.toWorld(app.hello.world, e.clientX - r.left, e.clientY - r.top);
    lookAt(p.x, p.y);
  });
  glance.findButton.addEventListener('click', () => {
    if (app.player !== null) void goToCells(app.player.id, null);
  });
  // One listener for the entries (buttons, so Enter and Space work too); they are redrawn at every poll.
  byId('leaderboard').addEventListener('click', (e) => {
    const entry = (e.target as Element).closest<HTMLButtonElement>('button[data-owner]');
    if (entry === null) return;
    const owner = Number(entry.dataset.owner);
    void goToCells(owner, owner === app.player?.id ? null : (entry.dataset.name ?? `#${owner}`));
  });
  window.addEventListener('resize', () => {
    if (renderer.resize() && app.camera !== null && app.hello !== null) {
      app.camera = cam.normalize(app.camera, app.hello.world, renderer.view);
      cameraChanged();
    }
  });
}

async function join(name: string): Promise<void> {
  if (name === '') return panel.toast('Type a name to join', 'error');
  try {
    app.player = await session.join(BASE_URL, name);
  } catch (err) {
    return panel.toast(`Could not join: ${(err as Error).message}`, 'error', 6000);
  }
  panel.toast(`Welcome, ${app.player.name}! ${layout.input === 'touch' ? 'Tap' : 'Click'} the world to place cells.`, 'success');
  panel.setPlayer(app.player);
  colours.set(app.player.id, app.player.color);
  app.budget = null;
  glance.clear();
  tour.reset();
  await connect();
}

/** Forget the stored player and play on as a spectator (the caller reconnects). */
function leave(): void {
  session.clear();
  app.player = null;
  app.budget = null;
  glance.clear();
  tour.reset();
  panel.setPlayer(null);
  panel.setBudget(null, null);
  setTool('pan');
}

// ---------------------------------------------------------------------------------
// Frame loop
// ---------------------------------------------------------------------------------

function frame(): void {
  requestAnimationFrame(frame);
  if (renderer.resize() && app.camera !== null && app.hello !== null) {
    app.camera = cam.normalize(app.camera, app.hello.world, renderer.view);
    cameraChanged();
  }
  if (!app.dirty || app.camera === null || app.hello === null) return;
  app.dirty = false;
  const client = app.client;
  const player = app.player;
  renderer.draw({
    camera: app.camera,
    world: app.hello.world,
    replica: client?.replica ?? null,
    subscribed: app.subscribed,
    preview: previewCells(),
    previewColour: player === null ? '#f85149' : player.color,
  });
  minimap.draw(app.hello.world, cam.visibleRect(app.camera, renderer.view), app.subscribed);
  app.frames++;
}

/** Panel numbers, a few times a second (text updates need not follow every frame). */
function refreshPanel(): void {
  const client = app.client;
  const now = performance.now();
  panel.setStats({
    generation: client?.generation ?? -1,
    population: app.worldPopulation,
    inView: client?.population ?? 0,
    tickRate: meter.rate(now),
    targetRate: app.hello === null ? 0 : 1000 / app.hello.tickMs,
  });
  if (app.player !== null) glance.draw(now, app.player.color);
  if (app.player !== null && app.budget !== null && client !== null) {
    panel.setBudget(projectBudget(app.budget, Math.max(client.generation, app.budget.generation)), app.budget.capacity);
  } else {
    panel.setBudget(null, null);
  }
}

buildPalette();
wireButtons();
panel.setPlayer(app.player);
installDebugHook({
  get state() {
    return app.client?.state ?? 'idle';
  },
  get connection() {
    return app.connection;
  },
  get generation() {
    return app.client?.generation ?? -1;
  },
  get population() {
    return app.client?.population ?? 0;
  },
  get player() {
    const p = app.player;
    return p === null ? null : { id: p.id, name: p.name, color: p.color };
  },
  get world() {
    return app.hello === null ? null : { ...app.hello.world };
  },
  get camera() {
    return app.camera;
  },
  get subscribed() {
    return app.subscribed === null ? null : { ...app.subscribed };
  },
  get budget() {
    return app.budget === null || app.client === null ? null : projectBudget(app.budget, app.client.generation);
  },
  get frames() {
    return app.frames;
  },
  get messages() {
    return [...panel.messages];
  },
  get glance() {
    const last = glance.history.last;
    return { samples: glance.history.samples.length, cells: last?.cells ?? null, births: last?.births ?? null, birthsInWindow: glance.history.birthsInWindow() };
  },
  get layout() {
    return { compact: layout.compact, drawer: layout.drawerOpen, input: layout.input };
  },
  get found() {
    const c = app.found;
    return c === null ? null : { owner: c.owner, chunk: [c.chunk[0], c.chunk[1]] as [number, number], x: c.x, y: c.y, index: c.index, of: c.of };
  },
  cells(rect) {
    return [...(app.client?.cells(rect) ?? [])].map(([x, y, o]): [number, number, number] => [x, y, o]);
  },
  cellToScreen(x, y) {
    return app.camera === null || app.hello === null ? null : cam.worldToScreen(app.camera, renderer.view, app.hello.world, x, y);
  },
});
requestAnimationFrame(frame);
setInterval(refreshPanel, 250);
void connect();
