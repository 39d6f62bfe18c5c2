// A test preload (`node --import`) that lets a test end the standalone server's sim thread
// from outside, as a fatal error or the thread running out of memory would: every Worker
// the server starts is terminated once the file named by LIFEMMO_TEST_KILL_SIM_FILE exists.
// Node has no way to kill one thread of a process from another process, hence a preload.
// Plain JavaScript: preloads after tsx's would also do, but this one needs no compiling.
import { existsSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { clearInterval, setInterval } from 'node:timers';
import workerThreads from 'node:worker_threads';

const trigger = process.env.LIFEMMO_TEST_KILL_SIM_FILE;
if (!trigger) throw new Error('sim-thread-killer: set LIFEMMO_TEST_KILL_SIM_FILE');

const RealWorker = workerThreads.Worker;
workerThreads.Worker = class KillableWorker extends RealWorker {
  constructor(...args) {
    super(...args);
    const timer = setInterval(() => {
      if (!existsSync(trigger)) return;
      clearInterval(timer);
      void this.terminate();
    }, 50);
    timer.unref();
    this.once('exit', () => clearInterval(timer));
  }
};
// The server imports { Worker } from 'node:worker_threads': make that binding the class above.
syncBuiltinESMExports();
