/**
 * The live cells of a rectangle (`cells` request/reply): the request is JSON
 * `{ x, y, w, h }`; the reply body is binary, generation then [x, y, owner] triples as
 * u32s, since a region may hold a quarter of a million cells.
 */
import { ByteReader, ByteWriter } from './bytes.js';

export interface CellsReply {
  readonly generation: number;
  readonly cells: Array<[number, number, number]>;
}

export function encodeCellsReply(m: CellsReply): Uint8Array {
  const w = new ByteWriter(9 + 12 * m.cells.length).u32(m.generation).u32(m.cells.length);
  for (const [x, y, owner] of m.cells) w.u32(x).u32(y).u32(owner);
  return w.finish();
}

export function decodeCellsReply(body: Uint8Array): CellsReply {
  const r = new ByteReader(body);
  const generation = r.u32();
  const cells: Array<[number, number, number]> = new Array(r.u32());
  for (let i = 0; i < cells.length; i++) cells[i] = [r.u32(), r.u32(), r.u32()];
  return { generation, cells };
}
