/**
 * An oversized body always gets its 413. Fastify refuses a body over `bodyLimit` as soon
 * as it knows (from content-length, or once a chunked body passes the limit) and closes
 * the connection right after the reply, with the rest of the body unread: closing a
 * socket with unread data makes the kernel send a reset, and a client still sending gets
 * EPIPE or ECONNRESET instead of the 413 (36 of 100 POSTs of 2 MB, issue 16).
 *
 * So a body over the limit is read to its end and thrown away, up to DRAIN_FACTOR times
 * the limit, before the 413 is sent; the connection then closes cleanly (or stays open
 * for the next request). A body larger still is refused at once, as Fastify does: reading
 * megabytes more for a client that sends that much is not worth it, and such a client
 * may see the reset.
 */
import { Transform, pipeline, type TransformCallback } from 'node:stream';
import { LifeError } from '@lifemmo/shared';
import type { ZodApp } from './server-context.js';

/** Bytes read and thrown away for a refused body: up to this many times the body limit. */
export const DRAIN_FACTOR = 16;

function tooLarge(limit: number): LifeError {
  return new LifeError('BODY_TOO_LARGE', `The request body is too large: at most ${limit} bytes`);
}

/**
 * Passes a body through up to `limit` bytes; past that, discards the rest, and at its end
 * fails with LIFE_ERR_BODY_TOO_LARGE (at once past `drainLimit`).
 */
class DrainPastLimit extends Transform {
  #seen = 0;

  constructor(
    private readonly limit: number,
    private readonly drainLimit: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen <= this.limit) return done(null, chunk);
    if (this.#seen > this.drainLimit) return done(tooLarge(this.limit));
    done();
  }

  override _flush(done: TransformCallback): void {
    done(this.#seen > this.limit ? tooLarge(this.limit) : null);
  }
}

/** Install the draining of oversized bodies on `app` (whose bodyLimit is `limit`). */
export function drainOversizedBodies(app: ZodApp, limit: number): void {
  const drainLimit = limit * DRAIN_FACTOR;
  // Callback-style: most requests pass with two header reads and no promise.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const length = request.headers['content-length'];
    if (length !== undefined) {
      const declared = Number(length);
      // Within the limit Fastify reads it; past the drain limit Fastify refuses it at once.
      if (!(declared > limit) || declared > drainLimit) return done(null, payload);
      // Fastify would refuse on the header alone: read the body to its end first (Node's
      // parser stops at the declared length), then refuse.
      let settled = false;
      const settle = (err: Error): void => {
        if (settled) return;
        settled = true;
        done(err);
      };
      payload.on('data', () => undefined);
      payload.once('end', () => settle(tooLarge(limit)));
      payload.once('error', settle);
      // The client went away before sending it all: nobody is left to answer.
      payload.once('close', () => settle(tooLarge(limit)));
      return;
    }
    if (request.headers['transfer-encoding'] === undefined) return done(null, payload);
    // A chunked body: its size is known only at its end. (pipeline: a client that goes away
    // mid-body ends the parse with an error instead of leaving it waiting.)
    const limited = new DrainPastLimit(limit, drainLimit);
    pipeline(payload, limited, () => undefined);
    done(null, limited);
  });
}
