/**
 * Parsing the JSON messages a server sends, checked by hand instead of by the zod schemas
 * of protocol.ts. Why: zod is ~450 KB of the SDK's browser bundle minified, and a client
 * only needs to check four small shapes. The schemas stay the contract: the test of this
 * module generates messages and checks that both accept and refuse the same ones.
 *
 * Like zod's `z.object`, keys the shape does not name are dropped from the result.
 */
import { LifeError } from './errors.js';
import { TOPOLOGIES } from './geometry.js';
import type { MessageId, PlayerInfo, ServerHello, ServerMessage } from './protocol.js';

/** Thrown inside the checks; becomes the LifeError of parseServerMessage. */
class Mismatch extends Error {}

type Fields = Record<string, unknown>;

function object(value: unknown, where: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Mismatch(`${where}: expected an object`);
  return value as Fields;
}

function int(o: Fields, key: string): number {
  const v = o[key];
  if (!Number.isSafeInteger(v)) throw new Mismatch(`${key}: expected an integer`);
  return v as number;
}

function num(o: Fields, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Mismatch(`${key}: expected a number`);
  return v;
}

function str(o: Fields, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Mismatch(`${key}: expected a string`);
  return v;
}

/** `{ id }` when the message has a valid id, `{}` when it has none (as zod's optional()). */
function optionalId(o: Fields): { id?: MessageId } {
  const v = o.id;
  if (v === undefined) return {};
  if ((typeof v === 'string' && v.length <= 64) || Number.isSafeInteger(v)) return { id: v as MessageId };
  throw new Mismatch('id: expected a string of up to 64 characters or an integer');
}

function player(value: unknown): PlayerInfo | null {
  if (value === null) return null;
  const p = object(value, 'player');
  return { id: int(p, 'id'), name: str(p, 'name'), color: str(p, 'color') };
}

function hello(o: Fields): ServerHello {
  const w = object(o.world, 'world');
  const topology = w.topology;
  if (!(TOPOLOGIES as readonly unknown[]).includes(topology)) throw new Mismatch(`world.topology: expected one of ${TOPOLOGIES.join(', ')}`);
  const l = object(o.limits, 'limits');
  return {
    type: 'hello',
    protocolVersion: int(o, 'protocolVersion'),
    serverTime: num(o, 'serverTime'),
    generation: int(o, 'generation'),
    tickMs: num(o, 'tickMs'),
    world: { width: int(w, 'width'), height: int(w, 'height'), topology: topology as ServerHello['world']['topology'], rule: str(w, 'rule'), chunkSize: int(w, 'chunkSize') },
    player: player(o.player),
    limits: {
      maxViewportArea: int(l, 'maxViewportArea'),
      maxMessageBytes: int(l, 'maxMessageBytes'),
      maxCellsPerMessage: int(l, 'maxCellsPerMessage'),
      heartbeatMs: int(l, 'heartbeatMs'),
      maxLagMs: int(l, 'maxLagMs'),
      ackEveryMs: int(l, 'ackEveryMs'),
    },
  };
}

function check(raw: unknown): ServerMessage {
  const o = object(raw, 'message');
  switch (o.type) {
    case 'hello':
      return hello(o);
    case 'placed':
      return { type: 'placed', ...optionalId(o), accepted: int(o, 'accepted'), generation: int(o, 'generation') };
    case 'error':
      return { type: 'error', code: str(o, 'code'), message: str(o, 'message'), ...optionalId(o) };
    case 'pong': {
      const t = o.t === undefined ? {} : { t: num(o, 't') };
      return { type: 'pong', ...optionalId(o), ...t, serverTime: num(o, 'serverTime'), generation: int(o, 'generation') };
    }
    default:
      throw new Mismatch('type: expected hello, placed, error or pong');
  }
}

/**
 * Parse and validate one server text message (for clients).
 * @throws LifeError LIFE_ERR_WS_BAD_MESSAGE when it is not one of the server messages.
 */
export function parseServerMessage(text: string): ServerMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new LifeError('WS_BAD_MESSAGE', 'The server message is not valid JSON');
  }
  try {
    return check(raw);
  } catch (err) {
    if (err instanceof Mismatch) throw new LifeError('WS_BAD_MESSAGE', `Unexpected server message: ${err.message}`);
    throw err;
  }
}
