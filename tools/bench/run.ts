/**
 * `npm run bench`: measures the platform side by side with baselines in the same run on this machine,
 * prints a table and writes bench-results/<timestamp>.json and bench-results/latest.json.
 * See docs/benchmarks.md for what each part measures and the latest results.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs, UsageError, type BenchArgs } from './args';
import { gatewayBench, type GatewayReport, type GatewayRig } from './gateway-bench';
import { breakerBench, type BreakerReport } from './breaker-bench';
import { runsBench, type RunsReport } from './runs-bench';
import { costBench, type CostReport } from './cost-bench';
import { sandboxBench, type SandboxReport } from './sandbox-bench';
import { renderReport } from './report';
import { startAgentsRig, type AgentsRig } from './agents-rig';
import { killAll, RESULTS_DIR } from './processes';
import { haproxyVersion } from './haproxy';

export interface BenchResults {
  date: string;
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; haproxy?: string; loadAvg: number[] };
  args: BenchArgs;
  gateway?: GatewayReport;
  breaker?: BreakerReport;
  runs?: RunsReport;
  cost?: CostReport;
  sandbox?: SandboxReport;
  durationS: number;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

function machine(): BenchResults['machine'] {
  let haproxy: string | undefined;
  try {
    haproxy = haproxyVersion(execFileSync('haproxy', ['-v'], { encoding: 'utf8' }));
  } catch {
    haproxy = undefined;
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    ...(haproxy ? { haproxy } : {}),
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const results: BenchResults = { date: new Date().toISOString(), machine: machine(), args, durationS: 0 };
  let rig: GatewayRig | undefined;
  let agents: AgentsRig | undefined;
  try {
    if (args.parts.includes('gateway') || args.parts.includes('breaker')) {
      if (args.parts.includes('gateway')) {
        log(`gateway overhead: ${args.rounds} interleaved rounds of ${args.durationS} s at ${args.connections} connections`);
        const out = await gatewayBench({ durationS: args.durationS, rounds: args.rounds, connections: args.connections, keepPlatform: true, pin: args.pin, gatewayWorkers: args.gatewayWorkers }, log);
        results.gateway = out.report;
        rig = out.rig;
      }
      if (args.parts.includes('breaker')) {
        log('breaker: answers while an upstream is down, and recovery');
        results.breaker = await breakerBench({ connections: args.connections, durationS: Math.min(args.durationS, 3), gatewayWorkers: args.gatewayWorkers }, log, rig);
      }
    }
    await rig?.stop();
    rig = undefined;
    if (args.parts.includes('runs') || args.parts.includes('cost') || args.parts.includes('sandbox')) {
      agents = await startAgentsRig(args.runnerConcurrency ? { WORKER_CONCURRENCY: String(args.runnerConcurrency) } : {});
      if (args.parts.includes('runs')) {
        log(`run throughput: one-turn runs at ${args.concurrency.join(', ')} concurrent sessions`);
        results.runs = await runsBench({ concurrency: args.concurrency, durationS: args.durationS, backlog: args.backlog }, log, agents);
      }
      if (args.parts.includes('cost')) {
        log(`cost growth: sessions of ${args.sizes.join(', ')} messages`);
        results.cost = await costBench({ sizes: args.sizes }, log, agents);
      }
      if (args.parts.includes('sandbox')) {
        log('sandbox: one command with and without the sandbox, and the shell tool end to end');
        results.sandbox = await sandboxBench({ commands: 200, queries: 40 }, log, agents);
      }
    }
  } finally {
    await rig?.stop();
    await agents?.stop();
  }
  results.durationS = Math.round((Date.now() - started) / 1000);
  const text = renderReport(results);
  log(`\n${text}`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${results.date.replace(/[:.]/g, '-')}.json`);
  const json = JSON.stringify(results, null, 2);
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), json);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), text);
  log(`\nwrote ${path.relative(process.cwd(), file)}, bench-results/latest.json and latest.md (${results.durationS} s)`);
}

process.once('SIGINT', () => {
  killAll();
  process.exit(130);
});
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killAll();
    process.exit(1);
  },
);
