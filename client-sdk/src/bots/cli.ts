/**
 * `lifemmo-bots` / `npm run bots -- ...`: the load-test command. Parses the options,
 * runs the bots (run.ts), prints a progress line each second (stderr) and a summary table
 * (stdout), writes --json and --html (also when the verdict is FAIL), and sets the exit
 * code: 0 ok, 1 a threshold crossed, 2 bad options, no server, or an output file that could
 * not be written. Ctrl-C ends the run early with a summary.
 */
import { writeFileSync } from 'node:fs';
import { isLifeError } from '@lifemmo/shared/client';
import { USAGE, checkOutputFiles, parseBotsArgs, type BotsOptions } from './args.js';
import { htmlReport, loadReportAssets, type ReportAssets } from './html-report.js';
import { progressLine, summaryTable } from './report.js';
import { runBots } from './run.js';

async function main(): Promise<number> {
  let options: BotsOptions | null;
  try {
    options = parseBotsArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`lifemmo-bots: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    console.log(USAGE);
    return 0;
  }
  const o = options;
  // Before the run: a bad path or a broken install must not cost a long run its report.
  let assets: ReportAssets | undefined;
  try {
    checkOutputFiles(o);
    if (o.html !== undefined) assets = loadReportAssets();
  } catch (err) {
    console.error(`lifemmo-bots: ${errorText(err)}`);
    return 2;
  }
  const tty = process.stderr.isTTY === true;
  let abort: () => void = () => undefined;
  const aborted = new Promise<void>((resolve) => (abort = resolve));
  process.once('SIGINT', () => {
    console.error('\nlifemmo-bots: stopping early (Ctrl-C again to quit at once)');
    abort();
    process.once('SIGINT', () => process.exit(130));
  });

  const via = o.placeRate === 0 ? 'spectators' : o.adminToken !== undefined ? 'players via POST /admin/players' : 'players via POST /players';
  console.error(
    `lifemmo-bots: ${o.bots} bots against ${o.url} for ${o.duration} s (ramp ${o.ramp} s, ${o.placeRate}/s/bot, viewport ${o.viewport.w}x${o.viewport.h}, ${via})`,
  );
  let result;
  try {
    result = await runBots(o, {
      abort: aborted,
      onSecond(elapsed, connected, window, totals) {
        if (o.quiet) return;
        const line = progressLine(elapsed, connected, o.bots, window, totals);
        // On a terminal, one line rewritten in place; in a log (CI), one line per second.
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else process.stderr.write(`${line}\n`);
      },
    });
  } catch (err) {
    if (tty) process.stderr.write('\n');
    console.error(`lifemmo-bots: ${errorText(err)}`);
    return 2;
  }
  if (tty && !o.quiet) process.stderr.write('\n');
  console.log(summaryTable(result));
  const outputs: Array<[option: string, file: string | undefined, text: () => string]> = [
    ['--json', o.json, () => `${JSON.stringify(result, null, 2)}\n`],
    ['--html', o.html, () => htmlReport(result, assets!)],
  ];
  let written = true;
  for (const [option, file, text] of outputs) {
    if (file === undefined) continue;
    try {
      writeFileSync(file, text());
    } catch (err) {
      // The summary is printed; say which file is missing and why, and exit 2 (not 0 or 1).
      console.error(`lifemmo-bots: ${option} ${file} could not be written: ${errorText(err)}`);
      written = false;
    }
  }
  if (!written) return 2;
  return result.thresholds.passed ? 0 : 1;
}

/** An error as one line: a LifeError with its code, a file system error with its. */
function errorText(err: unknown): string {
  if (isLifeError(err)) return `${err.message} [${err.code}]`;
  return String((err as Error).message ?? err);
}

process.exitCode = await main();
