/**
 * Baselines for the fan-out benchmark: the plain way to write "an async function per
 * cell" in Node, measured in the same run as the engine's own per-cell path.
 */
import { nextState, type Rule } from '@lifemmo/shared';
import { CellOutcome, type CellLogic } from '../server/src/engine/index.js';

/** `async` per cell awaiting `setTimeout`: the direct translation of `await asyncio.sleep()`. */
export class PlainAsyncTimeoutLogic implements CellLogic {
  readonly name = 'plain async + setTimeout per call';
  readonly bulk = false;
  constructor(
    private readonly rule: Rule,
    private readonly latencyMs: number,
  ) {}
  async decide(_x: number, _y: number, alive: boolean, neighbours: number): Promise<CellOutcome> {
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    return nextState(this.rule, alive, neighbours) ? CellOutcome.ALIVE : CellOutcome.DEAD;
  }
}

/** `async` per cell awaiting a resolver kept in a shared per-millisecond timer slot. */
export class PlainAsyncSharedTimerLogic implements CellLogic {
  readonly name = 'plain async + shared timer per ms';
  readonly bulk = false;
  private readonly slots = new Map<number, Array<() => void>>();
  constructor(
    private readonly rule: Rule,
    private readonly latencyMs: number,
  ) {}
  private sleep(ms: number): Promise<void> {
    const due = Math.ceil(performance.now() + ms);
    let slot = this.slots.get(due);
    if (slot === undefined) {
      const fresh: Array<() => void> = [];
      slot = fresh;
      this.slots.set(due, fresh);
      setTimeout(() => {
        this.slots.delete(due);
        for (const resolve of fresh) resolve();
      }, Math.max(0, due - performance.now()));
    }
    const target = slot;
    return new Promise<void>((resolve) => target.push(resolve));
  }
  async decide(_x: number, _y: number, alive: boolean, neighbours: number): Promise<CellOutcome> {
    await this.sleep(this.latencyMs);
    return nextState(this.rule, alive, neighbours) ? CellOutcome.ALIVE : CellOutcome.DEAD;
  }
}

const toAlive = (): CellOutcome => CellOutcome.ALIVE;
const toDead = (): CellOutcome => CellOutcome.DEAD;

/**
 * The floor of "every call is its own awaited promise": a call is `slot.then(answer)` on a
 * promise shared by every call due in the same millisecond, with one of two shared answer
 * functions, so it holds nothing but its own native promise and the reaction that settles
 * it. No latency model, no hash, no bookkeeping: what the engine's Promise.all fan-in
 * costs per candidate before the cell logic adds anything.
 */
export class OwnPromiseFloorLogic implements CellLogic {
  readonly name = 'floor: one derived native promise per call';
  readonly bulk = false;
  private due = -1;
  private slot: Promise<void> = Promise.resolve();
  // Read the clock once per burst of calls, as the reply wheel does: a reading per call
  // would allocate a heap number per call and count as the floor's own bytes.
  private clock = 0;
  private calls = 0;
  constructor(
    private readonly rule: Rule,
    private readonly latencyMs: number,
  ) {}
  decide(_x: number, _y: number, alive: boolean, neighbours: number): Promise<CellOutcome> {
    if (this.calls++ % 4096 === 0) this.clock = performance.now();
    const due = Math.ceil(this.clock + this.latencyMs);
    if (due !== this.due) {
      this.due = due;
      this.slot = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    }
    return this.slot.then(nextState(this.rule, alive, neighbours) ? toAlive : toDead);
  }
}
