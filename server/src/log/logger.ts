/**
 * The pino logger: JSON lines for machines, pretty lines on a terminal, and no secrets.
 * Bearer tokens travel only in the Authorization header and in the body of
 * `POST /players` replies; neither is logged by Fastify's default serializers, and the
 * redaction below catches them should anyone log a header set or a token field.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config/config.js';

/** Paths pino replaces with "[redacted]" wherever they appear in a log record. */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'adminToken',
  '*.token',
  '*.adminToken',
  '*.authorization',
];

// Query parameters that look like credentials. The API never takes a token in a URL, but
// a careless client may send one; its value must not reach the logs with the URL.
const SECRET_QUERY = /([?&](?:token|access_token|admin_token|auth|authorization|key|secret)=)[^&#]*/gi;

/** `url` with the values of credential-like query parameters replaced by "[redacted]". */
export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_QUERY, '$1[redacted]') : url;
}

/** The request fields Fastify logs, with the URL redacted. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** What modules that only log need of a logger (pino's and Fastify's both fit). */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Options of createLogger. */
export interface LoggerSetup {
  /** True when stdout is a terminal (main.ts knows; LOG_FORMAT=auto follows it). */
  readonly isTty?: boolean;
  /** Write here instead of stdout (tests capture the JSON lines this way). */
  readonly stream?: DestinationStream;
}

/** pino options shared by every lifemmo logger. */
export function loggerOptions(config: Pick<Config, 'log'>): LoggerOptions {
  return {
    level: config.log.level,
    base: { service: 'lifemmo' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    // Replaces Fastify's request serializer (same fields) to redact the URL.
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  };
}

/** A pino logger for the server; pretty on a terminal unless LOG_FORMAT says otherwise. */
export function createLogger(config: Pick<Config, 'log'>, setup: LoggerSetup = {}): Logger {
  const options = loggerOptions(config);
  if (setup.stream) return pino(options, setup.stream);
  const wantPretty = config.log.format === 'pretty' || (config.log.format === 'auto' && setup.isTty === true);
  // pino-pretty runs in-process (not as a worker transport): a terminal is for humans
  // watching a development server, where its cost does not matter.
  if (wantPretty) {
    // Synchronous, so the last lines before an exit (a fatal start-up error) are not lost.
    // Only `err` is an Error with a stack; `error` is a reply's {code, message}, kept on the line.
    const stream = pretty({
      colorize: true,
      singleLine: true,
      sync: true,
      errorLikeObjectKeys: ['err'],
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
    });
    return pino(options, stream);
  }
  return pino(options);
}

/** Levels quieter than info: start-up records are written all the same (startupLogger). */
const QUIETER_THAN_INFO: ReadonlySet<string> = new Set(['warn', 'error', 'fatal']);

/** True when LOG_LEVEL hides info records (and is not `silent`). */
export function quieterThanInfo(config: Pick<Config, 'log'>): boolean {
  return QUIETER_THAN_INFO.has(config.log.level);
}

/**
 * The logger for start-up records ("lifemmo listening on http://..."): info records that are
 * written even when LOG_LEVEL is warn, error or fatal, because where the server listens is
 * what a launcher (or an operator reading a quiet log) needs first. LOG_LEVEL=silent still
 * silences them. In JSON mode they are JSON lines like any other: nothing else is printed
 * to stdout.
 */
export function startupLogger(logger: ChildLogger, config: Pick<Config, 'log'>): Pick<Logger, 'info'> {
  return quieterThanInfo(config) ? logger.child({}, { level: 'info' }) : logger;
}

/** What startupLogger needs of a logger: pino's and Fastify's both fit. */
interface ChildLogger extends Pick<Logger, 'info'> {
  child(bindings: Record<string, unknown>, options: { level: string }): Pick<Logger, 'info'>;
}
