import os from 'node:os';
export const PARTS = ['gateway', 'runs', 'breaker', 'cost', 'sandbox'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchArgs {
  parts: Part[];
  durationS: number;
  rounds: number;
  connections: number;
  /** Concurrent sessions for the run-throughput part. */
  concurrency: number[];
  /** Session sizes (messages) for the cost-growth part. */
  sizes: number[];
  /** Runs queued at once for the runner-alone figure. */
  backlog: number;
  /** The runner's WORKER_CONCURRENCY (default: its own default). */
  runnerConcurrency?: number;
  /** Gateway part: proxies on CPU 1, load generator and upstream on CPU 0. */
  pin: boolean;
  /** The gateway's WORKERS (default: one per CPU, as HAProxy runs one thread per CPU). */
  gatewayWorkers: number;
}

const USAGE = `npm run bench [-- options]
  --only gateway,runs,breaker,cost,sandbox   parts to run (default all)
  --duration S        seconds per load round (default 5)
  --rounds N          interleaved rounds per target (default 3)
  --connections N     autocannon connections (default 50)
  --concurrency 1,20,100   concurrent sessions for run throughput
  --backlog N         runs queued at once for the runner-alone figure (default 200)
  --runner-concurrency N   the runner's WORKER_CONCURRENCY (default: the runner's default)
  --pin               gateway part: every proxy on CPU 1, load generator and upstream on CPU 0
  --gateway-workers N the gateway's WORKERS (default: one per CPU)
  --sizes 1000,10000,100000   messages per session for cost growth`;

/** A bad command line: printed without a stack. */
export class UsageError extends Error {}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const positive = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${v}"\n${USAGE}`);
  return n;
};

/** Parses the command line of `npm run bench`; throws with the usage on anything unknown. */
export function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = { parts: [...PARTS], durationS: 5, rounds: 3, connections: 50, concurrency: [1, 20, 100], sizes: [1000, 10_000, 100_000], backlog: 200, pin: false, gatewayWorkers: os.availableParallelism() };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    switch (flag) {
      case '--only': {
        const parts = list(value());
        const bad = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
        if (bad.length || parts.length === 0) throw new UsageError(`unknown part(s) ${bad.join(', ')}\n${USAGE}`);
        a.parts = parts as Part[];
        break;
      }
      case '--duration': a.durationS = positive(flag, value()); break;
      case '--rounds': a.rounds = Math.round(positive(flag, value())); break;
      case '--connections': a.connections = Math.round(positive(flag, value())); break;
      case '--concurrency': a.concurrency = list(value()).map((v) => Math.round(positive(flag, v))); break;
      case '--backlog': a.backlog = Math.round(positive(flag, value())); break;
      case '--runner-concurrency': a.runnerConcurrency = Math.round(positive(flag, value())); break;
      case '--sizes': a.sizes = list(value()).map((v) => Math.round(positive(flag, v))); break;
      case '--pin': a.pin = true; break;
      case '--gateway-workers': a.gatewayWorkers = Math.round(positive(flag, value())); break;
      case '--help': case '-h': throw new UsageError(USAGE);
      default: throw new UsageError(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return a;
}
