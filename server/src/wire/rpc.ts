/**
 * Request and reply between roles, with errors that keep their catalogue code: a sim that
 * refuses a placement with LIFE_ERR_CELL_OCCUPIED makes the gateway's caller see exactly
 * that, and a sim that cannot be reached is LIFE_ERR_SIM_UNAVAILABLE (503), never a hang.
 *
 * A request is the payload as given (it starts with its own version byte). A reply is
 * WIRE_VERSION, a status byte (0 ok, 1 error) and the body; an error body is JSON
 * `{ code, message, details }`.
 */
import { LifeError, errorFromCode, isLifeError } from '@lifemmo/shared';
import { BusRequestError, type Bus, type BusSubscription } from '../bus/index.js';
import { ByteReader, ByteWriter } from './bytes.js';

const OK = 0;
const FAILED = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A reply body: raw bytes, or a value sent as JSON. */
export type RpcBody = Uint8Array | { json: unknown };

/**
 * Answer requests on `subject` with `handler`. A LifeError it throws reaches the caller
 * with its code; any other error is LIFE_ERR_INTERNAL (and is reported to `onError`).
 */
export function serveRpc(
  bus: Bus,
  subject: string,
  handler: (request: Uint8Array, subject: string) => RpcBody | Promise<RpcBody>,
  onError: (err: unknown) => void,
): BusSubscription {
  return bus.respond(subject, async (request, actual) => {
    try {
      const body = await handler(request, actual);
      const bytes = body instanceof Uint8Array ? body : encoder.encode(JSON.stringify(body.json));
      return new ByteWriter(bytes.length + 2).u8(OK).bytes(bytes).finish();
    } catch (err) {
      const error = isLifeError(err) ? err : new LifeError('INTERNAL');
      if (!isLifeError(err)) onError(err);
      return new ByteWriter(128).u8(FAILED).bytes(encodeError(error)).finish();
    }
  });
}

/**
 * Ask `subject`; resolves to the reply body (a view after the status byte).
 * @throws LifeError the responder's error, or LIFE_ERR_SIM_UNAVAILABLE when no one answered.
 */
export async function callRpc(bus: Bus, subject: string, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  let reply: Uint8Array;
  try {
    reply = await bus.request(subject, request, timeoutMs);
  } catch (err) {
    if (err instanceof BusRequestError) {
      throw new LifeError('SIM_UNAVAILABLE', `The simulation did not answer (${err.reason}); nothing was changed or acknowledged. Retry shortly`, {
        reason: err.reason,
      });
    }
    throw err;
  }
  const reader = new ByteReader(reply);
  const status = reader.u8();
  const body = reader.rest();
  if (status === OK) return body;
  throw decodeError(body);
}

/** A LifeError as it crosses the bus: JSON `{ code, message, details }`. */
export function encodeError(error: LifeError): Uint8Array {
  return encoder.encode(JSON.stringify({ code: error.code, message: error.message, details: error.details ?? {} }));
}

/** The LifeError `encodeError` wrote, with its catalogue code. */
export function decodeError(bytes: Uint8Array): LifeError {
  const { code, message, details } = JSON.parse(decoder.decode(bytes)) as { code: string; message: string; details: Record<string, unknown> };
  return errorFromCode(code, message, details);
}

/** callRpc with a JSON reply. */
export async function callJson(bus: Bus, subject: string, request: Uint8Array, timeoutMs: number): Promise<unknown> {
  const body = await callRpc(bus, subject, request, timeoutMs);
  return JSON.parse(decoder.decode(body));
}

