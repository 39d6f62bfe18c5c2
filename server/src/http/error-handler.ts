/**
 * One shape for every error reply, `{"error": {"code", "message"}}`, with a code from the
 * catalogue in @lifemmo/shared: LifeErrors as they are, zod request validation as
 * LIFE_ERR_VALIDATION, and Fastify's own errors (body too large, bad JSON, wrong media
 * type, rate limit, unknown route) mapped to their catalogue entries.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { Errors, LifeError, type ErrorName } from '@lifemmo/shared';
import type { ZodApp } from './server-context.js';

/** An error reply: HTTP status and body. */
export interface ErrorReply {
  readonly status: number;
  readonly body: { error: { code: string; message: string } };
}

/** Fastify error codes with a catalogue entry of their own. */
const FASTIFY_CODES: Record<string, ErrorName> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION',
};

function reply(name: ErrorName, message?: string): ErrorReply {
  const spec = Errors[name];
  return { status: spec.status, body: { error: { code: spec.code, message: message ?? spec.message } } };
}

/** Map any thrown value to the reply a client sees. Unknown errors become a bare 500. */
export function toErrorReply(err: unknown): ErrorReply {
  if (err instanceof LifeError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'request';
    const first = err.validation[0];
    const path = first && first.instancePath !== '/' ? first.instancePath : '';
    return reply('VALIDATION', `Invalid ${where}${path}: ${first?.message ?? 'does not match the schema'}`);
  }
  const fastifyErr = err as Partial<FastifyError>;
  const mapped = fastifyErr.code ? FASTIFY_CODES[fastifyErr.code] : undefined;
  if (mapped) return reply(mapped, mapped === 'VALIDATION' ? fastifyErr.message : undefined);
  const status = fastifyErr.statusCode ?? 500;
  if (status === 429) return reply('RATE_LIMITED', fastifyErr.message);
  if (status === 404) return reply('NOT_FOUND');
  if (status >= 400 && status < 500) return { ...reply('VALIDATION', fastifyErr.message), status };
  return reply('INTERNAL');
}

/**
 * Install the error and not-found handlers on `app`. They log nothing themselves: the
 * error goes on the request's one log line (request-log.ts), at info for client mistakes
 * (expected traffic), at error with the stack for server errors.
 */
export function installErrorHandlers(app: ZodApp): void {
  app.decorateRequest('replyError', null);
  app.setErrorHandler((err: unknown, request: FastifyRequest, res: FastifyReply) => {
    const { status, body } = toErrorReply(err);
    request.replyError = { ...body.error, err: status >= 500 ? err : undefined };
    // A refusal that says when to come back (LIFE_ERR_OVERLOADED) says it in the standard header.
    const retryAfterS = err instanceof LifeError ? err.details?.retryAfterS : undefined;
    if (typeof retryAfterS === 'number') res.header('retry-after', String(retryAfterS));
    return res.code(status).send(body);
  });
  app.setNotFoundHandler((request: FastifyRequest, res: FastifyReply) => {
    const { status, body } = reply('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
    request.replyError = { ...body.error, err: undefined };
    return res.code(status).send(body);
  });
}
