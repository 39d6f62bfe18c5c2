/**
 * Admin routes, registered only when ADMIN_TOKEN is set: pause, resume, step N
 * generations as fast as the engine can, reset (optionally with a new rule or seed, and seeded).
 */
import { z } from 'zod';
import { parseRule } from '@lifemmo/shared';
import { AdminGuard } from '../auth.js';
import { ADMIN_AUTH, ADMIN_SECURITY, ASKS_SIM, BODY_ERRORS, LIMITED, errorReplies, replyOf } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

/** Most generations one step request may ask for. */
export const MAX_STEP_GENERATIONS = 10_000;

const StateReply = z.object({ generation: z.int(), paused: z.boolean() }).meta({ id: 'WorldState' });
const StepBody = z.object({
  generations: z.int().min(1).max(MAX_STEP_GENERATIONS).describe(`1..${MAX_STEP_GENERATIONS}`),
});
const ResetBody = z
  .object({
    rule: z.string().optional().describe('New rule in B/S notation; default: keep the current one'),
    seed: z.int().min(0).max(0xffff_ffff).optional().describe('New seed; default: keep the current one'),
    seeding: z
      .boolean()
      .optional()
      .describe("true: seed the empty world with the server's seeding recipe (SEEDING_* settings, neutral cells drawn from the seed); default false: an empty world"),
  })
  // A bare `curl -X POST` sends no body: that means "keep rule and seed".
  .nullish();
const ResetReply = z.object({ generation: z.int(), rule: z.string(), seed: z.int() });

/** Register /admin/*, guarded by `adminToken`. */
export function registerAdminRoutes(app: ZodApp, ctx: ServerContext, adminToken: string): void {
  const guard = new AdminGuard(adminToken);
  const common = { tags: ['admin'], security: ADMIN_SECURITY };
  const onRequest = async (request: Parameters<AdminGuard['require']>[0]) => guard.require(request);

  app.post(
    '/admin/pause',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'pauseWorld',
        summary: 'Pause the tick loop',
        response: { 200: replyOf('Paused (or already paused)', StateReply), ...errorReplies(ADMIN_AUTH, LIMITED, ASKS_SIM) },
      },
    },
    async () => {
      const { generation, paused } = await ctx.sim.admin({ op: 'pause' });
      return { generation, paused };
    },
  );

  app.post(
    '/admin/resume',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'resumeWorld',
        summary: 'Resume the tick loop',
        response: { 200: replyOf('Running (or already running)', StateReply), ...errorReplies(ADMIN_AUTH, LIMITED, ASKS_SIM) },
      },
    },
    async () => {
      const { generation, paused } = await ctx.sim.admin({ op: 'resume' });
      return { generation, paused };
    },
  );

  app.post(
    '/admin/step',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'stepWorld',
        summary: 'Run N generations as fast as possible (paused or not)',
        body: StepBody,
        response: {
          200: replyOf('Stepped: the new generation', StateReply),
          ...errorReplies(ADMIN_AUTH, BODY_ERRORS, LIMITED, ASKS_SIM),
        },
      },
    },
    async (request) => {
      const { generation, paused } = await ctx.sim.admin({ op: 'step', generations: request.body.generations });
      return { generation, paused };
    },
  );

  app.post(
    '/admin/reset',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'resetWorld',
        summary: 'Empty the world at generation 0, optionally with a new rule or seed, optionally seeded',
        description:
          'Players and their tokens are kept; budgets refill. The body is optional. With `seeding: true` the world starts ' +
          'with the neutral life the server seeds a fresh world with, the same cells for the same seed.',
        body: ResetBody,
        response: {
          200: replyOf('Reset: generation 0 with this rule and seed', ResetReply),
          ...errorReplies(ADMIN_AUTH, BODY_ERRORS, ['RULE_INVALID', 'RULE_B0', 'STORE_FAILED'], LIMITED, ASKS_SIM),
        },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      // Checked here too, so a bad rule is a 400 from the gateway whatever the sim runs.
      const rule = body.rule === undefined ? undefined : parseRule(body.rule).text;
      const seeding = body.seeding === true;
      const state = await ctx.sim.admin({ op: 'reset', rule, seed: body.seed, ...(seeding && { seeding }) });
      request.log.warn({ rule: state.rule, seed: state.seed, seeding }, 'world reset by admin');
      return { generation: state.generation, rule: state.rule, seed: state.seed };
    },
  );
}
