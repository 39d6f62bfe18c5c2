/**
 * The web client (docs/web-client.md): `GET /` answers the page and `GET /assets/<file>`
 * its bundle, both read from `web/dist/` (built by `npm run build`, see web/build.mjs),
 * plus the two small reads the page needs that the REST API lacked: the minimap's density
 * feed (`GET /density`) and the caller's own budget (`GET /players/me`).
 *
 * Finding `web/dist/`: the server runs either from TypeScript sources (tests) or from the
 * esbuild bundle (`server/dist/main.js`), so no fixed relative path works for both.
 * Walking up from this module to the first directory holding `web/` does, and keeps working
 * when the repository is copied elsewhere (Docker) as long as `web/dist/` goes with it.
 *
 * The same folder holds the SDK as one browser ES module, `sdk/lifemmo-client.js` (built by
 * scripts/build-sdk-bundle.mjs), served at `GET /sdk/lifemmo-client.js` for pages on any
 * origin that use the SDK without a bundler (client-sdk/README.md).
 *
 * A missing bundle is an operator mistake, not a crash: `/` answers 404 LIFE_ERR_NOT_FOUND
 * naming the command that builds it. Files are read per request (they are small, and a
 * rebuild shows up without a restart); the rate limit is off for them, as a page load is
 * several requests.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LifeError } from '@lifemmo/shared';
import { FileContent, SHED, errorReplies, replyOf } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';
import { registerDensityRoute } from './density.js';
import { registerPlayerMeRoute } from './player-me.js';
import { registerStatusRoute } from './status.js';

/** Content types of the files the bundle is made of. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

// Flat names only: no slashes, no dot-dot, so a request can never leave web/dist/.
const ASSET_NAME = /^[\w-]+(\.[\w-]+)*\.(js|css|map)$/;

/**
 * The directory the page is served from: `<root>/web/dist`, where `<root>` is the first
 * ancestor of `from` holding `web/index.html` (a checkout, built or not) or
 * `web/dist/index.html` (the Docker image, which ships only the build); null when none does.
 */
export function findWebDist(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const web = join(dir, 'web');
    if (existsSync(join(web, 'index.html')) || existsSync(join(web, 'dist', 'index.html'))) return join(web, 'dist');
    if (dirname(dir) === dir) return null;
  }
}

/** The web routes' 404: the bundle is not built. */
const NOT_BUILT = ['NOT_FOUND'] as const;

/** Options of registerWebRoutes. */
export interface WebRouteOptions {
  /** Serve the page from this directory instead of the one findWebDist finds (tests). */
  readonly distDir?: string | null;
}

/**
 * Register `GET /`, `GET /status` (the live status page), `GET /assets/:name`,
 * `GET /sdk/lifemmo-client.js(.map)`, `GET /density`, `GET /players/me` and `GET /status.json`.
 */
export function registerWebRoutes(app: ZodApp, ctx: ServerContext, options: WebRouteOptions = {}): void {
  const distDir = options.distDir === undefined ? findWebDist() : options.distDir;
  const notBuilt = (file: string): LifeError =>
    new LifeError(
      'NOT_FOUND',
      `The ${file.startsWith('sdk/') ? 'browser SDK bundle' : 'web client'} is not built (${distDir === null ? 'no web/ directory found' : `missing ${join(distDir, file)}`}): run \`npm run build\``,
    );

  const send = async (file: string, reply: { type(t: string): unknown; header(k: string, v: string): unknown }) => {
    if (distDir === null) throw notBuilt(file);
    let body: Buffer;
    try {
      body = await readFile(join(distDir, file));
    } catch {
      throw notBuilt(file);
    }
    reply.type(CONTENT_TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream');
    // The bundle changes with every build and has no content hash in its name: revalidate.
    reply.header('cache-control', 'no-cache');
    return body;
  };

  app.get(
    '/',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getWebClient',
        tags: ['web'],
        summary: 'The web client page (docs/web-client.md)',
        description: 'From web/dist/ (built by `npm run build`). Not rate limited.',
        response: { 200: replyOf('The page', FileContent, 'text/html'), ...errorReplies(NOT_BUILT, SHED) },
      },
    },
    async (_request, reply) => send('index.html', reply),
  );
  app.get(
    '/status',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getStatusPage',
        tags: ['web'],
        summary: 'The live status page: ticks, clients, placements, the sim and the bus as small charts (docs/operations.md)',
        description: 'From web/dist/ (built by `npm run build`); it polls GET /status.json. Not rate limited.',
        response: { 200: replyOf('The page', FileContent, 'text/html'), ...errorReplies(NOT_BUILT) },
      },
    },
    async (_request, reply) => send('status.html', reply),
  );
  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getWebAsset',
        tags: ['web'],
        summary: "A file of the web client's bundle (.js, .css, .map)",
        description: 'Flat file names only. Not rate limited.',
        params: z.object({ name: z.string().describe('A file name like app.js') }),
        response: {
          200: {
            description: 'The file, by its extension',
            content: { 'text/javascript': { schema: FileContent }, 'text/css': { schema: FileContent }, 'application/json': { schema: FileContent } },
          },
          ...errorReplies(NOT_BUILT, SHED),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (!ASSET_NAME.test(name)) throw new LifeError('NOT_FOUND', `No asset ${name}`);
      return send(name, reply);
    },
  );

  const sdkFiles = [
    { file: 'lifemmo-client.js', operationId: 'getSdkBundle', what: 'The SDK (@lifemmo/client) as one ES module', type: 'text/javascript' },
    { file: 'lifemmo-client.js.map', operationId: 'getSdkBundleMap', what: "The SDK bundle's source map", type: 'application/json' },
  ];
  for (const { file, operationId, what, type } of sdkFiles) {
    const schema = {
      operationId,
      tags: ['web'],
      summary: what,
      description: 'For pages on any origin (Access-Control-Allow-Origin: *, whatever CORS_ORIGINS says); client-sdk/README.md, "In a browser". Not rate limited.',
      response: { 200: replyOf(what, FileContent, type), ...errorReplies(NOT_BUILT, SHED) },
    };
    app.get(`/sdk/${file}`, { config: { rateLimit: false }, schema }, async (_request, reply) => {
      // Pages on other origins load it with <script type="module"> or import(), which
      // fetch in CORS mode: a public file with no credentials, so any origin may read it.
      reply.header('access-control-allow-origin', '*');
      return send(`sdk/${file}`, reply);
    });
  }

  registerDensityRoute(app, ctx);
  registerPlayerMeRoute(app, ctx);
  registerStatusRoute(app, ctx);
}
