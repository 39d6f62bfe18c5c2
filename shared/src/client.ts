/**
 * @lifemmo/shared/client: what clients need of the shared code, without zod. Everything
 * here is also in the main entry; the difference is what a bundler pulls in: the zod
 * schemas of protocol.ts (~450 KB minified) are left out, their types are kept (type-only
 * exports cost nothing at run time), and server messages are parsed by server-message.ts.
 */
export * from './errors.js';
export * from './rules.js';
export * from './geometry.js';
export * from './rle.js';
export * from './protocol-constants.js';
export * from './server-message.js';
export * from './codec.js';
export * from './random.js';
export type * from './rest-replies.js';
export type {
  ClientHello,
  ClientMessage,
  ClientMessageType,
  ErrorMessage,
  MessageId,
  Ping,
  Place,
  PlacePattern,
  Placed,
  PlayerInfo,
  Pong,
  Resync,
  ServerHello,
  ServerMessage,
  Subscribe,
  Unsubscribe,
} from './protocol.js';
