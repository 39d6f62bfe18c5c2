/**
 * `GET /health` probed on a fixed schedule, as an orchestrator's liveness probe would: a
 * probe goes out every interval whether or not the one before was answered, so a server
 * that stops answering piles up unanswered probes instead of slowing the prober down.
 */

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

/**
 * Start probing `${url}/health` every `everyMs` (the first at once). `stop()` sends no
 * more, waits for the probes in flight (at most PROBE_TIMEOUT_MS) and resolves with the result.
 */
export function startHealthProbes(url: string, everyMs: number): { stop(): Promise<HealthProbeResult> } {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const fail = (cause: string) => (failures[cause] = (failures[cause] ?? 0) + 1);
  const pending = new Set<Promise<void>>();
  let probes = 0;
  const probe = () => {
    probes++;
    const sent = performance.now();
    const done: Promise<void> = fetch(`${url}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
      .then(async (reply) => {
        await reply.text();
        if (reply.ok) latencies.push(performance.now() - sent);
        else fail(`status ${reply.status}`);
      })
      .catch((err: unknown) => {
        const name = err instanceof Error ? err.name : '';
        fail(name === 'TimeoutError' ? 'timeout' : `network: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
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
