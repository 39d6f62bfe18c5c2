/**
 * Shedding HTTP requests the gateway cannot serve: @fastify/under-pressure samples this
 * thread's event-loop delay and heap (every OVERLOAD_SAMPLE_MS); past a limit, every
 * request but the operators' is refused at once, before its body is read, with 503,
 * `Retry-After` and LIFE_ERR_OVERLOADED in the usual error body. The operators' routes
 * (probes, metrics, the status page, admin) always get through: when the server struggles
 * is when they are needed.
 *
 * The same samples feed admission control (gateway/admission.ts), which also refuses
 * placements and new WebSocket connections while the sim's tick runs behind.
 */
import { getHeapStatistics } from 'node:v8';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fastifyUnderPressure from '@fastify/under-pressure';
import type { Admission, ShedReason } from '../gateway/admission.js';
import type { Config } from '../config/config.js';
import type { ZodApp } from './server-context.js';

/** Routes never shed (their URL patterns), besides everything under ADMIN_PREFIX. */
export const OVERLOAD_EXEMPT_ROUTES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics', '/status', '/status.json']);
/** Admin routes are never shed: pause and reset are how an operator relieves an overloaded world. */
const ADMIN_PREFIX = '/admin/';

/** V8's heap limit, bytes: OVERLOAD_MAX_HEAP_FRACTION is a share of it. */
export function heapLimitBytes(): number {
  return getHeapStatistics().heap_size_limit;
}

/** Whether `request` is an operator's, which is never shed. */
export function exemptFromShedding(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && (OVERLOAD_EXEMPT_ROUTES.has(route) || route.startsWith(ADMIN_PREFIX));
}

/** An onRequest hook of the placement routes: LIFE_ERR_OVERLOADED (503) while admission refuses. */
export function admitPlacements(admission: Admission): onRequestHookHandler {
  return (_request, _reply, done) => {
    try {
      admission.admitPlacement('rest');
    } catch (err) {
      return done(err as Error);
    }
    done();
  };
}

/** under-pressure's names of its measurements, as the shed counter's reasons. */
const REASONS: Record<string, ShedReason> = { eventLoopDelay: 'event_loop_delay', heapUsedBytes: 'heap' };

/** Register the shedding on `app` and point `admission` at its samples. */
export async function registerOverloadProtection(app: ZodApp, limits: Config['overload'], admission: Admission): Promise<void> {
  await app.register(fastifyUnderPressure, {
    sampleInterval: limits.sampleMs,
    // 0 turns a check off in under-pressure as here.
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: Math.floor(limits.maxHeapFraction * heapLimitBytes()),
    pressureHandler: (request: FastifyRequest, _reply: FastifyReply, type: string) => {
      if (exemptFromShedding(request)) return undefined; // let it through
      const reason = REASONS[type] ?? 'event_loop_delay';
      admission.shed('http', reason);
      // A rejection goes to the error handler: the usual body, Retry-After, and the request's log line.
      return Promise.reject(admission.overloaded(reason));
    },
  });
  admission.measureThreadWith(() => {
    const usage = app.memoryUsage();
    return { eventLoopDelayMs: usage.eventLoopDelay, heapUsedBytes: usage.heapUsed };
  });
}
