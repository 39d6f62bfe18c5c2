/**
 * zod schemas shared by several routes. The same schemas validate requests, type the
 * handlers and generate the OpenAPI document at /docs.
 */
import { z } from 'zod';
import { Errors, type ErrorName } from '@lifemmo/shared';

/** The body of every error reply, `{"error": {"code", "message"}}`. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('A stable LIFE_ERR_* code from the error catalogue'),
      message: z.string().describe('A human-readable explanation'),
    }),
  })
  .meta({ id: 'Error' });

/**
 * A file sent as it is (the web client, the SDK bundle): a Buffer to the handler's types, a
 * string in the OpenAPI document (zod cannot say Buffer in JSON Schema; `meta` says it).
 */
export const FileContent = z.custom<Buffer>((v) => Buffer.isBuffer(v)).meta({ type: 'string' });

/** A cell coordinate pair `[x, y]` in world coordinates. */
export const CellXY = z.tuple([z.int(), z.int()]).describe('[x, y] in world cells');

/** Reply of an accepted placement. */
export const PlacementReply = z
  .object({
    accepted: z.int().describe('Cells placed'),
    generation: z.int().describe('The generation at which the cells are live (the next one)'),
  })
  .meta({ id: 'PlacementReply' });

/**
 * A documented reply: its description and its schema for `mediaType`. Routes give every
 * status this way so the OpenAPI document says what each one means (the same form as
 * Fastify's per-content-type response schemas).
 */
export function replyOf<S extends z.ZodType>(description: string, schema: S, mediaType = 'application/json') {
  return { description, content: { [mediaType]: { schema } } };
}

/** `unknown` when `O` has no top-level key that `T` lacks; `never` (a type error at the call) otherwise. */
type NoExtraKeys<O, T> = [Exclude<keyof O, keyof T>] extends [never] ? unknown : never;

/**
 * A reply schema checked, when the server compiles, against the reply type clients read
 * (@lifemmo/shared, rest-replies.ts): what it outputs must be a `T`, with no top-level
 * field `T` lacks. So the schema (validation and the OpenAPI document), the SDK and the
 * pages cannot drift apart. Use: `conforming<WorldInfo>()(z.object({ ... }))`.
 */
export function conforming<T>() {
  return <S extends z.ZodType<T>>(schema: S & NoExtraKeys<z.output<S>, T>): S => schema;
}

/** Errors of every route: an unexpected failure (500, details in the server log). */
const ALWAYS: readonly ErrorName[] = ['INTERNAL'];

/** Errors of a route that reads a JSON body: malformed or mistyped (400), too large (413), not JSON (415). */
export const BODY_ERRORS: readonly ErrorName[] = ['VALIDATION', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** Errors of a route under the rate limit (429; `retry-after` says when to retry). */
export const LIMITED: readonly ErrorName[] = ['RATE_LIMITED'];
/**
 * Errors of a route shed under overload (503; `retry-after` says when to retry): every
 * route but the operators' (/health, /ready, /metrics, /status, admin: http/overload.ts).
 */
export const SHED: readonly ErrorName[] = ['OVERLOADED'];
/**
 * Errors of a route that asks the sim (placements, players, admin commands, most reads):
 * 503 when the sim is out of reach; nothing was changed or acknowledged.
 */
export const ASKS_SIM: readonly ErrorName[] = ['SIM_UNAVAILABLE'];
/** Errors of a player route: no token (401 UNAUTHORIZED) or an unknown one (401 BAD_TOKEN). */
export const PLAYER_AUTH: readonly ErrorName[] = ['UNAUTHORIZED', 'BAD_TOKEN'];
/** Errors of an admin route: no token (401), another token (403). */
export const ADMIN_AUTH: readonly ErrorName[] = ['UNAUTHORIZED', 'FORBIDDEN'];
/** Errors of a placement (POST /cells, POST /patterns) after its body is read. */
export const PLACEMENT_ERRORS: readonly ErrorName[] = [
  'TOO_MANY_CELLS',
  'OUT_OF_WORLD',
  'DUPLICATE_CELL',
  'CELL_OCCUPIED',
  'BUDGET_EXCEEDED',
  'STORE_FAILED',
];

/**
 * The error replies of a route, keyed by HTTP status, for its `response` schema: every
 * catalogue entry in `groups` (plus LIFE_ERR_INTERNAL, which any route may answer) under
 * its catalogue status, with one `ErrorBody` schema and a description listing each code
 * with its catalogue message. The statuses come from the catalogue, so a route cannot
 * document a code under the wrong one.
 */
export function errorReplies(...groups: ReadonlyArray<readonly ErrorName[]>) {
  const byStatus = new Map<number, ErrorName[]>();
  for (const name of [...groups.flat(), ...ALWAYS]) {
    const names = byStatus.get(Errors[name].status) ?? [];
    if (!names.includes(name)) names.push(name);
    byStatus.set(Errors[name].status, names);
  }
  const replies: Record<number, ReturnType<typeof replyOf<typeof ErrorBody>>> = {};
  for (const [status, names] of [...byStatus].sort(([a], [b]) => a - b)) {
    replies[status] = replyOf(names.map((name) => `- \`${Errors[name].code}\`: ${Errors[name].message}`).join('\n'), ErrorBody);
  }
  return replies;
}

/** OpenAPI security requirement of player routes. */
export const PLAYER_SECURITY = [{ playerToken: [] }];
/** OpenAPI security requirement of admin routes. */
export const ADMIN_SECURITY = [{ adminToken: [] }];
