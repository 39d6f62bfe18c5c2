/**
 * The floor of the REST benchmark: the least a server does to accept a placement as the
 * issue asks. Fastify with the same zod validation of `POST /cells` (lifemmo's own schema),
 * the same durable journal (lifemmo's FileStore: a group-committed log record, fsync'd
 * before the reply) and a 202 reply; no players, auth, budget, rate limit, metrics, world or
 * tick. `GET /health` is its trivial route. Measured with the same autocannon load in the
 * same run, it shows what placing costs on this machine before lifemmo does any work of
 * its own, and what ratio to the trivial route such a server reaches.
 *
 *   node --import tsx bench/rest-floor-server.ts <dataDir>
 *
 * Prints `listening on http://127.0.0.1:<port>` once it listens (127.0.0.1, ephemeral
 * port); exits on SIGTERM.
 */
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { PlaceCellsBody } from '../server/src/http/routes/cells.js';
import { PlacementReply } from '../server/src/http/schemas.js';
import { FileStore } from '../server/src/store/file-store.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: rest-floor-server.ts <dataDir>');

const store = new FileStore(dataDir);
await store.open();
const app = Fastify({ logger: { level: 'warn' } }).withTypeProvider<ZodTypeProvider>();
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(serializerCompiler);

app.get('/health', async () => ({ status: 'ok' }));
app.post('/cells', { schema: { body: PlaceCellsBody, response: { 202: PlacementReply } } }, async (request, reply) => {
  const cells = request.body.cells;
  await store.append({ t: 'place', owner: 1, generation: 1, cells: cells.map(([x, y]) => [x, y] as [number, number]) }, true);
  return reply.code(202).send({ accepted: cells.length, generation: 1 });
});

console.log(`listening on ${await app.listen({ host: '127.0.0.1', port: 0 })}`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => store.close())
    .then(() => process.exit(0));
});
