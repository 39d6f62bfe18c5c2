/**
 * An oversized body always gets its 413: 100 real POST /cells of 2 MB, over raw
 * node:http, each on its own connection and written as a streaming client writes it (64 KB
 * at a time, waiting for drain), every one answered 413 with the JSON error body, none cut
 * off with EPIPE or ECONNRESET because the server closed the socket while the client was
 * still sending. The server is `main.ts` in its own process, as a user runs it: a server
 * on the test's own event loop takes turns with the client in a way that hides the problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { killChildren, listening, run } from '../support/child-server.js';
import { newPlayer } from './helpers.js';

/** What one raw POST got: a status and body, or the socket error that ended it. */
type Outcome = { status: number; body: string } | { error: string };

/** POST `body` on a connection of its own, with a content-length or (`chunked`) without. */
function postRaw(url: string, path: string, body: Buffer, headers: Record<string, string>, chunked = false): Promise<Outcome> {
  const length: Record<string, string> = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) };
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...length, ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
      },
    );
    req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    let offset = 0;
    const write = (): void => {
      while (offset < body.length) {
        const more = req.write(body.subarray(offset, offset + 65_536));
        offset += 65_536;
        if (!more) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

describe('oversized bodies', () => {
  let url = '';
  let auth: Record<string, string> = {};
  beforeAll(async () => {
    const child = run({ PORT: '0', HOST: '127.0.0.1' });
    url = `http://127.0.0.1:${await listening(child)}`;
    const { token } = await newPlayer({ url });
    auth = { authorization: `Bearer ${token}` };
  });
  afterAll(killChildren);

  /** `count` POST /cells of `body`, ten at a time as ten clients would send them. */
  async function post(count: number, body: Buffer, chunked = false): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (let round = 0; round < count / 10; round++) {
      outcomes.push(...(await Promise.all(Array.from({ length: 10 }, () => postRaw(url, '/cells', body, auth, chunked)))));
    }
    return outcomes;
  }

  /** Every outcome a 413 with the catalogue's JSON error body. */
  function expectAll413(outcomes: Outcome[]): void {
    const tally = new Map<string, number>();
    for (const o of outcomes) {
      const key = 'error' in o ? o.error : String(o.status);
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(tally)).toEqual({ 413: outcomes.length });
    for (const o of outcomes) {
      expect(JSON.parse((o as { body: string }).body)).toEqual({
        error: { code: 'LIFE_ERR_BODY_TOO_LARGE', message: expect.stringMatching(/too large/) },
      });
    }
  }

  const twoMegabytes = Buffer.from(JSON.stringify({ cells: [], pad: 'x'.repeat(2 * 1024 * 1024) }));

  it('100 POST /cells of 2 MB all get 413 LIFE_ERR_BODY_TOO_LARGE with the JSON body', async () => {
    expectAll413(await post(100, twoMegabytes));
  });

  it('so do chunked bodies (no content-length), found too large only while they arrive', async () => {
    expectAll413(await post(30, twoMegabytes, true));
  });

  it('a body within the limit is still read and handled', async () => {
    for (const chunked of [false, true]) {
      const small = Buffer.from(JSON.stringify({ cells: [[3, chunked ? 5 : 3]] }));
      expect(await postRaw(url, '/cells', small, auth, chunked)).toMatchObject({ status: 202 });
    }
  });
});
