import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { checkOutputFiles, parseBotsArgs } from './args.js';

test('the issue command line parses, with defaults for the rest', () => {
  const o = parseBotsArgs(['--url', 'http://127.0.0.1:8080', '--bots', '2000', '--duration', '60', '--place-rate', '1', '--viewport', '256x256']);
  expect(o).toMatchObject({
    url: 'http://127.0.0.1:8080',
    bots: 2000,
    duration: 60,
    placeRate: 1,
    viewport: { w: 256, h: 256 },
    ramp: 10,
    threads: 8,
    replica: false,
    maxP99Ms: undefined,
    maxErrorRate: 0.01,
    adminToken: undefined,
  });
  expect(parseBotsArgs(['--bots', '10', '--duration', '10', '--max-p99-ms', '50', '--max-error-rate', '0.01', '--replica'])).toMatchObject({
    threads: 1,
    ramp: 2,
    maxP99Ms: 50,
    maxErrorRate: 0.01,
    replica: true,
  });
  expect(parseBotsArgs(['--admin-token', 'sekrit-admin', '--max-error-rate', '0'])).toMatchObject({ adminToken: 'sekrit-admin', maxErrorRate: 0 });
  expect(parseBotsArgs(['--help'])).toBeNull();
});

test('bad options name the option', () => {
  expect(() => parseBotsArgs(['--bots', '0'])).toThrow(/--bots must be an integer from 1/);
  expect(() => parseBotsArgs(['--bots', '1.5'])).toThrow(/--bots/);
  expect(() => parseBotsArgs(['--viewport', '256'])).toThrow(/--viewport must be WxH/);
  expect(() => parseBotsArgs(['--max-error-rate', '2'])).toThrow(/--max-error-rate/);
  expect(() => parseBotsArgs(['--url', 'localhost:8080'])).toThrow(/--url/);
  expect(() => parseBotsArgs(['--nope'])).toThrow(/nope/);
  expect(() => parseBotsArgs(['--ramp', '100', '--duration', '10'])).toThrow(/--ramp/);
  expect(() => parseBotsArgs(['--admin-token', 'a b'])).toThrow(/--admin-token/);
  expect(parseBotsArgs(['--admin-token', ''])).toMatchObject({ adminToken: undefined });
});

test('--json and --html: file names, checked before the run (folder exists, not a folder)', () => {
  expect(parseBotsArgs(['--html', 'report.html', '--json', 'r.json'])).toMatchObject({ html: 'report.html', json: 'r.json' });
  expect(parseBotsArgs([])).toMatchObject({ html: undefined, json: undefined });
  expect(() => parseBotsArgs(['--html', ''])).toThrow('--html needs a file name');
  expect(() => parseBotsArgs(['--html'])).toThrow(/--html/);
  const dir = mkdtempSync(join(tmpdir(), 'lifemmo-args-'));
  try {
    expect(() => checkOutputFiles({ json: undefined, html: join(dir, 'report.html') })).not.toThrow();
    expect(() => checkOutputFiles({ json: join(dir, 'nope', 'r.json'), html: undefined })).toThrow(`--json ${join(dir, 'nope', 'r.json')}: folder ${join(dir, 'nope')} does not exist`);
    expect(() => checkOutputFiles({ json: undefined, html: dir })).toThrow(`--html ${dir}: is a folder, not a file`);
    writeFileSync(join(dir, 'file'), '');
    expect(() => checkOutputFiles({ json: undefined, html: join(dir, 'file', 'r.html') })).toThrow(`${join(dir, 'file')} is not a folder`);
    const thrown = (() => {
      try {
        checkOutputFiles({ json: undefined, html: dir });
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toMatchObject({ code: 'LIFE_ERR_VALIDATION' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
