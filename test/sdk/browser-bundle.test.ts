/**
 * The SDK's browser path bundles without Node built-ins: esbuild, platform browser, with
 * every Node built-in and `ws` marked as "must not be imported" by a plugin that fails the
 * build if the bundle reaches one.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { expect, test } from 'vitest';

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
  // Minified size, mostly zod (the protocol schemas): a regression guard, not a target.
  expect(code.length / 1024).toBeLessThan(600);
});
