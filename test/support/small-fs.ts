/**
 * A real, small file system for disk-full tests: a tmpfs of a few MB mounted on a new
 * directory (needs root, as on CI and the development machines), which a test fills to
 * the last byte and empties again. Where mounting is not permitted, `mountSmallFs`
 * resolves to the reason, for the test to skip with it.
 */
import { execFile } from 'node:child_process';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A mounted tmpfs. */
export interface SmallFs {
  /** Where it is mounted. */
  readonly dir: string;
  /** Write a file until the file system is full (ENOSPC); returns its size in bytes. */
  fill(): number;
  /** Remove what `fill` wrote. */
  free(): void;
  /** Unmount it and remove the mount point. */
  unmount(): Promise<void>;
}

/** Mount a tmpfs of `bytes` (rounded up to pages by the kernel), or say why not. */
export async function mountSmallFs(bytes: number): Promise<SmallFs | string> {
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  const dir = await mkdtemp(join(tmpdir(), 'lifemmo-smallfs-'));
  try {
    await exec('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}): needs root or CAP_SYS_ADMIN`;
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(4096, 0x2e);
      let size = 0;
      try {
        for (;;) size += writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      return size;
    },
    free() {
      unlinkSync(filler);
    },
    async unmount() {
      // Lazy: a killed server may still be letting go of its files.
      await exec('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
