/** Run a benchmark scenario in a fresh child process and parse the JSON line it prints. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Run `command args` (bounded by `timeoutMs`) and parse its last stdout line as JSON. */
export async function runJson<T>(command: string, args: readonly string[], timeoutMs = 600_000): Promise<T> {
  const { stdout } = await run(command, [...args], { timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Run a TypeScript benchmark script with node (tsx loader, --expose-gc) and extra V8 flags. */
export function runTsScenario<T>(script: string, args: readonly string[], v8Flags: readonly string[] = []): Promise<T> {
  return runJson<T>(process.execPath, ['--expose-gc', ...v8Flags, '--import', 'tsx', script, ...args]);
}
