/**
 * Turning what the server says (an error code in a JSON reply, a close code and reason)
 * into LifeErrors of the one catalogue in @lifemmo/shared. No codes are defined here.
 */
import { Errors, LifeError, errorFromCode, type ErrorName } from '@lifemmo/shared/client';

export { errorFromCode };

const NAME_BY_CODE = new Map<string, ErrorName>(
  (Object.keys(Errors) as ErrorName[]).map((name) => [Errors[name].code, name]),
);

const NAME_BY_CLOSE_CODE = new Map<number, ErrorName>();
for (const name of Object.keys(Errors) as ErrorName[]) {
  const closeCode = (Errors[name] as { closeCode?: number }).closeCode;
  // First entry wins: 4001 is WS_HELLO_REQUIRED before WS_TOO_MANY_ERRORS; the reason text disambiguates.
  if (closeCode !== undefined && !NAME_BY_CLOSE_CODE.has(closeCode)) NAME_BY_CLOSE_CODE.set(closeCode, name);
}

/**
 * The error a close frame means, or null for a close that is not an error (1000). The
 * reason text (a LIFE_ERR_* code) wins over the close code when it is a known code.
 */
export function errorFromClose(code: number, reason: string): LifeError | null {
  const details = { closeCode: code, closeReason: reason };
  const byReason = NAME_BY_CODE.get(reason);
  if (byReason !== undefined) return new LifeError(byReason, undefined, details);
  const byCode = NAME_BY_CLOSE_CODE.get(code);
  if (byCode !== undefined) return new LifeError(byCode, undefined, details);
  if (code === 1000) return null;
  return new LifeError('DISCONNECTED', `The connection closed (${code}${reason === '' ? '' : ` ${reason}`})`, details);
}

/**
 * Close codes after which reconnecting cannot help: the same hello would be refused again
 * (docs/protocol.md: bad protocol, wrong version, unknown token).
 */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([4001, 4002, 4003]);
