/**
 * The WebSocket protocol of `GET /ws`, version 1: JSON control messages in both
 * directions (zod schemas and TypeScript types), close codes and binary frame tags.
 * docs/protocol.md describes every message byte for byte; the binary snapshot and diff
 * frames are encoded by codec.ts.
 *
 * Conversation: the client opens the socket (optionally with `?token=` or an
 * `Authorization: Bearer` header) and sends `hello` first, with the protocol version it
 * speaks and optionally its token; the server answers `hello` with the world. Clients may
 * pipeline: send hello and subscribe at once, without waiting. From then on the client
 * sends control messages and the server answers JSON replies and pushes binary frames.
 */
import { z } from 'zod';
import { LifeError, type ErrorCode, type ErrorName } from './errors.js';
import { TOPOLOGIES } from './geometry.js';
import { MAX_COORDINATE } from './protocol-constants.js';

export * from './protocol-constants.js';

/** A client-chosen correlation id, echoed in the reply: a string of up to 64 characters or a safe integer. */
export const MessageId = z.union([z.string().max(64), z.int()]);
/** A client-chosen correlation id. */
export type MessageId = z.infer<typeof MessageId>;

const coordinate = z.int().min(-MAX_COORDINATE).max(MAX_COORDINATE);
const side = z.int().min(1).max(MAX_COORDINATE);

// ---------------------------------------------------------------------------------
// Client to server
// ---------------------------------------------------------------------------------

/** First message of every connection: the protocol version spoken and an optional bearer token. */
export const ClientHello = z.strictObject({
  type: z.literal('hello'),
  protocolVersion: z.int(),
  /** Bearer token of a player; without one (and without ?token=) the client is a spectator. */
  token: z.string().min(1).max(256).optional(),
});

/**
 * Watch a rectangle of cells (replaces any earlier viewport). x and y may be any integer on
 * a torus (the rectangle wraps); a bounded world clips it. w * h is limited by the server
 * (hello.limits.maxViewportArea), and w, h by the world size. Answered by a snapshot frame.
 */
export const Subscribe = z.strictObject({
  type: z.literal('subscribe'),
  x: coordinate,
  y: coordinate,
  w: side,
  h: side,
  id: MessageId.optional(),
});

/** Stop watching; no more frames until the next subscribe. No reply. */
export const Unsubscribe = z.strictObject({
  type: z.literal('unsubscribe'),
  id: MessageId.optional(),
});

/** Place cells (world coordinates) for the authenticated player, all or nothing. Answered by `placed` or `error`. */
export const Place = z.strictObject({
  type: z.literal('place'),
  cells: z.array(z.tuple([coordinate, coordinate])).min(1),
  id: MessageId.optional(),
});

/** Place an RLE pattern with its top-left at (x, y), flipped then rotated. Answered by `placed` or `error`. */
export const PlacePattern = z.strictObject({
  type: z.literal('placePattern'),
  rle: z.string().min(1),
  x: coordinate,
  y: coordinate,
  rotate: z.literal([0, 90, 180, 270]).optional(),
  flip: z.enum(['none', 'horizontal', 'vertical']).optional(),
  id: MessageId.optional(),
});

/** Ask for a fresh snapshot of the current viewport (after a missed generation). */
export const Resync = z.strictObject({
  type: z.literal('resync'),
  id: MessageId.optional(),
});

/** Application-level ping; answered by `pong` echoing `id` and `t`. */
export const Ping = z.strictObject({
  type: z.literal('ping'),
  id: MessageId.optional(),
  /** Any number the client wants back, e.g. its clock in ms. */
  t: z.number().optional(),
});

/**
 * The newest generation whose frame the client has read (applied or not). Sent at most every
 * hello.limits.ackEveryMs while frames arrive, and that long after the last one at the
 * latest; the server sends no diffs to a client whose oldest unacknowledged frame is older
 * than hello.limits.maxLagMs. No reply.
 */
export const Ack = z.strictObject({
  type: z.literal('ack'),
  generation: z.int().min(0),
});

/** Every message a client may send. */
export const ClientMessage = z.discriminatedUnion('type', [ClientHello, Subscribe, Unsubscribe, Place, PlacePattern, Resync, Ping, Ack]);
/** Every message a client may send. */
export type ClientMessage = z.infer<typeof ClientMessage>;
// The type of each client message, inferred from the schema of the same name.
export type ClientHello = z.infer<typeof ClientHello>;
export type Subscribe = z.infer<typeof Subscribe>;
export type Unsubscribe = z.infer<typeof Unsubscribe>;
export type Place = z.infer<typeof Place>;
export type PlacePattern = z.infer<typeof PlacePattern>;
export type Resync = z.infer<typeof Resync>;
export type Ping = z.infer<typeof Ping>;
export type Ack = z.infer<typeof Ack>;
/** The `type` of a client message. */
export type ClientMessageType = ClientMessage['type'];
/** Every client message type, for dispatch tables. */
export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = ['hello', 'subscribe', 'unsubscribe', 'place', 'placePattern', 'resync', 'ping', 'ack'];

// ---------------------------------------------------------------------------------
// Server to client
// ---------------------------------------------------------------------------------

/** The player a connection acts for. */
export const PlayerInfo = z.object({ id: z.int(), name: z.string(), color: z.string() });
export type PlayerInfo = z.infer<typeof PlayerInfo>;

/** Answer to the client hello: the world and the limits of this connection. */
export const ServerHello = z.object({
  type: z.literal('hello'),
  protocolVersion: z.int(),
  /** Server clock, ms since the epoch. */
  serverTime: z.number(),
  /** The generation the world is at. */
  generation: z.int(),
  /** Target time between ticks, ms. */
  tickMs: z.number(),
  world: z.object({
    width: z.int(),
    height: z.int(),
    topology: z.enum(TOPOLOGIES),
    /** Rule in B/S notation, e.g. "B3/S23". */
    rule: z.string(),
    /** Side of a chunk in cells (64). */
    chunkSize: z.int(),
  }),
  /** The authenticated player, or null for a spectator. */
  player: PlayerInfo.nullable(),
  limits: z.object({
    /** Largest w * h of a subscribe, in cells. */
    maxViewportArea: z.int(),
    /** Largest message the server accepts, in bytes. */
    maxMessageBytes: z.int(),
    /** Most cells in one place or placePattern. */
    maxCellsPerMessage: z.int(),
    /** Interval of the server's WebSocket pings, ms; miss one and the connection closes. */
    heartbeatMs: z.int(),
    /** A frame unacknowledged this long stops the diffs until the client catches up (then a snapshot), ms. */
    maxLagMs: z.int(),
    /** How often to send `ack` while frames arrive, ms. */
    ackEveryMs: z.int(),
  }),
});

/** Answer to an accepted place or placePattern. */
export const Placed = z.object({
  type: z.literal('placed'),
  id: MessageId.optional(),
  /** Cells placed. */
  accepted: z.int(),
  /** The generation at which they are live; the diff frame of that generation carries them. */
  generation: z.int(),
});

/** A refused message. `id` echoes the message's id when it had a readable one. */
export const ErrorMessage = z.object({
  type: z.literal('error'),
  /** A LIFE_ERR_* code from the error catalogue. */
  code: z.string(),
  message: z.string(),
  id: MessageId.optional(),
});

/** Answer to ping. */
export const Pong = z.object({
  type: z.literal('pong'),
  id: MessageId.optional(),
  t: z.number().optional(),
  serverTime: z.number(),
  generation: z.int(),
});

/** Every JSON message the server sends. */
export const ServerMessage = z.discriminatedUnion('type', [ServerHello, Placed, ErrorMessage, Pong]);
/** Every JSON message the server sends. */
export type ServerMessage = z.infer<typeof ServerMessage>;
// The type of each server message, inferred from the schema of the same name.
export type ServerHello = z.infer<typeof ServerHello>;
export type Placed = z.infer<typeof Placed>;
export type ErrorMessage = z.infer<typeof ErrorMessage> & { code: ErrorCode | (string & {}) };
export type Pong = z.infer<typeof Pong>;

// ---------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------

/**
 * The `id` of a raw message when it has a valid one, so refusals can echo it. Only read on
 * the way to a refusal: a failed parse of a missing id costs microseconds (zod builds its
 * issues), and acks, the most frequent message, carry none.
 */
function readableId(raw: unknown): MessageId | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as { id?: unknown }).id;
  if (id === undefined) return undefined;
  const parsed = MessageId.safeParse(id);
  return parsed.success ? parsed.data : undefined;
}

/** Thrown by parseClientMessage; carries the id of the refused message when it had one. */
export class MessageError extends LifeError {
  readonly id: MessageId | undefined;

  constructor(name: ErrorName, message: string | undefined, id: MessageId | undefined) {
    super(name, message);
    this.id = id;
  }
}

/**
 * Parse and validate one client text message.
 * @throws MessageError LIFE_ERR_WS_BAD_MESSAGE (not JSON, not an object, no string type),
 *   LIFE_ERR_WS_UNKNOWN_MESSAGE (unknown type), LIFE_ERR_VALIDATION (a field is wrong).
 */
export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MessageError('WS_BAD_MESSAGE', 'The message is not valid JSON', undefined);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || typeof (raw as { type?: unknown }).type !== 'string') {
    throw new MessageError('WS_BAD_MESSAGE', undefined, readableId(raw));
  }
  const type = (raw as { type: string }).type;
  if (!(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new MessageError('WS_UNKNOWN_MESSAGE', `Unknown message type ${JSON.stringify(type.slice(0, 32))}`, readableId(raw));
  }
  const parsed = ClientMessage.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : 'message';
    throw new MessageError('VALIDATION', `${type}: ${where}: ${issue.message}`, readableId(raw));
  }
  return parsed.data;
}

// Clients parse server messages without zod (the SDK's browser bundle): see server-message.ts,
// whose test checks it against the ServerMessage schema above.
export { parseServerMessage } from './server-message.js';
