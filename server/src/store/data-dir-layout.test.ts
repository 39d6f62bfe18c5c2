// A data directory written with one REGIONS is refused by a server started with another,
// rather than a new empty world started beside the old one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDataDirLayout } from './data-dir-layout.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'lifemmo-layout-'));
  dirs.push(d);
  return d;
};
const outcome = (p: Promise<void>) => p.then(() => 'ok', (err: { code?: string; message: string }) => `${err.code}: ${err.message}`);

describe('checkDataDirLayout', () => {
  it('takes an empty or absent directory, and one of its own layout', async () => {
    const empty = fresh();
    expect(await outcome(checkDataDirLayout(empty, 1))).toBe('ok');
    expect(await outcome(checkDataDirLayout(empty, 2))).toBe('ok');
    expect(await outcome(checkDataDirLayout(join(empty, 'not-yet'), 2))).toBe('ok');
    const whole = fresh();
    writeFileSync(join(whole, 'wal-000000000001.log'), '');
    writeFileSync(join(whole, 'lifemmo.lock'), '');
    expect(await outcome(checkDataDirLayout(whole, 1))).toBe('ok');
    const split = fresh();
    mkdirSync(join(split, 'region-0'));
    mkdirSync(join(split, 'region-1'));
    expect(await outcome(checkDataDirLayout(split, 2))).toBe('ok');
    // Another split count reads the regions it has (each refuses another region's data itself).
    expect(await outcome(checkDataDirLayout(split, 4))).toBe('ok');
  });

  it('refuses a whole world for a split, and a split world for one region, naming what is there', async () => {
    const whole = fresh();
    writeFileSync(join(whole, 'snapshot-000000000042.lms'), '');
    expect(await outcome(checkDataDirLayout(whole, 2))).toMatch(/^LIFE_ERR_CONFIG_INVALID: DATA_DIR .* holds a world of one region .* REGIONS splits it into 2/);
    const split = fresh();
    mkdirSync(join(split, 'region-0'));
    mkdirSync(join(split, 'region-1'));
    expect(await outcome(checkDataDirLayout(split, 1))).toMatch(/^LIFE_ERR_CONFIG_INVALID: DATA_DIR .* holds a world split into regions \(region-0, region-1\), but REGIONS makes one region/);
  });
});
