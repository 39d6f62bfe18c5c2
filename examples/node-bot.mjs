// A lifemmo bot in plain JavaScript (Node 20+): it creates a player, watches a corner of
// the world, and places a glider there every second, then prints what it did.
//
//   npm install @lifemmo/client
//   node node-bot.mjs [server-url] [seconds]      (default http://127.0.0.1:8080, 30 s)
//
// LIFEMMO_URL works too. Refusals (a cell already taken, the budget spent) are part of
// the game: they are counted, not fatal.
import { LifeClient } from '@lifemmo/client';

const url = process.argv[2] ?? process.env.LIFEMMO_URL ?? 'http://127.0.0.1:8080';
const seconds = Number(process.argv[3] ?? 30);
const GLIDER = 'bo$2bo$3o!';
const REFUSALS = new Set(['LIFE_ERR_CELL_OCCUPIED', 'LIFE_ERR_BUDGET_EXCEEDED']);

const player = await LifeClient.createPlayer(url, `bot-${process.pid}`);
const client = new LifeClient({ url, token: player.token });
client.on('error', (e) => console.error('error:', e.code, e.message));
client.on('reconnect', (r) => console.log(`reconnected after ${r.attempts} attempt(s)`));

const { world } = await client.connect();
const view = { x: 0, y: 0, w: Math.min(world.width, 256), h: Math.min(world.height, 256) };
await client.subscribe(view);
console.log(`${player.name} (player ${player.id}, ${player.color}) on a ${world.width}x${world.height} world`);

let placed = 0;
let refused = 0;
async function placeOne() {
  const x = view.x + Math.floor(Math.random() * (view.w - 3));
  const y = view.y + Math.floor(Math.random() * (view.h - 3));
  const rotate = [0, 90, 180, 270][Math.floor(Math.random() * 4)];
  try {
    await client.placePattern(GLIDER, x, y, { rotate });
    placed++;
  } catch (err) {
    if (!REFUSALS.has(err.code)) throw err;
    refused++;
  }
}

// One placement at a time; the last one is awaited before leaving.
let inFlight = placeOne();
const timer = setInterval(() => {
  inFlight = inFlight.then(placeOne).catch((err) => console.error('error:', err.code, err.message));
}, 1000);
setTimeout(async () => {
  clearInterval(timer);
  await inFlight;
  const mine = [...client.cells()].filter(([, , owner]) => owner === player.id).length;
  console.log(`placed ${placed} gliders (${refused} refused); generation ${client.generation}: ${client.population} live cells in view, ${mine} of them mine`);
  await client.close();
}, seconds * 1000);
