/** Test support for shared/'s unit tests (not exported from the package). */
import { LifeError } from './errors.js';

/** Run `fn`, expecting a LifeError; return it for inspection. */
export function errorOf(fn: () => unknown): LifeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LifeError) return err;
    throw err;
  }
  throw new Error('expected a LifeError, but nothing was thrown');
}

/** Run `fn`, expecting a LifeError; return its code. */
export function codeOf(fn: () => unknown): string {
  return errorOf(fn).code;
}
