// Protocol schemas: every client message parses, refusals carry the right code and the
// message id, and the close codes line up with the error catalogue.
import { describe, expect, it } from 'vitest';
import { Errors } from './errors.js';
import {
  CLIENT_MESSAGE_TYPES,
  CloseCodes,
  MessageError,
  PROTOCOL_VERSION,
  ServerMessage,
  parseClientMessage,
  parseServerMessage,
  ackEveryMs,
} from './protocol.js';

function refusal(text: string): MessageError {
  try {
    parseClientMessage(text);
  } catch (err) {
    if (err instanceof MessageError) return err;
    throw err;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('client messages', () => {
  it('parses one valid message of every type', () => {
    const valid = [
      { type: 'hello', protocolVersion: PROTOCOL_VERSION },
      { type: 'hello', protocolVersion: PROTOCOL_VERSION, token: 'abc' },
      { type: 'subscribe', x: -10, y: 5, w: 256, h: 128, id: 1 },
      { type: 'unsubscribe' },
      { type: 'place', cells: [[1, 2], [3, 4]], id: 'p1' },
      { type: 'placePattern', rle: 'bo$2bo$3o!', x: 1, y: 2, rotate: 90, flip: 'horizontal' },
      { type: 'resync' },
      { type: 'ping', t: 123.5 },
      { type: 'ack', generation: 42 },
    ];
    expect(new Set(valid.map((m) => m.type))).toEqual(new Set(CLIENT_MESSAGE_TYPES));
    for (const message of valid) expect(parseClientMessage(JSON.stringify(message))).toEqual(message);
  });

  it('refuses text that is not a JSON object with a type: LIFE_ERR_WS_BAD_MESSAGE', () => {
    for (const text of ['', '{', 'null', '42', '"hello"', '[]', '{"t":1}', '{"type":5}']) {
      expect(refusal(text).code).toBe(Errors.WS_BAD_MESSAGE.code);
    }
  });

  it('refuses an unknown type with LIFE_ERR_WS_UNKNOWN_MESSAGE, echoing the id', () => {
    const err = refusal('{"type":"teleport","id":"t1"}');
    expect(err.code).toBe(Errors.WS_UNKNOWN_MESSAGE.code);
    expect(err.id).toBe('t1');
  });

  it('refuses bad fields with LIFE_ERR_VALIDATION, echoing the id', () => {
    const bad = [
      { type: 'subscribe', x: 0, y: 0, w: 0, h: 10, id: 3 },
      { type: 'subscribe', x: 0.5, y: 0, w: 1, h: 1, id: 3 },
      { type: 'subscribe', x: 2 ** 40, y: 0, w: 1, h: 1, id: 3 },
      { type: 'place', cells: [], id: 3 },
      { type: 'place', cells: [[1]], id: 3 },
      { type: 'placePattern', rle: '', x: 0, y: 0, id: 3 },
      { type: 'placePattern', rle: 'o!', x: 0, y: 0, rotate: 45, id: 3 },
      { type: 'hello', id: 3 },
      { type: 'ping', extra: true, id: 3 },
    ];
    for (const message of bad) {
      const err = refusal(JSON.stringify(message));
      expect(err.code, JSON.stringify(message)).toBe(Errors.VALIDATION.code);
      expect(err.id).toBe(3);
      expect(err.message).toContain(message.type);
    }
  });

  it('does not echo an id that is not a valid id', () => {
    expect(refusal(JSON.stringify({ type: 'nope', id: { a: 1 } })).id).toBeUndefined();
    expect(refusal(JSON.stringify({ type: 'nope', id: 'x'.repeat(65) })).id).toBeUndefined();
    expect(refusal(JSON.stringify({ type: 'ack', generation: -1 })).id).toBeUndefined();
  });
});

describe('ackEveryMs', () => {
  it('is half the lag bound, at most 500 ms and at least 50 ms', () => {
    expect(ackEveryMs(1000)).toBe(500);
    expect(ackEveryMs(200)).toBe(100);
    expect(ackEveryMs(601)).toBe(300);
    expect(ackEveryMs(600_000)).toBe(500);
    expect(ackEveryMs(60)).toBe(50);
  });
});

describe('server messages', () => {
  it('parses the messages a server sends and refuses others', () => {
    const hello = {
      type: 'hello',
      protocolVersion: 1,
      serverTime: 1,
      generation: 0,
      tickMs: 100,
      world: { width: 256, height: 256, topology: 'torus', rule: 'B3/S23', chunkSize: 64 },
      player: null,
      limits: { maxViewportArea: 262144, maxMessageBytes: 65536, maxCellsPerMessage: 1024, heartbeatMs: 15000, maxLagMs: 1000, ackEveryMs: 250 },
    };
    expect(parseServerMessage(JSON.stringify(hello))).toEqual(hello);
    expect(ServerMessage.parse({ type: 'placed', accepted: 3, generation: 9, id: 'a' })).toMatchObject({ accepted: 3 });
    expect(() => parseServerMessage('{"type":"placed"}')).toThrow(/Unexpected/);
    expect(() => parseServerMessage('nope')).toThrow(/JSON/);
  });
});

describe('close codes', () => {
  it('every catalogue closeCode is one of CloseCodes, and every 4xxx close code has a catalogue entry', () => {
    const codes = new Set<number>(Object.values(CloseCodes));
    const used = new Set<number>();
    for (const spec of Object.values(Errors) as Array<{ closeCode?: number }>) {
      if (spec.closeCode === undefined) continue;
      expect(codes.has(spec.closeCode)).toBe(true);
      used.add(spec.closeCode);
    }
    for (const code of codes) if (code >= 4000) expect(used.has(code), String(code)).toBe(true);
  });
});
