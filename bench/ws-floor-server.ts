/**
 * The floor of the WebSocket benchmark: a bare `ws` broadcaster with no world, no
 * subscriptions, no backpressure and no metrics. It sends each tick's frame the cheapest
 * way lifemmo knows: framed once, one write per client straight to the kernel, clients in
 * the order they subscribed (the broadcaster's own server/src/ws/shared-message.ts and
 * socket-write.ts). It answers every client's subscribe with a snapshot frame and then,
 * every tick, sends every client the same diff frame of a given size (lifemmo's header
 * with the generation and the send time, then filler). Measured
 * with the same load generator, on the same machine, in the same run, it shows what
 * sending that many frames of that size costs here before lifemmo does anything.
 *
 *   node --import tsx bench/ws-floor-server.ts <frameBytes> <tickMs>
 *
 * Prints `listening on ws://127.0.0.1:<port>` once it listens (127.0.0.1, ephemeral port);
 * exits on SIGTERM.
 */
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FRAME_HEADER_BYTES, FrameTypes, encodeFrame } from '@lifemmo/shared';
import { MessageArena, sharedFrameMessage } from '../server/src/ws/shared-message.js';
import { SocketWriter } from '../server/src/ws/socket-write.js';

const frameBytes = Math.max(FRAME_HEADER_BYTES, Number(process.argv[2] ?? '4096'));
const tickMs = Number(process.argv[3] ?? '100');
const filler = new Uint8Array(frameBytes - FRAME_HEADER_BYTES);

const http = createServer();
const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
// Subscribed clients with the socket under each: the tick writes the framed message there,
// the cheapest send there is (as lifemmo's broadcaster does), not through ws.send.
const subscribed = new Map<WebSocket, SocketWriter>();
const arena = new MessageArena();
let generation = 0;

http.on('upgrade', (req, socket, head) => server.handleUpgrade(req, socket, head, (ws) => admit(ws, socket)));

function admit(ws: WebSocket, socket: Duplex): void {
  ws.on('message', (data, isBinary) => {
    if (isBinary || !data.toString().includes('"subscribe"')) return;
    ws.send(encodeFrame({ type: FrameTypes.SNAPSHOT, generation, timestamp: Date.now() }, []));
    subscribed.set(ws, new SocketWriter(socket));
  });
  ws.on('close', () => subscribed.delete(ws));
  ws.on('error', () => subscribed.delete(ws));
}

// Fixed rate with drift correction, like the tick loop: the next tick is due tickMs after
// the last one was due, not after it finished.
let due = performance.now() + tickMs;
const tick = (): void => {
  generation++;
  const message = sharedFrameMessage(arena, { type: FrameTypes.DIFF, generation, timestamp: Date.now() }, [filler]);
  let retained = false;
  for (const writer of subscribed.values()) {
    if (writer.write(message.wire)) retained = true;
  }
  arena.release(retained);
  due += tickMs;
  setTimeout(tick, Math.max(0, due - performance.now()));
};
setTimeout(tick, tickMs);

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  if (typeof address === 'object' && address !== null) console.log(`listening on ws://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => {
  for (const ws of subscribed.keys()) ws.terminate();
  http.close(() => process.exit(0));
});
