/** Run a benchmark scenario in a fresh child process and parse the JSON line it prints. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The last commit before the split into roles: the whole server on one event loop (tick,
 * clients and HTTP together). Benchmarks run it beside today's server as "single-thread".
 */
export const SINGLE_THREAD_COMMIT = '96ca12e3beb12152ca96a838f8cbc55dade94e0f';

/**
 * A checkout of SINGLE_THREAD_COMMIT under bench/out/ (made once, with `git worktree`).
 * It lives inside this repository so that its npm dependencies resolve to this checkout's
 * node_modules; its own workspace packages (@lifemmo/*, sources at that commit) are linked
 * in its node_modules, which Node searches first.
 */
export async function singleThreadRoot(): Promise<string> {
  const dir = `${ROOT}bench/out/single-thread`;
  if (!existsSync(`${dir}/server/src/main.ts`)) {
    await run('git', ['-C', ROOT, 'worktree', 'add', '--force', '--detach', dir, SINGLE_THREAD_COMMIT]);
  }
  mkdirSync(`${dir}/node_modules/@lifemmo`, { recursive: true });
  for (const [name, folder] of [['shared', 'shared'], ['server', 'server'], ['client', 'client-sdk']] as const) {
    const link = `${dir}/node_modules/@lifemmo/${name}`;
    if (!existsSync(link)) symlinkSync(`../../${folder}`, link, 'dir');
  }
  return dir;
}

/** Run `command args` (bounded by `timeoutMs`) and parse its last stdout line as JSON. */
export async function runJson<T>(command: string, args: readonly string[], timeoutMs = 600_000): Promise<T> {
  const { stdout } = await run(command, [...args], { timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Run a TypeScript benchmark script with node (tsx loader, --expose-gc) and extra V8 flags. */
export function runTsScenario<T>(script: string, args: readonly string[], v8Flags: readonly string[] = []): Promise<T> {
  return runJson<T>(process.execPath, ['--expose-gc', ...v8Flags, '--import', 'tsx', script, ...args]);
}

/**
 * V8 flags of the server under test: those of `npm run serve` (package.json), so the
 * benchmarks measure what users run; BENCH_SERVER_NODE_FLAGS overrides them to compare.
 */
export const SERVER_NODE_FLAGS: readonly string[] = (process.env.BENCH_SERVER_NODE_FLAGS ?? '--max-semi-space-size=256').split(' ').filter((f) => f !== '');

/**
 * How servers of this checkout run: `tsx` (default: from the TypeScript sources, as the
 * published figures so far) or `dist` (BENCH_SERVER_BUILD=dist: the esbuild bundle that
 * `npm start` runs, server/dist/main.js; `npm run build` first). Other checkouts (the
 * single-thread baseline) always run from their sources.
 */
export const SERVER_BUILD: 'tsx' | 'dist' = process.env.BENCH_SERVER_BUILD === 'dist' ? 'dist' : 'tsx';

/** A lifemmo server running in a child process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Its base URL, e.g. http://127.0.0.1:43210. */
  readonly url: string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Start the real server entry point (see SERVER_BUILD) on 127.0.0.1 with an ephemeral port and `env`
 * on top of a quiet base; resolves once it prints its listening line (30 s at most).
 * `root`: another checkout to run (see singleThreadRoot); default this one.
 */
export async function startServerProcess(env: Record<string, string> = {}, root = ROOT, ready?: RegExp): Promise<ServerProcess> {
  const fromDist = SERVER_BUILD === 'dist' && root === ROOT;
  if (fromDist && !existsSync(`${ROOT}server/dist/main.js`)) throw new Error('BENCH_SERVER_BUILD=dist: run `npm run build` first');
  const entry = fromDist ? ['server/dist/main.js'] : ['--import', 'tsx', 'server/src/main.ts'];
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...entry], {
    cwd: root,
    // SEEDING=off: each benchmark builds the world it measures.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', SEEDING: 'off', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await listeningUrl(child, 'server', ready);
  return { child, url, stop: () => stopChild(child) };
}

/**
 * The URL a benchmark server child prints as `listening on http://...` or `ws://...`
 * (or the first group of `pattern`); rejects if it exits first or stays silent for 30 s.
 * `what` names it in errors.
 */
export function listeningUrl(child: ChildProcess, what: string, pattern = /listening on ((?:http|ws):\/\/[\d.]+:\d+)/): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        // Keep draining its output so it never blocks on a full pipe.
        child.stdout!.resume();
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${out}`));
    });
  });
}

/** SIGTERM a child process, SIGKILL after 10 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
