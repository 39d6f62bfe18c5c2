// The hand-checked parser of server messages agrees with the zod schema (the contract) on
// valid messages and on messages with one field removed or replaced by a value of another kind.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServerMessage } from './protocol.js';
import { parseServerMessage } from './server-message.js';

const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 });
const id = fc.option(fc.oneof(fc.string({ maxLength: 64 }), int), { nil: undefined });
const withId = <T extends object>(o: T, value: unknown): T => (value === undefined ? o : { ...o, id: value });

const hello = fc.record({
  type: fc.constant('hello'),
  protocolVersion: int,
  serverTime: fc.double({ noNaN: true, noDefaultInfinity: true }),
  generation: int,
  tickMs: fc.double({ noNaN: true, noDefaultInfinity: true }),
  world: fc.record({ width: int, height: int, topology: fc.constantFrom('torus', 'bounded'), rule: fc.string(), chunkSize: int }),
  player: fc.option(fc.record({ id: int, name: fc.string(), color: fc.string() }), { nil: null }),
  limits: fc.record({ maxViewportArea: int, maxMessageBytes: int, maxCellsPerMessage: int, heartbeatMs: int, maxLagMs: int, ackEveryMs: int }),
});
const placed = fc.tuple(fc.record({ type: fc.constant('placed'), accepted: int, generation: int }), id).map(([o, i]) => withId(o, i));
const error = fc.tuple(fc.record({ type: fc.constant('error'), code: fc.string(), message: fc.string() }), id).map(([o, i]) => withId(o, i));
const pong = fc
  .tuple(fc.record({ type: fc.constant('pong'), serverTime: fc.double({ noNaN: true, noDefaultInfinity: true }), generation: int }), id, fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }))
  .map(([o, i, t]) => (t === undefined ? withId(o, i) : { ...withId(o, i), t }));
const message = fc.oneof(hello, placed, error, pong);

/** Values of the wrong kind for most fields (and the right kind for some: both must agree either way). */
const WRONG = [null, 'x', 'a'.repeat(65), 1.5, -1, 2 ** 60, true, {}, [], 'torus', 'hello'];

/** Every path to a field of `o`, nested objects included. */
function paths(o: object, prefix: string[] = []): string[][] {
  return Object.entries(o).flatMap(([k, v]) => [[...prefix, k], ...(typeof v === 'object' && v !== null ? paths(v as object, [...prefix, k]) : [])]);
}

/** A copy of `o` with the field at `path` set to `value` (removed when `value` is undefined). */
function mutate(o: object, path: string[], value: unknown): unknown {
  const copy = structuredClone(o) as Record<string, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
}

/** `raw` as the client receives it (-0 becomes 0, undefined fields vanish). */
function viaJson(raw: unknown): unknown {
  return JSON.parse(JSON.stringify(raw));
}

function hand(raw: unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseServerMessage(JSON.stringify(raw)) };
  } catch {
    return { ok: false };
  }
}

describe('parseServerMessage', () => {
  it('accepts what the schema accepts, with the same result', () => {
    fc.assert(
      fc.property(message, (m) => {
        const schema = ServerMessage.safeParse(viaJson(m));
        expect(schema.success).toBe(true);
        expect(hand(m)).toEqual({ ok: true, value: schema.data });
      }),
    );
  });

  it('refuses what the schema refuses: a field removed or of another kind', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: -1, max: WRONG.length - 1 }), (m, pick, wrong) => {
        const all = paths(m);
        const path = all[pick % all.length]!;
        const raw = mutate(m, path, wrong < 0 ? undefined : WRONG[wrong]);
        const schema = ServerMessage.safeParse(viaJson(raw));
        const result = hand(raw);
        expect(result.ok, `${path.join('.')} = ${JSON.stringify(wrong < 0 ? 'removed' : WRONG[wrong])}`).toBe(schema.success);
        if (schema.success && result.ok) expect(result.value).toEqual(schema.data);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what is not JSON or not an object, with LIFE_ERR_WS_BAD_MESSAGE', () => {
    expect(() => parseServerMessage('nope')).toThrow(/JSON/);
    expect(() => parseServerMessage('[1]')).toThrow(expect.objectContaining({ code: 'LIFE_ERR_WS_BAD_MESSAGE' }));
    expect(() => parseServerMessage('{"type":"placed"}')).toThrow(/Unexpected server message: accepted/);
  });
});
