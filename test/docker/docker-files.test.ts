/**
 * No Docker engine runs on the development machines, so this checks what can be checked
 * without one: the Dockerfile's stages, user, health check and start command, that the
 * paths it copies exist, and that the compose file parses and names only variables the
 * configuration schema knows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '@lifemmo/server';

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

  it('starts with an npm script that exists in package.json', () => {
    const cmd = runtime.find((l) => l.startsWith('CMD'))!;
    const args = JSON.parse(cmd.slice(3).trim()) as string[];
    expect(args.slice(0, 2)).toEqual(['npm', 'run']);
    expect(scripts[args[2]!]).toBeDefined();
    // The script runs the built server, which the build stage produces with `npm run build`.
    expect(scripts[args[2]!]).toMatch(/server\/dist\/main\.js/);
    expect(instructions.some((l) => /^RUN npm run build$/.test(l))).toBe(true);
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
  // The compose file is untyped YAML.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const compose = parse(readFileSync(join(ROOT, 'docker/compose.yml'), 'utf8'), { merge: true }) as any;

  it('parses, with the server on a named volume and ADMIN_TOKEN from the environment', () => {
    const server = compose.services.server;
    expect(server.build.dockerfile).toBe('docker/Dockerfile');
    expect(server.environment.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN/);
    const [volume, target] = String(server.volumes[0]).split(':');
    expect(compose.volumes).toHaveProperty(volume!);
    expect(target).toBe('/data');
  });

  it('has a cluster profile: the official nats image with JetStream on a volume, one sim, two gateways on NATS', () => {
    const inCluster = Object.entries(compose.services as Record<string, { profiles?: string[] }>)
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
    for (const [name, service] of Object.entries(compose.services) as Array<[string, { environment?: Record<string, string> }]>) {
      for (const variable of Object.keys(service.environment ?? {})) expect(known.has(variable), `${name}: ${variable}`).toBe(true);
    }
  });

  it('has a bots service under a profile that load-tests the server with an existing npm script', () => {
    const bots = compose.services.bots;
    expect(bots.profiles).toEqual(['bots']);
    expect(bots.command.slice(0, 2)).toEqual(['npm', 'run']);
    expect(scripts[bots.command[2]]).toBeDefined();
    // The standalone server by default; BOTS_URL points it at a cluster's gateway.
    expect(bots.command).toContain('${BOTS_URL:-http://server:8080}');
  });
});
