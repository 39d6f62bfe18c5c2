/**
 * The side panel and the messages: connection state, generation, population, tick rate,
 * the player and its budget, the leaderboard with colours (each entry a button that
 * main.ts turns into a jump to that owner's cells), and toasts for refusals and
 * reconnects. DOM writes only; the numbers come from main.ts.
 */
import type { Leaderboard } from '@lifemmo/client';

/** Connection states as shown (the SDK's, plus `offline` before the first connect succeeds). */
export type ConnectionView = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'offline';

/** A toast's kind: colours it. */
export type ToastKind = 'info' | 'error' | 'success';

/** The element of index.html with id `id`; throws when the page lacks it. */
export function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`index.html has no #${id}`);
  return found as T;
}

/** The panel's elements and their updates. */
export class Panel {
  readonly #connection = el('connection');
  readonly #connectionText = el('connection-text');
  readonly #banner = el('banner');
  readonly #generation = el('generation');
  readonly #population = el('population');
  readonly #inView = el('in-view');
  readonly #tickRate = el('tick-rate');
  readonly #leaderboard = el<HTMLOListElement>('leaderboard');
  readonly #budget = el('budget');
  readonly #budgetBar = el('budget-bar');
  readonly #playerName = el('player-name');
  readonly #playerSwatch = el('player-swatch');
  readonly #toasts = el('toasts');
  readonly messages: string[] = [];

  /** Show the connection state; `detail` adds a reason (close code, attempt). */
  setConnection(state: ConnectionView, detail = ''): void {
    this.#connection.dataset.state = state;
    const label: Record<ConnectionView, string> = {
      connecting: 'Connecting…',
      open: 'Connected',
      reconnecting: 'Reconnecting…',
      closed: 'Disconnected',
      offline: 'Offline',
    };
    this.#connectionText.textContent = detail === '' ? label[state] : `${label[state]} ${detail}`;
    const bannerShown = state === 'reconnecting' || state === 'closed' || state === 'offline';
    this.#banner.hidden = !bannerShown;
    if (bannerShown) this.#banner.textContent = state === 'reconnecting' ? `Connection lost: reconnecting… ${detail}` : `Not connected to the server ${detail}`;
  }

  /** World numbers. */
  setStats(s: { generation: number; population: number | null; inView: number; tickRate: number; targetRate: number }): void {
    this.#generation.textContent = s.generation < 0 ? '–' : s.generation.toLocaleString('en');
    this.#population.textContent = s.population === null ? '–' : s.population.toLocaleString('en');
    this.#inView.textContent = s.inView.toLocaleString('en');
    this.#tickRate.textContent = s.tickRate.toFixed(1);
    this.#tickRate.title = `target ${s.targetRate.toFixed(1)} per second`;
  }

  /** The joined player, or null for a spectator. */
  setPlayer(player: { name: string; color: string } | null): void {
    document.body.dataset.joined = player === null ? 'no' : 'yes';
    this.#playerName.textContent = player?.name ?? '';
    this.#playerSwatch.style.background = player?.color ?? 'transparent';
  }

  /** Remaining placement budget (null: unknown or spectator). */
  setBudget(available: number | null, capacity: number | null): void {
    if (available === null || capacity === null) {
      this.#budget.textContent = '–';
      this.#budgetBar.style.width = '0%';
      return;
    }
    this.#budget.textContent = `${available} / ${capacity} cells`;
    this.#budgetBar.style.width = `${Math.round((100 * available) / Math.max(1, capacity))}%`;
  }

  /**
   * Players by live cells, with their colours; the joined player is highlighted. Each
   * entry is a button carrying `data-owner` (the player id) and `data-name`; the entry
   * that had the keyboard focus keeps it across the redraw.
   */
  setLeaderboard(board: Leaderboard, me: number | null, rows = 10): void {
    const focused = document.activeElement instanceof HTMLElement && this.#leaderboard.contains(document.activeElement) ? document.activeElement.dataset.owner : undefined;
    const items = board.players.slice(0, rows).map((p) => {
      const li = document.createElement('li');
      if (p.id === me) li.className = 'me';
      const entry = document.createElement('button');
      entry.type = 'button';
      entry.className = 'entry';
      entry.dataset.owner = String(p.id);
      entry.dataset.name = p.name;
      entry.title = p.id === me ? 'Go to your cells (again: your next colony)' : `Go to ${p.name}'s cells (#${p.id}; again: their next colony)`;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = p.color;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = p.name;
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = p.population.toLocaleString('en');
      entry.append(swatch, name, count);
      li.append(entry);
      return li;
    });
    if (items.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'No player has live cells yet';
      items.push(li);
    }
    this.#leaderboard.replaceChildren(...items);
    if (focused !== undefined) this.#leaderboard.querySelector<HTMLButtonElement>(`button[data-owner="${focused}"]`)?.focus();
  }

  /** A message that fades after a few seconds; also kept in `messages` (the debug hook reads it). */
  toast(text: string, kind: ToastKind = 'info', ms = 4000): void {
    this.messages.push(text);
    if (this.messages.length > 50) this.messages.shift();
    const div = document.createElement('div');
    div.className = `toast ${kind}`;
    div.textContent = text;
    div.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    this.#toasts.append(div);
    while (this.#toasts.childElementCount > 4) this.#toasts.firstElementChild!.remove();
    setTimeout(() => div.remove(), ms);
  }
}
