/**
 * One log line per HTTP request, written when the reply is finished: method, URL (with
 * credential-like query values redacted), status, response time in ms, the request id,
 * and for an error reply its `{code, message}` (and the error itself for a 5xx). Fastify's
 * default is two lines at info (`incoming request`, `request completed`), plus a third from
 * the error handler; an operator wants one.
 *
 * Levels: `info`; `error` for 5xx (and replies cut off by a stream error); `debug` for the
 * probes and the scraper (`/health`, `/ready`, `/metrics`, a 503 included; a 500 is still an
 * error), which an orchestrator calls every few seconds. The `incoming request` line is kept at `trace`, to
 * find requests that never finish.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Routes probed by orchestrators and Prometheus: logged at debug, never at info. */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

/** What the error handler sent, for the request's log line. */
export interface ReplyErrorNote {
  readonly code: string;
  readonly message: string;
  /** The error behind a 5xx reply (its stack is logged); undefined for client errors. */
  readonly err: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the error handler when the reply is an error (needs `decorateRequest('replyError', null)`). */
    replyError: ReplyErrorNote | null;
  }
}

/** Fastify's log controller, writing one line per request (pass as the `logController` option). */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.trace({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const note = request.replyError ?? null;
    const fields: Record<string, unknown> = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (note !== null) fields.error = { code: note.code, message: note.message };
    const failed = error !== null && error !== undefined;
    const status = reply.statusCode;
    // A probe's 503 (not ready, sim unavailable) is the answer it asks for, every few seconds.
    const probe = PROBE_ROUTES.has(request.routeOptions.url ?? '') && status !== 500;
    if (failed || (status >= 500 && !probe)) {
      fields.err = failed ? error : note?.err;
      reply.log.error(fields, 'request completed');
    } else if (probe) {
      reply.log.debug(fields, 'request completed');
    } else {
      reply.log.info(fields, 'request completed');
    }
  }
}
