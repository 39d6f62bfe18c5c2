/** The WebSocket transport: `GET /ws`, subscriptions, diffs, backpressure, heartbeat. */
export { attachWebSocket, type WsServerHandle } from './ws-server.js';
export type { WsStats } from './ws-stats.js';
