/**
 * `npm run bench`: runs the benchmark sections and writes docs/benchmarks.md with the
 * date, the machine, Node's version and the exact command.
 *
 *   npm run bench                      # every section
 *   npm run bench -- --only engine     # some sections (comma-separated): engine, rest, ws, bots, busy, cluster, overload, soak, slow-client, regions
 *   npm run bench -- --runs 5 --quick  # more runs; --quick skips the 1M-candidate runs
 *
 * With --only, the other sections already in docs/benchmarks.md are kept.
 *
 * Environment knobs, for studying one figure (the published numbers use the defaults):
 *   BENCH_SERVER_NODE_FLAGS  node flags of benchmark servers (default: those of `npm run serve`)
 *   BENCH_LOAD_NODE_FLAGS    extra node flags of the WebSocket load generator, e.g. --cpu-prof
 *   BENCH_WS_CLIENTS         client counts of the WebSocket section (default 1000,5000)
 *   BENCH_WS_CLIENT=ws       the WebSocket load generator's clients use `ws` instead of bench/ws-raw-client.ts
 *   BENCH_OVERLOAD_S, BENCH_OVERLOAD_BOTS, BENCH_OVERLOAD_HTTP_CONNECTIONS
 *                            the overload section's flood (default 120 s, 1500 bots, 50 connections; bench/overload.ts)
 *   SOAK_SECONDS             length of the soak, s (default 600; 60 with --quick), e.g. SOAK_SECONDS=60 for a smoke run
 *   SOAK_BOTS                bots of the soak (default: bench/soak.ts's SOAK_DEFAULT_BOTS, measured)
 *   SLOW_CLIENT_STALLS       stall lengths of the slow-client section, s (default 10,30)
 *   BENCH_SERVER_BUILD=dist  servers of this checkout run the bundle `npm start` runs (server/dist; `npm run build` first), not tsx
 *   BENCH_REGIONS_SIDE, BENCH_REGIONS_GENERATIONS
 *                            the regions section's world side and measured generations (default 2048 and 20; bench/regions.ts)
 * Knobs that are set are written into each section's command line.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machineLine } from './stats.js';

type SectionRunner = () => Promise<string>;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const runs = Math.max(1, Number(values.runs));
const quick = values.quick ?? false;

// Each section lives in its own module; a missing one (not written yet) is skipped with a note.
const sections: Array<[string, string, () => Promise<SectionRunner | null>]> = [
  ['engine', 'Engine: compute, fan-out, memory', async () => {
    const m = await import('./engine.js');
    return () => m.runEngineBench({ runs, quick });
  }],
  ['rest', 'REST', async () => loadOptional('./rest.js', 'runRestBench')],
  ['ws', 'WebSocket broadcast', async () => loadOptional('./ws.js', 'runWsBench')],
  ['bots', 'Bots (load generator cost)', async () => loadOptional('./bots.js', 'runBotsBench')],
  ['busy', 'A world too busy for its tick rate: does the server still answer?', async () => loadOptional('./busy.js', 'runBusyBench')],
  ['cluster', 'Cluster: nats-server, one sim, two gateways', async () => loadOptional('./cluster.js', 'runClusterBench')],
  ['overload', 'Overload: a flood past what the server can do', async () => loadOptional('./overload.js', 'runOverloadBench')],
  ['soak', 'Soak: bots placing, memory and /health over time', async () => loadOptional('./soak.js', 'runSoakBench')],
  ['slow-client', 'Slow client: a stalled reader resumes', async () => loadOptional('./slow-client.js', 'runSlowClientBench')],
  ['regions', 'Regions: one world on 1 and 2 threads or processes', async () => loadOptional('./regions.js', 'runRegionsBench')],
];

async function loadOptional(path: string, name: string): Promise<SectionRunner | null> {
  const file = new URL(path.replace(/\.js$/, '.ts'), import.meta.url);
  if (!existsSync(file)) return null;
  const m = (await import(path)) as Record<string, unknown>;
  const fn = m[name];
  return typeof fn === 'function' ? () => (fn as (o: { runs: number; quick: boolean }) => Promise<string>)({ runs, quick }) : null;
}

const wanted = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : null;
// The environment knobs that change what runs are part of the command as written.
const knobs = Object.entries(process.env)
  .filter(([name]) => /^(BENCH_|SOAK_|SLOW_CLIENT_)/.test(name))
  .map(([name, value]) => `${name}=${value} `)
  .sort()
  .join('');
const command = `${knobs}npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
const existing = existsSync(values.out!) ? readFileSync(values.out!, 'utf8') : '';

function kept(id: string): string | null {
  const m = new RegExp(`<!-- section:${id} -->[\\s\\S]*?<!-- /section:${id} -->`).exec(existing);
  return m ? m[0] : null;
}

const body: string[] = [];
for (const [id, title, load] of sections) {
  if (wanted !== null && !wanted.has(id)) {
    const old = kept(id);
    if (old !== null) body.push(old, '');
    continue;
  }
  const runner = await load();
  if (runner === null) continue;
  console.log(`== ${title}`);
  const started = new Date();
  const text = await runner();
  body.push(
    `<!-- section:${id} -->`,
    `## ${title}`,
    '',
    `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineLine()}, Node ${process.version}, with \`${command}\` (${runs} run${runs > 1 ? 's' : ''} per scenario).`,
    '',
    text,
    `<!-- /section:${id} -->`,
    '',
  );
}

// Sections written by something else (docs/benchmarks.md's sdk-bundle, by its own test) are kept as they are.
const known = new Set(sections.map(([id]) => id));
for (const m of existing.matchAll(/<!-- section:([\w-]+) -->[\s\S]*?<!-- \/section:\1 -->/g)) {
  if (!known.has(m[1]!)) body.push(m[0], '');
}

const header = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run.ts); do not edit by hand. The machine has 2 cores and is shared, so figures are medians of several runs and every comparison is against a baseline measured in the same run. Targets come from the issues; a missed target says by how much.',
  '',
];
writeFileSync(values.out!, [...header, ...body].join('\n'));
console.log(`wrote ${values.out}`);
