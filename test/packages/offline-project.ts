/**
 * An empty npm project that installs the packed tarballs of @lifemmo/shared and
 * @lifemmo/client with no network: `npm ci --offline` from a lockfile written here.
 *
 * Why a lockfile: `npm install <tarball> --offline` must resolve the ranges of zod, ws and
 * hdr-histogram-js, which needs their registry metadata, and `npm ci` in the repo caches
 * only the packages' tarballs, not that metadata. A lockfile names exact versions and
 * integrities, taken from the repo's package-lock.json, and npm finds those tarballs in its
 * cache by integrity.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

/** A lockfile entry (the fields npm needs to install it). */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bin?: Record<string, string>;
  [field: string]: unknown;
}

/** The package.json of a packed tarball (read from the workspace it was packed from). */
export interface Packed {
  readonly tarball: string;
  readonly manifest: { name: string; version: string; dependencies?: Record<string, string>; bin?: Record<string, string>; engines?: Record<string, string> };
}

/**
 * Write package.json and package-lock.json into `dir` for a project depending on the
 * `packed` tarballs, then `npm ci --offline` there.
 * @param repoLock path of the repo's package-lock.json, where third-party versions come from
 */
export async function installOffline(dir: string, packed: readonly Packed[], repoLock: string): Promise<void> {
  const lock = JSON.parse(readFileSync(repoLock, 'utf8')) as { packages: Record<string, LockEntry> };
  const ours = new Map(packed.map((p) => [p.manifest.name, p]));
  const dependencies = Object.fromEntries(packed.map((p) => [p.manifest.name, `file:${basename(p.tarball)}`]));
  const packages: Record<string, LockEntry> = { '': { name: 'lifemmo-packed-test', dependencies } };

  // Every package the tarballs need, transitively: ours from their tarballs, the rest as
  // the repo's lockfile has them at the top of node_modules.
  const queue = packed.map((p) => p.manifest.name);
  while (queue.length > 0) {
    const name = queue.shift()!;
    const key = `node_modules/${name}`;
    if (packages[key] !== undefined) continue;
    const own = ours.get(name);
    let entry: LockEntry;
    if (own !== undefined) {
      entry = { version: own.manifest.version, resolved: `file:${basename(own.tarball)}`, dependencies: own.manifest.dependencies ?? {}, ...(own.manifest.bin && { bin: own.manifest.bin }), ...(own.manifest.engines && { engines: own.manifest.engines }) };
    } else {
      const found = lock.packages[key];
      if (found === undefined) throw new Error(`${name} is not at the top of the repo's node_modules (package-lock.json)`);
      entry = found;
    }
    packages[key] = entry;
    queue.push(...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}));
  }

  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'lifemmo-packed-test', private: true, type: 'module', dependencies }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'lifemmo-packed-test', lockfileVersion: 3, requires: true, packages }, null, 2));
  await promisify(execFile)('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
}
