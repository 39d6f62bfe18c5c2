/**
 * Life-like rules in B/S notation ("B3/S23", "B36/S23", "B2/S"): parsing, printing and the
 * per-cell transition. B0 rules are refused: with birth on zero neighbours the empty
 * background would turn on every generation, and the engine's cost follows activity.
 */
import { LifeError } from './errors.js';

/** A parsed rule. `birth` and `survival` are bit masks: bit n set means n neighbours. */
export interface Rule {
  /** Canonical text, e.g. "B3/S23". */
  readonly text: string;
  /** Bit n set: a dead cell with n live neighbours is born. Bit 0 is never set. */
  readonly birth: number;
  /** Bit n set: a live cell with n live neighbours survives. */
  readonly survival: number;
}

const RULE_PATTERN = /^B([0-8]*)\/S([0-8]*)$/i;
const SURVIVAL_FIRST = /^S([0-8]*)\/B([0-8]*)$/i;
const CLASSIC = /^([0-8]*)\/([0-8]*)$/;

function digitsToMask(digits: string, what: string, text: string): number {
  let mask = 0;
  for (const ch of digits) {
    const bit = 1 << Number(ch);
    if (mask & bit) throw new LifeError('RULE_INVALID', `Rule "${text}" lists ${ch} twice in its ${what} set`);
    mask |= bit;
  }
  return mask;
}

function maskToDigits(mask: number): string {
  let out = '';
  for (let n = 0; n <= 8; n++) if (mask & (1 << n)) out += String(n);
  return out;
}

/**
 * Parse a rule: "B3/S23" (any case), "S23/B3", or the classic "23/3" (survival/birth).
 * @throws LifeError LIFE_ERR_RULE_INVALID for malformed text, LIFE_ERR_RULE_B0 for B0 rules.
 */
export function parseRule(text: string): Rule {
  const trimmed = text.trim();
  let birthDigits: string;
  let survivalDigits: string;
  let m: RegExpExecArray | null;
  if ((m = RULE_PATTERN.exec(trimmed))) {
    birthDigits = m[1] ?? '';
    survivalDigits = m[2] ?? '';
  } else if ((m = SURVIVAL_FIRST.exec(trimmed))) {
    survivalDigits = m[1] ?? '';
    birthDigits = m[2] ?? '';
  } else if ((m = CLASSIC.exec(trimmed))) {
    survivalDigits = m[1] ?? '';
    birthDigits = m[2] ?? '';
  } else {
    throw new LifeError('RULE_INVALID', `Rule "${text}" is not in B/S notation (like B3/S23)`);
  }
  const birth = digitsToMask(birthDigits, 'birth', text);
  const survival = digitsToMask(survivalDigits, 'survival', text);
  if (birth & 1) throw new LifeError('RULE_B0', `Rule "${text}" has B0, which is not supported`);
  return Object.freeze({ text: `B${maskToDigits(birth)}/S${maskToDigits(survival)}`, birth, survival });
}

/** The next state of one cell: `alive` now, with `neighbours` (0..8) live neighbours. */
export function nextState(rule: Rule, alive: boolean, neighbours: number): boolean {
  return ((alive ? rule.survival : rule.birth) & (1 << neighbours)) !== 0;
}

/** Conway's Life, the default rule. */
export const CONWAY: Rule = parseRule('B3/S23');
