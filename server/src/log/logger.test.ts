import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.js';

describe('redactUrl', () => {
  it('hides credential-like query values and keeps the rest', () => {
    expect(redactUrl('/cells?x=1&token=abc&y=2')).toBe('/cells?x=1&token=[redacted]&y=2');
    expect(redactUrl('/a?Authorization=Bearer%20x')).toBe('/a?Authorization=[redacted]');
    expect(redactUrl('/world')).toBe('/world');
  });
});

describe('createLogger', () => {
  it('writes JSON lines with token-like fields redacted', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ log: { level: 'info', format: 'json' } }, { stream });
    log.info({ token: 'T0', player: { token: 'T1' }, req: { headers: { authorization: 'Bearer T2' } } }, 'hello');
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ msg: 'hello', token: '[redacted]', player: { token: '[redacted]' } });
    expect(lines.join('')).not.toMatch(/T0|T1|T2/);
  });
});
