/**
 * `GET /ws` as the REST side sees it. The WebSocket upgrade itself never reaches Fastify:
 * Node hands requests with `Upgrade: websocket` to the server's `upgrade` listener
 * (ws/ws-server.ts), which answers 101 and speaks docs/protocol.md. A plain `GET /ws` (a
 * browser's address bar, curl without the upgrade headers) lands here and gets 426
 * LIFE_ERR_WS_UPGRADE_REQUIRED saying how to connect, rather than a puzzling 404. The route
 * also carries the endpoint's description in the OpenAPI document.
 */
import { z } from 'zod';
import { LifeError, WS_PATH } from '@lifemmo/shared';
import { LIMITED, SHED, errorReplies } from '../schemas.js';
import type { ZodApp } from '../server-context.js';

/** Register `GET /ws` for requests without a WebSocket upgrade. */
export function registerWsRoute(app: ZodApp): void {
  app.get(
    WS_PATH,
    {
      schema: {
        operationId: 'openWebSocket',
        tags: ['websocket'],
        summary: 'The WebSocket endpoint: live diffs of a viewport, and placements (docs/protocol.md)',
        description:
          'Open with a WebSocket client (`ws://host:port/ws`, `Upgrade: websocket`): the server answers 101 and the protocol of ' +
          'docs/protocol.md follows: the client sends `hello` (with a player token, or none to watch), then `subscribe` to a ' +
          'viewport, and receives binary snapshot and diff frames each tick; `place` and `placePattern` place cells. A token may ' +
          'also come as `?token=` or an `Authorization: Bearer` header. Not subject to CORS: browsers connect from any origin.',
        querystring: z.object({ token: z.string().optional().describe("A player's bearer token (prefer the hello message's token)") }),
        response: {
          101: z.null().describe('Switching Protocols: the connection is a WebSocket speaking docs/protocol.md'),
          ...errorReplies(['WS_UPGRADE_REQUIRED'], LIMITED, SHED),
          503: z.null().describe('The server is shutting down: the upgrade is refused with a bare 503 (no body)'),
        },
      },
    },
    async (_request, reply) => {
      // RFC 9110 (426): the reply names the protocol to upgrade to.
      reply.header('upgrade', 'websocket');
      throw new LifeError('WS_UPGRADE_REQUIRED');
    },
  );
}
