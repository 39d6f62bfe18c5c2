/**
 * The floor of the WebSocket benchmark: a bare `ws` broadcaster with no world, no
 * subscriptions, no backpressure and no metrics. It answers every client's subscribe with
 * a snapshot frame and then, every tick, sends every client the same diff frame of a given
 * size (lifemmo's header with the generation and the send time, then filler). Measured
 * with the same load generator, on the same machine, in the same run, it shows what
 * sending that many frames of that size costs here before lifemmo does anything.
 *
 *   node --import tsx bench/ws-floor-server.ts <frameBytes> <tickMs>
 *
 * Prints `listening on ws://127.0.0.1:<port>` once it listens (127.0.0.1, ephemeral port);
 * exits on SIGTERM.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { FRAME_HEADER_BYTES, FrameTypes, encodeFrame } from '@lifemmo/shared';

const frameBytes = Math.max(FRAME_HEADER_BYTES, Number(process.argv[2] ?? '4096'));
const tickMs = Number(process.argv[3] ?? '100');
const filler = new Uint8Array(frameBytes - FRAME_HEADER_BYTES);

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const subscribed = new Set<WebSocket>();
let generation = 0;

server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (isBinary || !data.toString().includes('"subscribe"')) return;
    ws.send(encodeFrame({ type: FrameTypes.SNAPSHOT, generation, timestamp: Date.now() }, []));
    subscribed.add(ws);
  });
  ws.on('close', () => subscribed.delete(ws));
  ws.on('error', () => subscribed.delete(ws));
});

// Fixed rate with drift correction, like the tick loop: the next tick is due tickMs after
// the last one was due, not after it finished.
let due = performance.now() + tickMs;
const tick = (): void => {
  generation++;
  const frame = encodeFrame({ type: FrameTypes.DIFF, generation, timestamp: Date.now() }, [filler]);
  for (const ws of subscribed) ws.send(frame);
  due += tickMs;
  setTimeout(tick, Math.max(0, due - performance.now()));
};
setTimeout(tick, tickMs);

server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(`listening on ws://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => {
  for (const ws of subscribed) ws.terminate();
  server.close(() => process.exit(0));
});
