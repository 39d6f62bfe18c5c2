/**
 * One child process of the regions benchmark (bench/regions-scenario.ts, variant
 * `processes`): a member (bench/regions-stepper.ts) whose halos go over its own NATS
 * connection, as a `ROLE=sim` process's do (roles/sim-process.ts), and which talks to the
 * scenario over the IPC channel `fork` opens. Started as
 *   regions-process.ts <RegionStepInput as JSON> <NATS URL>
 */
import { connectNatsBus } from '../server/src/bus/index.js';
import { failedMessage, stepMember, type FromRegionWorker, type RegionStepInput, type ToRegionWorker } from './regions-stepper.js';

const [inputJson, natsUrl] = process.argv.slice(2);
const input = JSON.parse(inputJson!) as RegionStepInput;
// The scenario gone (crashed, killed) leaves nothing to report to: do not linger as an orphan.
process.once('disconnect', () => process.exit(0));

const post = (m: FromRegionWorker) => process.send!(m);
try {
  const bus = await connectNatsBus({ servers: natsUrl!, name: `lifemmo-bench-region-${input.regionId}` });
  const channel = {
    post,
    go: () =>
      new Promise<void>((resolve) => {
        const onMessage = (m: ToRegionWorker) => {
          if (m.type !== 'go') return;
          process.off('message', onMessage);
          resolve();
        };
        process.on('message', onMessage);
      }),
  };
  // A halo published before the neighbour's subscription reached nats-server is lost for it;
  // the lost-halo exchange (RegionEngine's resend) recovers it during the warm-up, which is not timed.
  await stepMember(input, [bus], channel, () => {
    const s = bus.connection.stats();
    return { outMessages: s.outMsgs, outBytes: s.outBytes, inMessages: s.inMsgs, inBytes: s.inBytes };
  });
  // The connection stays open: a neighbour may still ask for this region's last halo. The scenario ends the process.
} catch (err) {
  post(failedMessage(err));
}
