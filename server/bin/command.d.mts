/** Types of server/bin/command.mjs (plain JavaScript: the lifemmo command runs without a TypeScript loader). */

/** The usage text of `lifemmo --help`. */
export declare const USAGE: string;

/** What `lifemmo <argv>` means: help, version, an error, or the environment to start the server with. */
export declare function parseCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string,
):
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string }
  | { kind: 'run'; command: string; envFiles: string[]; env: Record<string, string | undefined> };
