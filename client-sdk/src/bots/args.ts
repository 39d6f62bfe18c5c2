/**
 * Command-line options of `lifemmo-bots`, parsed with node:util parseArgs and checked once
 * into a frozen BotsOptions. Bad input throws a LifeError (LIFE_ERR_VALIDATION) naming
 * the option, which the CLI prints with the usage and exits 2.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LifeError } from '@lifemmo/shared/client';

/** Sockets per worker thread at most, when --threads is not given. */
export const BOTS_PER_THREAD = 250;
/** The verdict is FAIL above this error rate unless --max-error-rate says otherwise. */
export const DEFAULT_MAX_ERROR_RATE = 0.01;

/** Everything a bots run needs. Times in seconds unless the name says otherwise. */
export interface BotsOptions {
  /** Server base URL (http(s) or ws(s)). */
  readonly url: string;
  readonly bots: number;
  /** Length of the run, from the first bot joining, s. */
  readonly duration: number;
  /** Placements per second per bot; 0 makes the bots spectators (no players created). */
  readonly placeRate: number;
  readonly viewport: { readonly w: number; readonly h: number };
  /** Bots join spread evenly over this many seconds. */
  readonly ramp: number;
  readonly threads: number;
  /** Keep a cell replica per bot (decode every frame), or only check frame headers. */
  readonly replica: boolean;
  /** Seed of viewport positions and placements. */
  readonly seed: number;
  /** Write the full result here as JSON. */
  readonly json: string | undefined;
  /** Write the report as one self-contained HTML file (charts, summary, options, verdict) here. */
  readonly html: string | undefined;
  /** Exit 1 when the tick-to-client p99 is above this, ms. */
  readonly maxP99Ms: number | undefined;
  /** Exit 1 when errors / (join attempts + placements) is above this, 0..1. */
  readonly maxErrorRate: number;
  /** The server's ADMIN_TOKEN: players are then created through POST /admin/players (no per-address limit). */
  readonly adminToken: string | undefined;
  /** No progress line (the summary is still printed). */
  readonly quiet: boolean;
}

/** The usage text of --help. */
export const USAGE = `Usage: lifemmo-bots [options]     (or: npm run bots -- [options])

  --url <url>             server, http(s)://host:port or ws(s)://host:port/ws   [http://127.0.0.1:8080]
  --bots <n>              number of bots                                        [100]
  --duration <s>          length of the run in seconds                          [60]
  --place-rate <r>        placements per second per bot (0: spectators)         [1]
  --viewport <WxH>        viewport of each bot, cells                           [256x256]
  --ramp <s>              join the bots spread over this many seconds           [min(10, duration/5)]
  --threads <n>           worker threads                                        [ceil(bots/${BOTS_PER_THREAD})]
  --replica               keep a full cell replica per bot (decode every frame)
  --seed <n>              seed of viewports and placements                      [1]
  --json <file>           write the full result as JSON
  --html <file>           write a report as one self-contained HTML file: latency,
                          frames/s, placements/s, errors and connected bots over time,
                          connect-time histogram, summary, options and verdict
  --admin-token <token>   the server's ADMIN_TOKEN: create the players through
                          POST /admin/players, which no per-address limit applies to
                          (empty: not given)
  --max-p99-ms <ms>       exit 1 if the tick-to-client p99 latency is above
  --max-error-rate <r>    exit 1 if errors / (join attempts + placements) is above  [${DEFAULT_MAX_ERROR_RATE}]
  --quiet                 no live progress line
  --help                  this text

The verdict is FAIL (exit 1) when fewer bots joined than asked, or a threshold was
crossed; the summary says why, and what to change.
--json and --html are written when the verdict is FAIL too; their folder is checked
before the run starts.
Exit codes: 0 ok, 1 FAIL, 2 bad options, the server is unreachable, --admin-token is
refused, or --json or --html could not be written.`;

function number(name: string, text: string | undefined, fallback: number, min: number, max: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new LifeError('VALIDATION', `--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function outputFile(name: string, file: string | undefined): string | undefined {
  if (file !== undefined && file.trim() === '') throw new LifeError('VALIDATION', `--${name} needs a file name`);
  return file;
}

/** The file's stat, or undefined when the path leads nowhere (a missing file or folder on the way). */
function statOrNothing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * Check, before the run, that the --json and --html files can be written: their folder
 * exists and is writable, and they are not folders. A run can last an hour; a typo in a
 * path must not cost it.
 * @throws LifeError LIFE_ERR_VALIDATION naming the option, the path and what is wrong
 */
export function checkOutputFiles(options: Pick<BotsOptions, 'json' | 'html'>): void {
  for (const [name, file] of [['json', options.json], ['html', options.html]] as const) {
    if (file === undefined) continue;
    const path = resolve(file);
    const dir = dirname(path);
    const dirStat = statOrNothing(dir);
    if (dirStat === undefined) throw new LifeError('VALIDATION', `--${name} ${file}: folder ${dir} does not exist`);
    if (!dirStat.isDirectory()) throw new LifeError('VALIDATION', `--${name} ${file}: ${dir} is not a folder`);
    const stat = statOrNothing(path);
    if (stat?.isDirectory()) throw new LifeError('VALIDATION', `--${name} ${file}: is a folder, not a file`);
    try {
      accessSync(stat === undefined ? dir : path, constants.W_OK);
    } catch {
      throw new LifeError('VALIDATION', `--${name} ${file}: ${stat === undefined ? `folder ${dir}` : 'the file'} is not writable`);
    }
  }
}

/** Parse `argv` (without node and the script). Returns null for --help. */
export function parseBotsArgs(argv: readonly string[]): BotsOptions | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        bots: { type: 'string' },
        duration: { type: 'string' },
        'place-rate': { type: 'string' },
        viewport: { type: 'string' },
        ramp: { type: 'string' },
        threads: { type: 'string' },
        replica: { type: 'boolean' },
        seed: { type: 'string' },
        json: { type: 'string' },
        html: { type: 'string' },
        'max-p99-ms': { type: 'string' },
        'max-error-rate': { type: 'string' },
        'admin-token': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new LifeError('VALIDATION', (err as Error).message);
  }
  if (values.help) return null;
  const str = (name: string) => values[name] as string | undefined;
  const bots = number('bots', str('bots'), 100, 1, 1_000_000, true);
  const duration = number('duration', str('duration'), 60, 1, 86_400, false);
  const viewportText = str('viewport') ?? '256x256';
  const m = /^(\d+)x(\d+)$/.exec(viewportText);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new LifeError('VALIDATION', `--viewport must be WxH like 256x256, got ${JSON.stringify(viewportText)}`);
  const url = str('url') ?? 'http://127.0.0.1:8080';
  // Empty means none: `--admin-token "$ADMIN_TOKEN"` works whether the variable is set or not.
  const adminToken = str('admin-token') || undefined;
  if (adminToken !== undefined && !/^\S+$/.test(adminToken)) throw new LifeError('VALIDATION', '--admin-token must be the server\'s ADMIN_TOKEN (no spaces)');
  if (!/^(https?|wss?):\/\/./.test(url)) throw new LifeError('VALIDATION', `--url must be http(s)://host:port or ws(s)://host:port/ws, got ${JSON.stringify(url)}`);
  return Object.freeze({
    url,
    bots,
    duration,
    placeRate: number('place-rate', str('place-rate'), 1, 0, 1000, false),
    viewport: Object.freeze({ w: Number(m[1]), h: Number(m[2]) }),
    ramp: number('ramp', str('ramp'), Math.min(10, duration / 5), 0, duration, false),
    threads: number('threads', str('threads'), Math.max(1, Math.ceil(bots / BOTS_PER_THREAD)), 1, 256, true),
    replica: values.replica === true,
    seed: number('seed', str('seed'), 1, 0, 0xffff_ffff, true),
    json: outputFile('json', str('json')),
    html: outputFile('html', str('html')),
    maxP99Ms: values['max-p99-ms'] === undefined ? undefined : number('max-p99-ms', str('max-p99-ms'), 0, 0, 1e9, false),
    maxErrorRate: number('max-error-rate', str('max-error-rate'), DEFAULT_MAX_ERROR_RATE, 0, 1, false),
    adminToken,
    quiet: values.quiet === true,
  });
}
