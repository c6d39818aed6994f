import { freePort } from '@platform/testing';
import { load, percentile, type LoadResult } from './load';
import { BENCH_PATH, startGatewayRig, type GatewayRig } from './gateway-bench';
import { spawnTs, type BenchProcess } from './processes';

export interface BreakerReport {
  /** Answers of the gateway while the upstream is down and its breaker open, at a paced 1,000 requests/s (10 connections). */
  paced: LoadResult;
  /** The same at saturation (autocannon, 50 connections, all statuses). */
  whileOpen: LoadResult;
  /** Share of those answers that were 503 UPSTREAM_UNAVAILABLE. */
  share503: number;
  /** From the upstream listening again to the gateway's first 200 on its route (ms), and the breaker's reset timeout. */
  recoveryMs: number;
  breakerResetMs: number;
  /** Single-request latencies (ms) probing while open, one at a time: p50 and p99 with sub-millisecond resolution. */
  probeP50Ms: number;
  probeP99Ms: number;
  /** Baselines from the same run: the bare upstream (a) answering directly, paced and one at a time the same way. */
  direct?: { paced: LoadResult; probeP50Ms: number; probeP99Ms: number };
}

/** The route the breaker part takes down: the gateway sends it to the `sessions` service, registered here as a bench upstream. */
const PATH = '/api/v1/sessions/bench';
const BREAKER_RESET_MS = 5000;
const PACED_RATE = 1000;

async function timed(url: string, token: string): Promise<{ status: number; ms: number }> {
  const t0 = process.hrtime.bigint();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return { status: res.status, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

/** Part 3: latency of the gateway's answers while an upstream is down (breaker open), and how soon it serves again. */
export async function breakerBench(o: { connections: number; durationS: number; gatewayWorkers: number }, log: (line: string) => void, rig?: GatewayRig): Promise<BreakerReport> {
  const own = rig === undefined;
  rig ??= await startGatewayRig(['a', 'e'], [], { WORKERS: String(o.gatewayWorkers) });
  const port = await freePort();
  const startUpstream = () => spawnTs('breaker-upstream', 'tools/bench/servers/upstream.ts', [String(port)], `http://127.0.0.1:${port}`);
  let upstream: BenchProcess | undefined = await startUpstream();
  try {
    await rig.platform.registerInstance('sessions', upstream.url);
    const url = `${rig.urls.e}${PATH}`;
    for (let i = 0; i < 100 && (await timed(url, rig.token)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    await upstream.kill();
    upstream = undefined;
    // Trip the breaker: failures until the gateway answers "circuit breaker open".
    for (let i = 0; i < 200; i++) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${rig.token}` } });
      const body = await res.text();
      if (res.status === 503 && body.includes('circuit breaker open')) break;
    }
    const probes: number[] = [];
    for (let i = 0; i < 200; i++) probes.push((await timed(url, rig.token)).ms);
    const headers = { authorization: `Bearer ${rig.token}` };
    const paced = await load({ url, connections: 10, durationS: o.durationS, headers, overallRate: PACED_RATE });
    log(`  open breaker, paced ${PACED_RATE}/s: p50 ${paced.p50} ms, p99 ${paced.p99} ms`);
    // The same client and pacing against the bare upstream (a): what this machine's loopback HTTP costs anyway.
    const directUrl = `${rig.urls.a}${BENCH_PATH}`;
    const directProbes: number[] = [];
    for (let i = 0; i < 200; i++) directProbes.push((await timed(directUrl, rig.token)).ms);
    const directPaced = await load({ url: directUrl, connections: 10, durationS: o.durationS, overallRate: PACED_RATE });
    log(`  upstream direct, paced ${PACED_RATE}/s: p50 ${directPaced.p50} ms, p99 ${directPaced.p99} ms`);
    const result = await load({ url, connections: o.connections, durationS: o.durationS, headers });
    const share503 = (result.statuses['503'] ?? 0) / Math.max(1, result.requests);
    log(`  open breaker, saturated: ${Math.round(result.answered)} answers/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${Math.round(share503 * 100)}% 503`);
    upstream = await startUpstream();
    const back = Date.now();
    let recoveryMs = Number.NaN;
    while (Date.now() - back < 30_000) {
      if ((await timed(url, rig.token)).status === 200) {
        recoveryMs = Date.now() - back;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    log(`  first 200 ${recoveryMs} ms after the upstream returned (breaker reset ${BREAKER_RESET_MS} ms)`);
    return { paced, whileOpen: result, share503, recoveryMs, breakerResetMs: BREAKER_RESET_MS, probeP50Ms: percentile(probes, 50), probeP99Ms: percentile(probes, 99),
      direct: { paced: directPaced, probeP50Ms: percentile(directProbes, 50), probeP99Ms: percentile(directProbes, 99) } };
  } finally {
    await upstream?.stop();
    if (own) await rig.stop();
  }
}
