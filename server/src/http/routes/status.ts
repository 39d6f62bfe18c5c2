/**
 * `GET /status.json`: the live status page's figures (gateway/status-report.ts). Public
 * figures for anyone; with the admin bearer token, also this gateway's process and what it
 * knows of the sim. The page itself (`GET /status`) is a file of web/dist, served by web.ts.
 * Not rate limited, like /metrics: a page polls it every second and it costs a few reads of
 * counters.
 */
import { z } from 'zod';
import { LifeError, type StatusReport } from '@lifemmo/shared';
import { publicStatus, statusDetails } from '../../gateway/status-report.js';
import { AdminGuard, bearerToken } from '../auth.js';
import { ADMIN_SECURITY, errorReplies, replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const seconds = (what: string) => z.number().describe(`${what}, seconds`);

const StatusReply = conforming<StatusReport>()(
  z
    .object({
      at: z.int().describe('When the report was made, ms since the epoch'),
      role: z.enum(['standalone', 'gateway']).describe('standalone: the sim runs on a thread of this process; gateway: a cluster gateway'),
      world: z.object({
        generation: z.int(),
        population: z.int(),
        paused: z.boolean(),
        tickMs: z.int().describe('Target time between generations, ms'),
        lagMs: z.int().describe('How far the tick runs behind its schedule now, ms (as GET /world)'),
      }),
      ticks: z
        .object({ count: z.int(), durationSeconds: seconds('Sum of tick durations'), lagSeconds: seconds('Sum of tick start lags') })
        .describe("Running totals over the ticks whose summary reached this gateway: two reports' differences give ticks/s, mean tick time and lag"),
      clients: z.int().describe('WebSocket clients connected to this gateway'),
      placements: z.object({ accepted: z.int(), refused: z.int() }).describe('Placement requests through this gateway since it started'),
      sim: z.object({
        up: z.boolean().describe("Whether this gateway hears the sim's summaries"),
        heardMsAgo: z.int().nullable().describe('Since the latest summary, ms; null before the first'),
      }),
      bus: z
        .object({
          messages: z.int(),
          bytes: z.int(),
          summaries: z.int().describe('Tick summaries timed'),
          simDelaySeconds: seconds("Sum of the sim's commit-to-send delays"),
          busDelaySeconds: seconds('Sum of the send-to-arrival delays'),
        })
        .describe('Bus messages and bytes received from the sim, and the delay of its tick summaries (running totals)'),
      gateways: z
        .array(
          z.object({
            id: z.string().describe("The gateway's id on the bus"),
            role: z.enum(['standalone', 'gateway']),
            clients: z.int().describe('WebSocket clients connected to it'),
            placements: z.object({ accepted: z.int(), refused: z.int() }).describe('Placement requests through it since it started'),
            simUp: z.boolean().describe("Whether it hears the sim's summaries"),
            generation: z.int().describe('The latest generation it heard of'),
            heardMsAgo: z.int().describe('Since its latest announcement reached this gateway, ms (0 for this one)'),
            self: z.boolean().describe('True for the gateway that answered'),
          }),
        )
        .describe('Every gateway of the world heard on the bus within the last 3.5 s, this one first (standalone: only itself)'),
      details: z
        .object({
          gateway: z.object({
            id: z.string(),
            pid: z.int(),
            uptimeSeconds: z.number(),
            rssBytes: z.int(),
            heapUsedBytes: z.int(),
            eventLoopActiveMs: z.number().describe("Running total of the event loop's busy time"),
            eventLoopIdleMs: z.number().describe("Running total of the event loop's idle time"),
            replicaChunks: z.int().describe('Chunks the replica holds'),
          }),
          sim: z.object({
            instance: z.int().describe("The sim's instance number, new after each start; 0 before any summary"),
            inProcess: z.boolean().describe('The sim runs on a thread of this process (standalone)'),
            world: z.string().describe('WORLD_NAME'),
          }),
        })
        .optional()
        .describe('Only with the admin token: this gateway process and the sim as it knows it'),
    })
    .meta({ id: 'Status' }),
);

/** Register GET /status.json. */
export function registerStatusRoute(app: ZodApp, ctx: ServerContext): void {
  // Made at the first request with a token: registering reads nothing of the context.
  let guard: AdminGuard | null | undefined;
  app.get(
    '/status.json',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getStatus',
        tags: ['operations'],
        summary: "The status page's figures: running totals to take rates from, and with the admin token this process's details",
        description:
          'No token: the public figures. The admin bearer token adds `details`; any other token is 403 (also when ADMIN_TOKEN is not set). Not rate limited.',
        security: [{}, ...ADMIN_SECURITY],
        response: { 200: replyOf('The figures now', StatusReply), ...errorReplies(['FORBIDDEN']) },
      },
    },
    async (request, reply) => {
      const token = bearerToken(request);
      if (token !== undefined) {
        const adminToken = ctx.config.adminToken;
        guard ??= adminToken === undefined ? null : new AdminGuard(adminToken);
        if (guard === null) throw new LifeError('FORBIDDEN', 'Admin details are off: ADMIN_TOKEN is not set');
        guard.require(request);
      }
      reply.header('cache-control', 'no-store');
      const figures = await publicStatus(ctx);
      return token === undefined ? figures : { ...figures, details: statusDetails(ctx) };
    },
  );
}
