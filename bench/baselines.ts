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
