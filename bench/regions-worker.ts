/**
 * One worker thread of the regions benchmark (bench/regions-scenario.ts): a member
 * (bench/regions-stepper.ts) whose halos go over LocalBus ends, MessagePorts to the other
 * regions' threads, and which talks to the scenario over its parent port.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LocalBus } from '../server/src/bus/index.js';
import { failedMessage, stepMember, type FromRegionWorker, type RegionStepInput, type ToRegionWorker } from './regions-stepper.js';

/** What the scenario hands each worker. */
export interface RegionWorkerInput extends RegionStepInput {
  /** One LocalBus end per neighbouring region's thread. */
  readonly ports: MessagePort[];
}

const port = parentPort as MessagePort;
const input = workerData as RegionWorkerInput;
const channel = {
  post: (m: FromRegionWorker) => port.postMessage(m),
  go: () => new Promise<void>((resolve) => port.once('message', (m: ToRegionWorker) => m.type === 'go' && resolve())),
};
stepMember(
  input,
  input.ports.map((p) => new LocalBus(p)),
  channel,
).catch((err: unknown) => port.postMessage(failedMessage(err)));
