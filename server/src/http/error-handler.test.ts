import { describe, expect, it } from 'vitest';
import { LifeError } from '@lifemmo/shared';
import { toErrorReply } from './error-handler.js';

describe('toErrorReply', () => {
  it('keeps LifeErrors as they are', () => {
    expect(toErrorReply(new LifeError('CELL_OCCUPIED', 'taken'))).toEqual({
      status: 409,
      body: { error: { code: 'LIFE_ERR_CELL_OCCUPIED', message: 'taken' } },
    });
  });
  it('maps Fastify errors to catalogue codes', () => {
    const fst = (code: string, statusCode: number) => Object.assign(new Error('x'), { code, statusCode });
    expect(toErrorReply(fst('FST_ERR_CTP_BODY_TOO_LARGE', 413)).body.error.code).toBe('LIFE_ERR_BODY_TOO_LARGE');
    expect(toErrorReply(fst('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).status).toBe(415);
    expect(toErrorReply(fst('FST_ERR_SOMETHING', 429)).body.error.code).toBe('LIFE_ERR_RATE_LIMITED');
    expect(toErrorReply(fst('FST_ERR_SOMETHING', 405))).toMatchObject({ status: 405, body: { error: { code: 'LIFE_ERR_VALIDATION' } } });
  });
  it('hides the details of unexpected errors', () => {
    expect(toErrorReply(new Error('secret internals'))).toEqual({
      status: 500,
      body: { error: { code: 'LIFE_ERR_INTERNAL', message: 'Internal error' } },
    });
  });
});
