/**
 * No Docker engine runs on the development machines, so this checks what can be checked
 * without one: the Dockerfile's stages, user, health check and start command (node itself,
 * with the flags of `npm run serve`), that the paths it copies exist, that the runtime stage
 * holds what the bots command runs; and that the compose file parses, runs every lifemmo
 * container under an init, gives every service a configuration the server accepts with no
 * variable set, and that the commands in its own comments name what exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '@lifemmo/server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Dockerfile instructions with continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages: string[][] = [];
for (const line of instructions) {
  if (/^FROM\s/i.test(line)) stages.push([]);
  stages.at(-1)?.push(line);
}
const runtime = stages.at(-1)!;
const buildStage = stages.find((stage) => /\bAS build$/i.test(stage[0]!))!;

/** The JSON array of an exec-form instruction (`CMD ["node", ...]`), or null for shell form. */
function execForm(line: string | undefined): string[] | null {
  if (line === undefined) return null;
  const rest = line.replace(/^\w+\s+/, '');
  return rest.startsWith('[') ? (JSON.parse(rest) as string[]) : null;
}

/** The runtime stage's COPY instructions: source (in the context or the build stage), destination. */
const runtimeCopies = runtime
  .filter((l) => /^COPY\s/.test(l))
  .map((l) => {
    const parts = l.split(/\s+/).slice(1);
    const fromBuild = parts.some((p) => p === '--from=build');
    const [src, dest] = parts.filter((p) => !p.startsWith('--'));
    return { fromBuild, src: src!.replace(/^\/app\//, ''), dest: dest!.replace(/^\.\//, '') };
  });

/** True when the runtime stage copies `path` (a file or folder, relative to /app) from the build stage. */
function runtimeGetsFromBuild(path: string): boolean {
  return runtimeCopies.some((c) => c.fromBuild && (path === c.dest || path.startsWith(`${c.dest}/`)) && c.src === c.dest);
}

describe('docker/Dockerfile', () => {
  it('is a multi-stage build on an official Node 20 slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM node:20-slim\b/);
  });

  it('installs production dependencies only in the final stage, which runs as a non-root user', () => {
    expect(runtime.some((l) => /^RUN .*npm ci --omit=dev/.test(l))).toBe(true);
    const user = runtime.filter((l) => /^USER\s/.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/\broot\b|\b0\b/);
  });

  it('checks /health, listens on all interfaces inside the container, and keeps DATA_DIR on a volume', () => {
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/\/health/);
    const env = runtime.filter((l) => l.startsWith('ENV')).join(' ');
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    const dataDir = /DATA_DIR=(\S+)/.exec(env)?.[1];
    expect(dataDir).toBeDefined();
    expect(runtime.find((l) => l.startsWith('VOLUME'))).toContain(dataDir!);
  });

  it('runs node itself as the process (no npm, no shell), with the flags and script of `npm run serve`', () => {
    const cmd = execForm(runtime.filter((l) => l.startsWith('CMD')).at(-1));
    expect(cmd, 'CMD must be exec form').not.toBeNull();
    expect(cmd![0]).toBe('node');
    // No ENTRYPOINT of ours: the base image's docker-entrypoint.sh `exec`s the command, so node
    // is the process that gets SIGTERM; one of ours must be node or an init in exec form.
    for (const line of instructions.filter((l) => l.startsWith('ENTRYPOINT'))) {
      expect(execForm(line)?.[0]).toMatch(/^(node|tini|\/sbin\/tini|docker-entrypoint\.sh)$/);
    }
    const serve = scripts.serve!.split(/\s+/);
    expect(serve[0]).toBe('node');
    expect(cmd!.slice(1)).toEqual(serve.slice(1));
    // The script is the server bundle, which the build stage makes and the runtime stage gets.
    expect(cmd!.at(-1)).toBe('server/dist/main.js');
    expect(buildStage).toContain('RUN npm run build');
    expect(runtimeGetsFromBuild('server/dist/main.js')).toBe(true);
  });

  it('holds what lifemmo-bots runs: its launcher and the packages built to JavaScript, not the sources', () => {
    const launcher = readFileSync(join(ROOT, 'client-sdk/bin/lifemmo-bots.mjs'), 'utf8');
    // Where the launcher goes when there are no sources (no tsx in production).
    const built = /await import\('(\.\.\/dist\/[^']+)'\)/.exec(launcher)?.[1];
    expect(built).toBe('../dist/bots/cli.js');
    expect(existsSync(join(ROOT, 'client-sdk/src/bots/cli.ts'))).toBe(true);
    // tsc builds client-sdk/src into client-sdk/dist (and shared likewise): build:packages in the build stage.
    for (const pkg of ['shared', 'client-sdk']) {
      const tsconfig = JSON.parse(readFileSync(join(ROOT, pkg, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
      expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      expect(runtimeGetsFromBuild(`${pkg}/dist`), `${pkg}/dist`).toBe(true);
    }
    expect(scripts['build:packages']).toMatch(/build-packages\.mjs/);
    expect(buildStage).toContain('RUN npm run build:packages');
    expect(runtimeGetsFromBuild('client-sdk/bin/lifemmo-bots.mjs')).toBe(true);
    // --html reads the chart script the package ships (package.json "files") beside dist/.
    const files = (JSON.parse(readFileSync(join(ROOT, 'client-sdk/package.json'), 'utf8')) as { files: string[] }).files;
    for (const shipped of files.filter((f) => f !== 'LICENSE')) expect(runtimeGetsFromBuild(`client-sdk/${shipped}`), shipped).toBe(true);
    // With client-sdk/src in the image the launcher would load the sources through tsx, a dev dependency.
    expect(runtimeCopies.some((c) => c.dest === 'client-sdk' || c.dest.startsWith('client-sdk/src'))).toBe(false);
    // @lifemmo/shared resolves to its build: every export points into shared/dist.
    const shared = JSON.parse(readFileSync(join(ROOT, 'shared/package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
    for (const target of Object.values(shared.exports)) {
      for (const file of typeof target === 'string' ? [target] : Object.values(target)) {
        if (!file.endsWith('package.json')) expect(file.startsWith('./dist/'), file).toBe(true);
      }
    }
    // Their production dependencies come from npm ci --omit=dev of the workspace manifests.
    expect(runtimeCopies.some((c) => !c.fromBuild && c.src === 'client-sdk/package.json')).toBe(true);
    expect(runtimeCopies.some((c) => !c.fromBuild && c.src === 'shared/package.json')).toBe(true);
  });

  it('copies only paths that exist in the build context', () => {
    for (const line of instructions.filter((l) => /^COPY\s/.test(l) && !/--from=/.test(l))) {
      const parts = line.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) expect(existsSync(join(ROOT, source)), `${source} in "${line}"`).toBe(true);
    }
  });

  it('.dockerignore keeps node_modules and local data out of the context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^node_modules$/m);
    expect(ignore).toMatch(/^data$/m);
  });
});

describe('docker/compose.yml', () => {
  const text = readFileSync(join(ROOT, 'docker/compose.yml'), 'utf8');
  // The compose file is untyped YAML.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const compose = parse(text, { merge: true }) as any;
  type Service = {
    image?: string;
    build?: { dockerfile?: string; target?: string };
    init?: boolean;
    profiles?: string[];
    environment?: Record<string, string>;
    command?: string[];
    depends_on?: Record<string, { condition?: string; required?: boolean }>;
    ports?: string[];
  };
  const services = compose.services as Record<string, Service>;
  /** Services that run the lifemmo image. */
  const ours = Object.entries(services).filter(([, s]) => s.image === 'lifemmo:latest' || s.build?.dockerfile === 'docker/Dockerfile');
  /** The Dockerfile's runtime ENV, which every container of the image starts with. */
  const imageEnv = Object.fromEntries(
    [...runtime.filter((l) => l.startsWith('ENV')).join(' ').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]),
  );

  /** `value` with compose's interpolation done for the shell variables `env` (unset: the defaults). */
  function interpolate(value: string, env: Record<string, string>): string {
    return value.replace(/\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (_m, name: string, op: string | undefined, def: string | undefined) => {
      const set = env[name];
      if (op === ':-') return set !== undefined && set !== '' ? set : (def ?? '');
      if (op === '-') return set ?? def ?? '';
      return set ?? '';
    });
  }

  /** The `docker compose ...` commands of the file's header comment, with the variables they set. */
  const commented = text
    .split('\n')
    .filter((l) => l.startsWith('#') && l.includes('docker compose'))
    .map((l) => /#\s+((?:\w+=\S+\s+)*)(docker compose .*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      env: Object.fromEntries(m[1]!.trim().split(/\s+/).filter((p) => p !== '').map((p) => p.split('=') as [string, string])),
      args: m[2]!.split(/\s+/),
    }));

  it('parses, with the server on a named volume and ADMIN_TOKEN from the environment', () => {
    const server = compose.services.server;
    expect(server.build.dockerfile).toBe('docker/Dockerfile');
    expect(server.environment.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN/);
    const [volume, target] = String(server.volumes[0]).split(':');
    expect(compose.volumes).toHaveProperty(volume!);
    expect(target).toBe('/data');
  });

  it('has a cluster profile: the official nats image with JetStream on a volume, one sim, two gateways on NATS', () => {
    const inCluster = Object.entries(services)
      .filter(([, service]) => service.profiles?.includes('cluster'))
      .map(([name]) => name)
      .sort();
    expect(inCluster).toEqual(['gateway-1', 'gateway-2', 'nats', 'sim']);
    const nats = compose.services.nats;
    expect(nats.image).toMatch(/^nats:/);
    expect(nats.command).toContain('-js');
    const storeDir = nats.command[nats.command.indexOf('-sd') + 1];
    const [natsVolume, natsTarget] = String(nats.volumes[0]).split(':');
    expect(compose.volumes).toHaveProperty(natsVolume!);
    expect(natsTarget).toBe(storeDir);

    const sim = compose.services.sim;
    expect(sim.environment.ROLE).toBe('sim');
    expect(sim.environment.NATS_URL).toBe('nats://nats:4222');
    const [simVolume, simTarget] = String(sim.volumes[0]).split(':');
    expect(compose.volumes).toHaveProperty(simVolume!);
    expect(simTarget).toBe('/data');
    const published: string[] = [];
    for (const name of ['gateway-1', 'gateway-2']) {
      const gateway = compose.services[name];
      expect(gateway.environment.ROLE).toBe('gateway');
      expect(gateway.environment.NATS_URL).toBe('nats://nats:4222');
      expect(gateway.environment.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN/);
      expect(gateway.depends_on.sim.condition).toBe('service_healthy');
      published.push(String(gateway.ports[0]).split(':')[0]!);
    }
    expect(new Set([...published, '8080']).size).toBe(3);
  });

  it('names only variables the configuration schema knows', () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    for (const [name, service] of ours) {
      for (const variable of Object.keys(service.environment ?? {})) expect(known.has(variable), `${name}: ${variable}`).toBe(true);
    }
  });

  it('runs every lifemmo container under an init, so SIGTERM reaches node and the server shuts down gracefully', () => {
    expect(ours.map(([name]) => name).sort()).toEqual(['bots', 'gateway-1', 'gateway-2', 'server', 'sim']);
    for (const [name, service] of ours) expect(service.init, name).toBe(true);
  });

  it('needs no variable set: every interpolation has a default, and each service starts with a valid configuration', () => {
    // `${X:?message}` / `${X?message}` would stop every compose command while X is unset.
    expect(text).not.toMatch(/\$\{\w+:?\?/);
    for (const [name, service] of ours) {
      if (name === 'bots') continue; // a client: it reads no server configuration
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), {})]));
      expect(() => loadConfig({ ...imageEnv, ...env }), name).not.toThrow();
    }
  });

  it('has commands in its comments that name its file, profiles, services and variables', () => {
    expect(commented.length).toBeGreaterThanOrEqual(4);
    const profiles = new Set(Object.values(services).flatMap((s) => s.profiles ?? []));
    for (const { env, args } of commented) {
      const line = args.join(' ');
      // Run from the repository root: the file by its path there, the build context `..` of it.
      expect(args.slice(0, 4), line).toEqual(['docker', 'compose', '-f', 'docker/compose.yml']);
      expect(services.server!.build).toMatchObject({ dockerfile: 'docker/Dockerfile' });
      args.forEach((arg, i) => {
        if (arg === '--profile') expect(profiles.has(args[i + 1]!), line).toBe(true);
        if (arg === '--scale') expect(Object.keys(services), line).toContain(args[i + 1]!.split('=')[0]);
      });
      for (const variable of Object.keys(env)) expect(text, `${variable} in "${line}"`).toContain(`\${${variable}`);
    }
  });

  it('has a bots service that load-tests from the production image, the standalone server or a gateway', () => {
    const bots = services.bots!;
    expect(bots.profiles).toEqual(['bots']);
    // The production image (the server's), not a build stage with dev dependencies.
    expect(bots.image).toBe(services.server!.image);
    expect(bots.build?.target).toBeUndefined();
    const command = bots.command!;
    expect(command.slice(0, 2)).toEqual(['node', 'client-sdk/bin/lifemmo-bots.mjs']);
    expect(existsSync(join(ROOT, command[1]!))).toBe(true);
    expect(runtimeGetsFromBuild(command[1]!)).toBe(true);
    // The standalone server by default; BOTS_URL points it at a cluster's gateway.
    const urlArg = command[command.indexOf('--url') + 1]!;
    expect(urlArg).toBe('${BOTS_URL:-http://server:8080}');
    const targets = [interpolate(urlArg, {}), ...commented.filter((c) => c.env.BOTS_URL !== undefined).map((c) => interpolate(urlArg, c.env))];
    expect(targets.length).toBeGreaterThanOrEqual(2);
    for (const target of targets) {
      const { hostname, port } = new URL(target);
      expect(ours.map(([name]) => name), target).toContain(hostname);
      expect(port, target).toBe(imageEnv.PORT);
    }
    expect(targets.some((t) => services[new URL(t).hostname]?.profiles?.includes('cluster'))).toBe(true);
    // It waits for the standalone server, which a cluster run scales to 0 (hence not required).
    expect(bots.depends_on?.server).toEqual({ condition: 'service_healthy', required: false });
  });
});
