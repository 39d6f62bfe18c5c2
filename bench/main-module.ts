import { pathToFileURL } from 'node:url';

/**
 * Runs one section when its module is the script node was started with, to study it alone
 * (`npx tsx bench/busy.ts 3`: the first argument is the run count), and prints its markdown.
 * Imported by bench/run.ts, the module only defines its section.
 */
export function runIfMain(moduleUrl: string, section: (runs: number) => Promise<string>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  section(Number(process.argv[2] ?? '1')).then(
    (markdown) => console.log(markdown),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
