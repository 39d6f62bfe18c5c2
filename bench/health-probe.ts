/**
 * `GET /health` probed on a fixed schedule, as an orchestrator's liveness probe would: a
 * probe goes out every interval whether or not the one before was answered, so a server
 * that stops answering piles up unanswered probes instead of slowing the prober down.
 *
 * By default probes reuse keep-alive connections (fetch's pool); `newConnection` opens one
 * per probe, as a kubelet does, so a probe also waits for the server to accept it.
 */
import { get } from 'node:http';

/** What the probes saw. Latencies are of the probes answered 2xx, ms. */
export interface HealthProbeResult {
  readonly probes: number;
  /** Time from sending to the full answer, of each probe answered with a 2xx. */
  readonly latencies: readonly number[];
  /** Probes not answered with a 2xx, by cause (`timeout`, `status 503`, `network: ...`). */
  readonly failures: Readonly<Record<string, number>>;
}

/** Probes still waiting after this long count as failed (`timeout`), ms. */
export const PROBE_TIMEOUT_MS = 10_000;

/** Probes not answered (with a 2xx) within `limitMs`, unanswered ones included. */
export function probesOver(result: HealthProbeResult, limitMs: number): number {
  return result.probes - result.latencies.filter((l) => l <= limitMs).length;
}

/** `GET url` on a connection of its own (no keep-alive pool): its status, once the body has come. */
function getOnNewConnection(url: string, timeoutMs: number): Promise<{ ok: boolean; status: number }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, signal: AbortSignal.timeout(timeoutMs) }, (reply) => {
      reply.resume();
      reply.on('end', () => resolve({ ok: reply.statusCode === 200, status: reply.statusCode ?? 0 }));
      reply.on('error', reject);
    });
    request.on('error', reject);
  });
}

/**
 * Start probing `${url}/health` every `everyMs` (the first at once), each probe on a
 * connection of its own with `newConnection`. `stop()` sends no more, waits for the probes
 * in flight (at most PROBE_TIMEOUT_MS) and resolves with the result.
 */
export function startHealthProbes(url: string, everyMs: number, { newConnection = false }: { newConnection?: boolean } = {}): { stop(): Promise<HealthProbeResult> } {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const fail = (cause: string) => (failures[cause] = (failures[cause] ?? 0) + 1);
  const pending = new Set<Promise<void>>();
  let probes = 0;
  const probe = () => {
    probes++;
    const sent = performance.now();
    const answer = newConnection
      ? getOnNewConnection(`${url}/health`, PROBE_TIMEOUT_MS)
      : fetch(`${url}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then(async (reply) => (await reply.text(), reply));
    const done: Promise<void> = answer
      .then((reply) => {
        if (reply.ok) latencies.push(performance.now() - sent);
        else fail(`status ${reply.status}`);
      })
      .catch((err: unknown) => {
        const name = err instanceof Error ? err.name : '';
        fail(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : `network: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
      })
      .finally(() => pending.delete(done));
    pending.add(done);
  };
  probe();
  const timer = setInterval(probe, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      return { probes, latencies, failures };
    },
  };
}
