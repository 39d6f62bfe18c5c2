/**
 * What a data directory holds: a whole world's log and snapshots at its top, or a split
 * world's under `region-<id>/` (docs/regions.md). A server started with the other layout
 * than the one on disk would start an empty world beside the existing one, as if the world
 * had been lost; it is refused instead, naming what is there.
 */
import { readdir } from 'node:fs/promises';
import { LifeError } from '@lifemmo/shared';

const WHOLE_WORLD_FILE = /^(wal-\d+\.log|snapshot-\d+\.lms)$/;
const REGION_DIR = /^region-(\d+)$/;

/**
 * Refuse `dataDir` when its layout is not the one `regions` regions write.
 * @throws LifeError CONFIG_INVALID
 */
export async function checkDataDirLayout(dataDir: string, regions: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch {
    return; // not there yet: the store makes it
  }
  const regionDirs = names.filter((n) => REGION_DIR.test(n)).sort();
  const wholeWorld = names.some((n) => WHOLE_WORLD_FILE.test(n));
  if (regions === 1 && regionDirs.length > 0) {
    throw new LifeError(
      'CONFIG_INVALID',
      `DATA_DIR ${dataDir} holds a world split into regions (${regionDirs.join(', ')}), but REGIONS makes one region: start with the REGIONS it was written with, or use another DATA_DIR`,
    );
  }
  if (regions > 1 && wholeWorld) {
    throw new LifeError(
      'CONFIG_INVALID',
      `DATA_DIR ${dataDir} holds a world of one region (its log and snapshots), but REGIONS splits it into ${regions}: a split starts from its regions' own directories, ` +
        'so start with REGIONS=1, or use another DATA_DIR',
    );
  }
}
