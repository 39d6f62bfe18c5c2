/** Types of scripts/build-sdk-bundle.mjs (plain JavaScript so that scripts/build.mjs runs it without a TypeScript loader). */

/** Absolute path of web/dist/sdk/lifemmo-client.js. */
export declare const SDK_BUNDLE: string;

/** Build web/dist/sdk/lifemmo-client.js (+ map); sizes in bytes, gzip at level 9. */
export declare function buildSdkBundle(): Promise<{ file: string; ms: number; bytes: number; gzipBytes: number }>;
