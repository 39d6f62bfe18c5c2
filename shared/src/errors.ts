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
  /**
   * WebSocket close code (4000-4999, see protocol.ts CloseCodes) when this error ends a
   * WebSocket connection; absent when the connection survives the error.
   */
  readonly closeCode?: number;
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
  PLAYER_CREATE_RATE_LIMITED: { code: 'LIFE_ERR_PLAYER_CREATE_RATE_LIMITED', status: 429, message: 'Too many players created from this address' },
  TOO_MANY_PLAYERS: { code: 'LIFE_ERR_TOO_MANY_PLAYERS', status: 503, message: 'The world has no room for more players' },
  PLAYER_BANNED: { code: 'LIFE_ERR_PLAYER_BANNED', status: 401, message: 'This player was banned by the admin' },
  PLAYER_NOT_FOUND: { code: 'LIFE_ERR_PLAYER_NOT_FOUND', status: 404, message: 'No player has this id' },

  // Server state
  NOT_READY: { code: 'LIFE_ERR_NOT_READY', status: 503, message: 'The world is not running yet' },
  SHUTTING_DOWN: { code: 'LIFE_ERR_SHUTTING_DOWN', status: 503, message: 'The server is shutting down' },
  INTERNAL: { code: 'LIFE_ERR_INTERNAL', status: 500, message: 'Internal error' },
  STORE_DAMAGED: { code: 'LIFE_ERR_STORE_DAMAGED', status: 500, message: 'Stored data is damaged' },
  STORE_LOCKED: { code: 'LIFE_ERR_STORE_LOCKED', status: 500, message: 'Another server is using this data directory' },
  SIM_LEASE_HELD: { code: 'LIFE_ERR_SIM_LEASE_HELD', status: 500, message: 'Another sim serves this world on this NATS cluster' },
  STORE_FAILED: { code: 'LIFE_ERR_STORE_FAILED', status: 503, message: 'The server could not make the change durable; it was not acknowledged' },
  CONFIG_INVALID: { code: 'LIFE_ERR_CONFIG_INVALID', status: 500, message: 'The configuration is not valid' },
  SIM_UNAVAILABLE: { code: 'LIFE_ERR_SIM_UNAVAILABLE', status: 503, message: 'The simulation is not reachable now; nothing was changed or acknowledged. Retry shortly' },
  OVERLOADED: { code: 'LIFE_ERR_OVERLOADED', status: 503, message: 'The server is overloaded: nothing was done. Retry after the Retry-After delay' },
  GENERATION_PASSED: {
    code: 'LIFE_ERR_GENERATION_PASSED',
    status: 409,
    message: 'The world is already past the generation (or reset since the epoch) the command was for: read them again and choose a later generation',
  },
  // A placement across regions is reserved in each region, then committed in all; a
  // reservation not committed in time is let go, and the placement with it (docs/regions.md).
  PLACEMENT_EXPIRED: {
    code: 'LIFE_ERR_PLACEMENT_EXPIRED',
    status: 503,
    message: 'A placement across regions was not committed in time (or the world was reset meanwhile); nothing of it was placed. Retry',
  },

  // WebSocket (docs/protocol.md). `closeCode` mirrors CloseCodes in protocol.ts; it is
  // repeated here so this module stays a leaf.
  WS_BAD_MESSAGE: { code: 'LIFE_ERR_WS_BAD_MESSAGE', status: 400, message: 'The message is not a JSON object with a string "type"' },
  WS_UNKNOWN_MESSAGE: { code: 'LIFE_ERR_WS_UNKNOWN_MESSAGE', status: 400, message: 'Unknown message type' },
  WS_BINARY_REFUSED: { code: 'LIFE_ERR_WS_BINARY_REFUSED', status: 400, message: 'Clients send JSON text messages only' },
  WS_HELLO_REQUIRED: { code: 'LIFE_ERR_WS_HELLO_REQUIRED', status: 400, message: 'The first message must be hello', closeCode: 4001 },
  WS_ALREADY_HELLO: { code: 'LIFE_ERR_WS_ALREADY_HELLO', status: 400, message: 'hello was already sent on this connection' },
  WS_PROTOCOL_VERSION: { code: 'LIFE_ERR_WS_PROTOCOL_VERSION', status: 400, message: 'This protocol version is not supported', closeCode: 4002 },
  WS_TOO_MANY_ERRORS: { code: 'LIFE_ERR_WS_TOO_MANY_ERRORS', status: 400, message: 'Too many malformed messages', closeCode: 4001 },
  WS_VIEWPORT_TOO_LARGE: { code: 'LIFE_ERR_WS_VIEWPORT_TOO_LARGE', status: 400, message: 'The viewport is too large' },
  WS_NOT_SUBSCRIBED: { code: 'LIFE_ERR_WS_NOT_SUBSCRIBED', status: 400, message: 'Subscribe to a viewport first' },
  WS_MESSAGE_TOO_LARGE: { code: 'LIFE_ERR_WS_MESSAGE_TOO_LARGE', status: 413, message: 'The message is larger than the maximum message size', closeCode: 1009 },
  WS_SLOW_CONSUMER: { code: 'LIFE_ERR_WS_SLOW_CONSUMER', status: 503, message: 'The client read too slowly: its send buffer passed the hard limit', closeCode: 4004 },
  WS_HEARTBEAT_MISSED: { code: 'LIFE_ERR_WS_HEARTBEAT_MISSED', status: 408, message: 'The client did not answer the heartbeat ping', closeCode: 4005 },
  WS_TOO_MANY_CONNECTIONS: { code: 'LIFE_ERR_WS_TOO_MANY_CONNECTIONS', status: 503, message: 'The server has no room for more WebSocket connections', closeCode: 4006 },
  WS_HELLO_TIMEOUT: { code: 'LIFE_ERR_WS_HELLO_TIMEOUT', status: 408, message: 'No hello arrived in time', closeCode: 4007 },
  WS_UNAUTHORIZED: { code: 'LIFE_ERR_WS_UNAUTHORIZED', status: 401, message: 'The bearer token is not known', closeCode: 4003 },
  WS_SHUTTING_DOWN: { code: 'LIFE_ERR_WS_SHUTTING_DOWN', status: 503, message: 'The server is shutting down', closeCode: 4000 },
  WS_OVERLOADED: { code: 'LIFE_ERR_WS_OVERLOADED', status: 503, message: 'The server is overloaded and admits no new connections now; reconnect with backoff', closeCode: 4008 },
  WS_UPGRADE_REQUIRED: { code: 'LIFE_ERR_WS_UPGRADE_REQUIRED', status: 426, message: 'GET /ws is the WebSocket endpoint: open it with a WebSocket client (Upgrade: websocket), see docs/protocol.md' },

  // Raised by clients (the SDK), never sent by the server: what went wrong on the client's
  // side of the connection. `status` is the nearest HTTP meaning.
  CONNECT_FAILED: { code: 'LIFE_ERR_CONNECT_FAILED', status: 502, message: 'Could not open a WebSocket to the server: check the URL and that a lifemmo server runs there' },
  DISCONNECTED: { code: 'LIFE_ERR_DISCONNECTED', status: 503, message: 'The connection closed before the server answered' },
  TIMEOUT: { code: 'LIFE_ERR_TIMEOUT', status: 504, message: 'The server did not answer in time' },
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

const NAME_BY_CODE: ReadonlyMap<string, ErrorName> = new Map(
  (Object.keys(Errors) as ErrorName[]).map((name) => [Errors[name].code, name]),
);

/**
 * A LifeError for a catalogue `code` received from elsewhere (a server's reply, a sim's
 * answer over the bus). An unknown code (a newer peer) becomes LIFE_ERR_INTERNAL with the
 * original in `details.code`, so nothing is lost.
 */
export function errorFromCode(code: string, message?: string, details: Record<string, unknown> = {}): LifeError {
  const name = NAME_BY_CODE.get(code);
  if (name !== undefined) return new LifeError(name, message, details);
  return new LifeError('INTERNAL', message ?? `Unknown error code ${code}`, { ...details, code });
}
