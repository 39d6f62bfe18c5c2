/**
 * The error catalogue: every error lifemmo reports, with its stable code, an HTTP status
 * and a default message. Server, SDK and tests import codes from here and nowhere else.
 *
 * Leaf module: imports nothing internal.
 */

/** One catalogue entry: `status` is the HTTP status a REST route answers with. */
export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

export const Errors = {
  // Input shapes and values
  VALIDATION: { code: 'LIFE_ERR_VALIDATION', status: 400, message: 'The request is not valid' },
  RULE_INVALID: { code: 'LIFE_ERR_RULE_INVALID', status: 400, message: 'Rule must be in B/S notation, like B3/S23' },
  RULE_B0: { code: 'LIFE_ERR_RULE_B0', status: 400, message: 'Rules with B0 (birth on zero neighbours) are not supported' },
  RLE_INVALID: { code: 'LIFE_ERR_RLE_INVALID', status: 400, message: 'The RLE pattern is malformed' },
  RLE_TOO_LARGE: { code: 'LIFE_ERR_RLE_TOO_LARGE', status: 400, message: 'The RLE pattern is too large' },
  OUT_OF_WORLD: { code: 'LIFE_ERR_OUT_OF_WORLD', status: 400, message: 'A cell is outside the world' },
  DUPLICATE_CELL: { code: 'LIFE_ERR_DUPLICATE_CELL', status: 400, message: 'A cell appears twice in one request' },
  TOO_MANY_CELLS: { code: 'LIFE_ERR_TOO_MANY_CELLS', status: 400, message: 'Too many cells in one request' },
  CELL_OCCUPIED: { code: 'LIFE_ERR_CELL_OCCUPIED', status: 409, message: 'A cell is already live or already placed for the next generation' },
  REGION_TOO_LARGE: { code: 'LIFE_ERR_REGION_TOO_LARGE', status: 400, message: 'The requested region is too large' },
  BAD_NAME: { code: 'LIFE_ERR_BAD_NAME', status: 400, message: 'Player names are 1 to 32 letters, digits, spaces, - or _' },
  BODY_TOO_LARGE: { code: 'LIFE_ERR_BODY_TOO_LARGE', status: 413, message: 'The request body is too large' },
  NOT_FOUND: { code: 'LIFE_ERR_NOT_FOUND', status: 404, message: 'No such route' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'LIFE_ERR_UNSUPPORTED_MEDIA_TYPE', status: 415, message: 'Send the body as application/json' },

  // Identity and limits
  UNAUTHORIZED: { code: 'LIFE_ERR_UNAUTHORIZED', status: 401, message: 'A bearer token is required' },
  BAD_TOKEN: { code: 'LIFE_ERR_BAD_TOKEN', status: 401, message: 'The bearer token is not known' },
  FORBIDDEN: { code: 'LIFE_ERR_FORBIDDEN', status: 403, message: 'This token may not do that' },
  BUDGET_EXCEEDED: { code: 'LIFE_ERR_BUDGET_EXCEEDED', status: 429, message: 'The placement budget is used up; it refills every generation' },
  RATE_LIMITED: { code: 'LIFE_ERR_RATE_LIMITED', status: 429, message: 'Too many requests' },
  TOO_MANY_PLAYERS: { code: 'LIFE_ERR_TOO_MANY_PLAYERS', status: 503, message: 'The world has no room for more players' },

  // Server state
  NOT_READY: { code: 'LIFE_ERR_NOT_READY', status: 503, message: 'The world is not running yet' },
  SHUTTING_DOWN: { code: 'LIFE_ERR_SHUTTING_DOWN', status: 503, message: 'The server is shutting down' },
  INTERNAL: { code: 'LIFE_ERR_INTERNAL', status: 500, message: 'Internal error' },
  CONFIG_INVALID: { code: 'LIFE_ERR_CONFIG_INVALID', status: 500, message: 'The configuration is not valid' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof Errors;
export type ErrorCode = (typeof Errors)[ErrorName]['code'];

/** An error with a catalogue code; `status` is what a REST route answers with. */
export class LifeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable facts (for example the position of an RLE error). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(name: ErrorName, message?: string, details?: Record<string, unknown>) {
    const spec = Errors[name];
    super(message ?? spec.message);
    this.name = 'LifeError';
    this.code = spec.code;
    this.status = spec.status;
    this.details = details;
  }
}

/** True when `err` is a LifeError carrying the catalogue entry `name`. */
export function isLifeError(err: unknown, name?: ErrorName): err is LifeError {
  return err instanceof LifeError && (name === undefined || err.code === Errors[name].code);
}
