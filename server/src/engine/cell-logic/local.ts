/**
 * The bare rule with no I/O: the compute baseline. The engine sees `bulk` and computes
 * it over bit planes, 32 cells per operation, with no promise per cell; `decide` exists
 * so the same logic can also be driven per cell (benchmarks compare the two).
 */
import { nextState, type Rule } from '@lifemmo/shared';
import { CellOutcome, type CellLogic } from './cell-logic.js';

/** The rule, computed in bulk. */
export class LocalCellLogic implements CellLogic {
  readonly name = 'local';
  readonly bulk = true;

  constructor(private readonly rule: Rule) {}

  decide(_x: number, _y: number, alive: boolean, neighbours: number): Promise<CellOutcome> {
    return Promise.resolve(nextState(this.rule, alive, neighbours) ? CellOutcome.ALIVE : CellOutcome.DEAD);
  }
}
