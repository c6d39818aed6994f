import autocannon from 'autocannon';

/** What one load round measured: 2xx answers per second and latency percentiles of every answer (ms, autocannon's 1 ms resolution). */
export interface LoadResult {
  rps: number;
  /** Every answer per second, whatever its status. */
  answered: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** CPU the measured process spent per 1,000 requests (ms), when measured. */
  cpuMsPerKReq?: number;
}

export interface LoadOptions {
  url: string;
  connections?: number;
  durationS: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  /** Paced load: this many requests per second in all (else as fast as the connections go). */
  overallRate?: number;
}

/** One autocannon run (in this process, one thread). */
export async function load(o: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: o.url,
    connections: o.connections ?? 50,
    duration: o.durationS,
    headers: o.headers ?? {},
    method: o.method ?? 'GET',
    ...(o.body !== undefined ? { body: o.body } : {}),
    // autocannon's coordinated-omission correction assumes an interval of ceil(1 / rate) ms (1 ms at any
    // rate >= 1/s) and back-fills phantom slow samples: paced runs record what was measured.
    ...(o.overallRate !== undefined ? { overallRate: o.overallRate, ignoreCoordinatedOmission: true } : {}),
  });
  const ok = (r as unknown as Record<string, number>)['2xx'] ?? 0;
  return {
    rps: ok / r.duration,
    answered: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationS: r.duration,
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, v]) => [code, (v as { count: number }).count])),
  };
}

/** Median of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Percentile (nearest rank) of numbers, `p` in 0..100. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank]!;
}

/** The median of each field over rounds. */
export function medianOf(rounds: LoadResult[]): LoadResult {
  const pick = (k: Exclude<keyof LoadResult, 'statuses' | 'cpuMsPerKReq'>) => median(rounds.map((r) => r[k]));
  return {
    rps: pick('rps'),
    answered: pick('answered'),
    p50: pick('p50'),
    p99: pick('p99'),
    max: pick('max'),
    requests: pick('requests'),
    non2xx: pick('non2xx'),
    errors: pick('errors'),
    timeouts: pick('timeouts'),
    durationS: pick('durationS'),
    statuses: rounds.at(-1)?.statuses ?? {},
    ...(rounds.some((r) => r.cpuMsPerKReq !== undefined) ? { cpuMsPerKReq: median(rounds.map((r) => r.cpuMsPerKReq ?? Number.NaN)) } : {}),
  };
}
