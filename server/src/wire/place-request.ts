/**
 * A placement forwarded by a gateway to the sim that owns the cells (`place.<region>`),
 * binary: owner, transport, then the cells as f64 pairs (any integer a client may send,
 * wrapped or refused by the engine). The reply is JSON `{ accepted, generation }`, sent
 * once the placement is durable in the sim's log.
 */
import { ByteReader, ByteWriter } from './bytes.js';

/** Which surface a placement came through (a metrics label). */
export type PlaceTransport = 'rest' | 'ws';

export interface PlaceRequest {
  readonly owner: number;
  readonly transport: PlaceTransport;
  readonly cells: ReadonlyArray<readonly [number, number]>;
}

export function encodePlaceRequest(m: PlaceRequest): Uint8Array {
  const w = new ByteWriter(12 + 16 * m.cells.length).u32(m.owner).u8(m.transport === 'ws' ? 1 : 0).u32(m.cells.length);
  for (const [x, y] of m.cells) w.f64(x).f64(y);
  return w.finish();
}

export function decodePlaceRequest(payload: Uint8Array): PlaceRequest {
  const r = new ByteReader(payload);
  const owner = r.u32();
  const transport: PlaceTransport = r.u8() === 1 ? 'ws' : 'rest';
  const cells: Array<[number, number]> = new Array(r.u32());
  for (let i = 0; i < cells.length; i++) cells[i] = [r.f64(), r.f64()];
  return { owner, transport, cells };
}
