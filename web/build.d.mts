/** Types of web/build.mjs (plain JavaScript so that scripts/build.mjs can run it without a TypeScript loader). */

/** The web/ directory. */
export declare const WEB_DIR: string;

/** Build web/dist/ (main.js, its source map, index.html, style.css; status.js, its source map, status.css, status.html). */
export declare function buildWeb(options?: { minify?: boolean }): Promise<{ outdir: string; ms: number; bytes: number; statusBytes: number }>;
