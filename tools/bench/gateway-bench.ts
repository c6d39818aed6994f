import { freePort } from '@platform/testing';
import { startHaproxy } from './haproxy';
import { load, medianOf, type LoadResult } from './load';
import { signUp } from './accounts';
import { startBenchPlatform, type BenchPlatform } from './platform';
import { treeCpuTimeMs, pinToCpu, spawnTs, type BenchProcess } from './processes';

export const TARGETS = ['a', 'b', 'c', 'd', 'e'] as const;
export type Target = (typeof TARGETS)[number];
export const TARGET_NAMES: Record<Target, string> = {
  a: 'upstream direct (node:http)',
  b: 'HAProxy 2.6',
  c: 'Express 5 + http-proxy-middleware',
  d: 'fastify + @fastify/http-proxy',
  e: 'our gateway (JWT, rate limit, breaker)',
};

export interface GatewayOptions {
  durationS: number;
  rounds: number;
  connections: number;
  /** Only these targets (default all). */
  targets?: Target[];
  /** Keeps the platform running for the breaker part. */
  keepPlatform?: boolean;
  /** Pins every proxy to CPU 1 and the load generator and upstream to CPU 0 (steadier figures on 2 cores). */
  pin?: boolean;
  /** The gateway's WORKERS (processes on its port). */
  gatewayWorkers: number;
}

export interface GatewayReport {
  connections: number;
  /** The gateway's WORKERS during the run (absent in results from before it existed: 1). */
  gatewayWorkers?: number;
  pinned: boolean;
  durationS: number;
  rounds: Record<Target, LoadResult[]>;
  median: Partial<Record<Target, LoadResult>>;
  ratios: Record<string, number>;
  /** p99 of e minus p99 of a (ms). */
  p99OverDirectMs?: number;
}

/** The path every target answers; on the gateway it is a protected route to the registered upstream. */
export const BENCH_PATH = '/api/channels/bench';

export interface GatewayRig {
  /** The process whose CPU each target costs (the proxy; for a, the upstream itself). */
  pids: Record<Target, number>;
  upstream: BenchProcess;
  platform: BenchPlatform;
  token: string;
  urls: Record<Target, string>;
  stop(): Promise<void>;
}

/** Starts the upstream, the three reference proxies and the platform with the upstream registered as `channels`. */
export async function startGatewayRig(targets: readonly Target[], gatewayNodeArgs: string[] = [], gatewayEnv: Record<string, string> = {}): Promise<GatewayRig> {
  const up = await freePort();
  const upstream = await spawnTs('bench-upstream', 'tools/bench/servers/upstream.ts', [String(up)], `http://127.0.0.1:${up}`);
  const others: BenchProcess[] = [];
  let platform: BenchPlatform | undefined;
  const stop = async () => {
    await Promise.allSettled([...others.map((p) => p.stop()), platform?.stop()]);
    await upstream.stop();
  };
  try {
    const [hp, cp, dp] = await Promise.all([freePort(), freePort(), freePort()]);
    const pids = { a: upstream.pid, b: -1, c: -1, d: -1, e: -1 };
    const started = async (t: Target, p: Promise<BenchProcess>) => {
      const proc = await p;
      others.push(proc);
      pids[t] = proc.pid;
    };
    await Promise.all([
      targets.includes('b') && started('b', startHaproxy(hp, up)),
      targets.includes('c') && started('c', spawnTs('naive-proxy', 'tools/bench/servers/naive-proxy.ts', [String(cp), upstream.url], `http://127.0.0.1:${cp}`)),
      targets.includes('d') && started('d', spawnTs('fastify-proxy', 'tools/bench/servers/fastify-proxy.ts', [String(dp), upstream.url], `http://127.0.0.1:${dp}`)),
    ]);
    platform = await startBenchPlatform({ name: 'bench-gateway', gatewayNodeArgs, gatewayEnv });
    await platform.registerInstance('channels', upstream.url);
    pids.e = platform.gateway.pid;
    const user = await signUp(platform.gateway.url);
    const urls: Record<Target, string> = {
      a: upstream.url,
      b: `http://127.0.0.1:${hp}`,
      c: `http://127.0.0.1:${cp}`,
      d: `http://127.0.0.1:${dp}`,
      e: platform.gateway.url,
    };
    return { pids, upstream, platform, token: user.token, urls, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Checks once that the gateway answers the bench route 200 with its edge headers, so a round never measures errors. */
async function checkGateway(rig: GatewayRig): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${rig.urls.e}${BENCH_PATH}`, { headers: { authorization: `Bearer ${rig.token}` } });
    await res.arrayBuffer();
    if (res.status === 200) {
      if (!res.headers.get('ratelimit-limit') || !res.headers.get('x-request-id')) throw new Error('gateway answered without RateLimit-* or X-Request-Id headers');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('gateway never answered the bench route with 200');
}

/** Part 1: interleaved rounds a,b,c,d,e, a,b,c,d,e, … at the same load; medians and ratios. */
export async function gatewayBench(o: GatewayOptions, log: (line: string) => void, rig?: GatewayRig): Promise<{ report: GatewayReport; rig: GatewayRig }> {
  const targets = o.targets ?? [...TARGETS];
  rig ??= await startGatewayRig(targets, [], { WORKERS: String(o.gatewayWorkers) });
  try {
    if (o.pin) {
      const pinned = [pinToCpu(process.pid, 0), pinToCpu(rig.pids.a, 0), ...targets.filter((t) => t !== 'a').map((t) => pinToCpu(rig.pids[t], 1))];
      if (pinned.includes(false)) log('  (could not pin every process: taskset missing or refused)');
    }
    await checkGateway(rig);
    const headersOf = (t: Target): Record<string, string> => (t === 'e' ? { authorization: `Bearer ${rig.token}` } : {});
    for (const t of targets) await load({ url: `${rig.urls[t]}${BENCH_PATH}`, connections: o.connections, durationS: 1, headers: headersOf(t) });
    const rounds = Object.fromEntries(TARGETS.map((t) => [t, [] as LoadResult[]])) as Record<Target, LoadResult[]>;
    for (let r = 1; r <= o.rounds; r++) {
      for (const t of targets) {
        const cpu0 = treeCpuTimeMs(rig.pids[t]);
        const res = await load({ url: `${rig.urls[t]}${BENCH_PATH}`, connections: o.connections, durationS: o.durationS, headers: headersOf(t) });
        res.cpuMsPerKReq = ((treeCpuTimeMs(rig.pids[t]) - cpu0) * 1000) / Math.max(1, res.requests);
        rounds[t].push(res);
        log(`  round ${r} ${t}: ${Math.round(res.rps)} rps, p50 ${res.p50} ms, p99 ${res.p99} ms, ${res.cpuMsPerKReq.toFixed(0)} CPU ms/1k req${res.non2xx || res.errors ? `, ${res.non2xx} non-2xx, ${res.errors} errors` : ''}`);
      }
    }
    const median: Partial<Record<Target, LoadResult>> = {};
    for (const t of targets) median[t] = medianOf(rounds[t]);
    const ratios: Record<string, number> = {};
    for (const base of ['a', 'b', 'c', 'd'] as const) if (median.e && median[base]) ratios[`e/${base}`] = median.e.rps / median[base].rps;
    if (median.b && median.c) ratios['c/b'] = median.c.rps / median.b.rps;
    if (median.b && median.d) ratios['d/b'] = median.d.rps / median.b.rps;
    // Whatever this process starts next (the other parts' services) inherits its affinity.
    if (o.pin) pinToCpu(process.pid, 'all');
    const report: GatewayReport = {
      connections: o.connections,
      gatewayWorkers: o.gatewayWorkers,
      pinned: o.pin === true,
      durationS: o.durationS,
      rounds,
      median,
      ratios,
      ...(median.e && median.a ? { p99OverDirectMs: median.e.p99 - median.a.p99 } : {}),
    };
    return { report, rig };
  } finally {
    if (!o.keepPlatform) await rig.stop();
  }
}
