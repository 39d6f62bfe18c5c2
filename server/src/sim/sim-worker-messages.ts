/** What the main thread and the sim's worker thread say to each other besides the bus. */
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../config/config.js';

/** The worker's workerData. */
export interface SimWorkerInput {
  readonly config: Config;
  /** The sim's end of the in-process bus to the gateway. */
  readonly port: MessagePort;
  /**
   * A world split into regions: the region this thread steps, and its end of a channel to
   * each other region's sim thread (halos and placement parts travel there).
   */
  readonly region?: { readonly id: number; readonly peers: readonly MessagePort[] };
  /** Send log lines to the main thread (which writes them where its own go). */
  readonly logToParent: boolean;
  readonly isTty: boolean;
}

export type ToSimWorker = { type: 'stop' };
export type FromSimWorker =
  | { type: 'started' }
  | { type: 'stopped' }
  | { type: 'failed'; message: string; code: string | undefined }
  | { type: 'log'; line: string };
