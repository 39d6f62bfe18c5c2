/**
 * The SDK's browser path bundles without Node built-ins: esbuild, platform browser, with
 * every Node built-in and `ws` marked as "must not be imported" by a plugin that fails the
 * build if the bundle reaches one. Then the bundle the server serves at
 * GET /sdk/lifemmo-client.js: built, served with its content type, a clear 404 when missing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { expect, test } from 'vitest';
import type { ServerContext, ZodApp } from '@lifemmo/server';
import { buildSdkBundle } from '../../scripts/build-sdk-bundle.mjs';
import { installErrorHandlers } from '../../server/src/http/error-handler.js';
import { registerWebRoutes } from '../../server/src/http/routes/web.js';
import { call, startServer } from './helpers.js';

const entry = fileURLToPath(new URL('../../client-sdk/src/index.ts', import.meta.url));
const forbidden = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'ws']);

test('client-sdk/src/index.ts bundles for the browser with no node: or ws import', async () => {
  const reached: string[] = [];
  const guard: Plugin = {
    name: 'no-node',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (forbidden.has(args.path) || args.path.startsWith('node:')) reached.push(`${args.path} from ${args.importer}`);
        return undefined;
      });
    },
  };
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    minify: true,
    logLevel: 'silent',
    plugins: [guard],
  });
  expect(reached).toEqual([]);
  expect(result.errors).toEqual([]);
  const code = result.outputFiles[0]!.text;
  expect(code).not.toMatch(/from\s*["'](node:|ws["'])/);
  expect(code).not.toMatch(/require\(\s*["'](node:|ws["'])/);
  expect(code).not.toMatch(/import\(\s*["'](node:[^"']*|ws)["']\s*\)/);
  expect(code).toContain('LIFE_ERR_CONNECT_FAILED');
  // The SDK imports @lifemmo/shared/client, which leaves zod out (~450 KB minified).
  expect(code).not.toContain('ZodError');
  expect(code.length / 1024).toBeLessThan(100);
});

test('GET /sdk/lifemmo-client.js serves the built bundle (<= 40 KB gzipped) to any origin', async () => {
  const built = await buildSdkBundle();
  expect(built.gzipBytes / 1024).toBeLessThanOrEqual(40);
  const server = await startServer();
  try {
    const reply = await call(server, 'GET', '/sdk/lifemmo-client.js');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(reply.headers.get('access-control-allow-origin')).toBe('*');
    expect(reply.text).toBe(await readFile(built.file, 'utf8'));
    expect(reply.text).toMatch(/export\s*\{[^}]*LifeClient/);
    const map = await call(server, 'GET', '/sdk/lifemmo-client.js.map');
    expect(map.status).toBe(200);
  } finally {
    await server.close();
  }
});

test('a missing browser bundle is a 404 LIFE_ERR_NOT_FOUND naming the build command', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'lifemmo-sdk-'));
  const app = Fastify().withTypeProvider<ZodTypeProvider>() as ZodApp;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  // The bundle routes never touch the context.
  registerWebRoutes(app, {} as ServerContext, { distDir: empty });
  try {
    const reply = await app.inject({ method: 'GET', url: '/sdk/lifemmo-client.js' });
    expect(reply.statusCode).toBe(404);
    expect(reply.json().error.code).toBe('LIFE_ERR_NOT_FOUND');
    expect(reply.json().error.message).toMatch(/browser SDK bundle is not built.*npm run build/);
  } finally {
    await app.close();
    await rm(empty, { recursive: true });
  }
});
