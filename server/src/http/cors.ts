/**
 * CORS for pages on other origins that call the REST API with `fetch` (CORS_ORIGINS,
 * docs/configuration.md). Closed by default: without CORS_ORIGINS the plugin is not even
 * registered, so a preflight is a 404 and no reply carries CORS headers, as before.
 *
 * An origin that is not allowed gets exactly that too (the origin resolver says `false`,
 * which @fastify/cors treats as "no CORS for this request"), rather than a 204 preflight
 * without an allow-origin header: the browser's verdict is the same, the server's answer
 * plainer. Credentials (cookies) are never allowed: the API's only credential is a bearer
 * token in the Authorization header, which a page sends explicitly.
 *
 * The WebSocket (`GET /ws`) is not subject to CORS: browsers open it from any origin, and it
 * authenticates with a token in `hello`, never with cookies.
 */
import fastifyCors from '@fastify/cors';
import type { Config } from '../config/config.js';
import type { ZodApp } from './server-context.js';

/** Request headers a page may send: the token, JSON bodies, its own request id. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'x-request-id'] as const;

/**
 * Reply headers a page may read besides the CORS-safelisted ones: the request id, the
 * rate limit's (`retry-after` is what the SDK waits by) and the generation of an RLE region.
 */
export const CORS_EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-generation',
] as const;

/** How long a browser may cache a preflight's answer, s (Chromium caps it at 7200). */
export const CORS_MAX_AGE_S = 600;

/** True when CORS_ORIGINS opens the API to some other origin. */
export function corsEnabled(cors: Config['cors']): boolean {
  return cors.origins === '*' || cors.origins.length > 0;
}

/**
 * Register @fastify/cors for `cors.origins`; does nothing when the list is empty. Register
 * before the rate limit, so that a 429 also carries the CORS headers a page needs to read it.
 */
export async function registerCors(app: ZodApp, cors: Config['cors']): Promise<void> {
  if (!corsEnabled(cors)) return;
  const allowed = cors.origins === '*' ? null : new Set(cors.origins);
  await app.register(fastifyCors, {
    // `*` is a fixed answer; a list answers the caller's own origin, or false (no CORS).
    origin: allowed === null ? '*' : (origin, done) => done(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: CORS_MAX_AGE_S,
    credentials: false,
  });
}
