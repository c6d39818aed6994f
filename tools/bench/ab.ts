/**
 * A/B of gateway builds and settings on one platform: starts one extra gateway per variant and loads
 * them in interleaved rounds (CPU 1 for the gateways, CPU 0 for the load generator, where `taskset`
 * exists), printing each round's CPU per 1,000 requests and rps, and the median CPU. A variant is a JSON
 * object of env overrides (`{}` is the working tree as is) or `rev:<git revision>` (that revision's
 * gateway and libs, extracted under tmp/). Run it twice with the variants swapped: the order matters a little.
 * Usage: `node --import tsx tools/bench/ab.ts rev:HEAD~1 '{}' '{"LOG_LEVEL":"warn"}' [--rounds 4] [--duration 3]`.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@platform/testing';
import { BENCH_PATH, startGatewayRig } from './gateway-bench';
import { load, median } from './load';
import { cpuTimeMs, pinToCpu, ROOT, spawnProcess, type BenchProcess } from './processes';

interface Variant {
  label: string;
  dir: string;
  env: Record<string, string>;
}

function variantOf(spec: string): Variant {
  if (!spec.startsWith('rev:')) return { label: spec, dir: ROOT, env: JSON.parse(spec) as Record<string, string> };
  const rev = spec.slice(4);
  const sha = execSync(`git rev-parse ${JSON.stringify(rev)}`, { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = path.join(ROOT, 'tmp', `bench-rev-${sha.slice(0, 12)}`);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    execSync(`git archive ${sha} apps/gateway libs tsconfig.base.json tsconfig.json package.json | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT });
  }
  return { label: spec, dir, env: {} };
}

async function spawnGateway(v: Variant, env: Record<string, string>): Promise<BenchProcess> {
  const port = await freePort();
  const gateway = await spawnProcess({
    name: `gateway-ab-${port}`,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(v.dir, 'apps', 'gateway', 'src', 'main.ts')],
    url: `http://127.0.0.1:${port}`,
    readyPath: '/ready',
    readyStatus: 200,
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', LOG_FORMAT: 'json', HOST: '127.0.0.1', ...env, ...v.env, PORT: String(port) },
  });
  pinToCpu(gateway.pid, 1);
  return gateway;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv.splice(i, 2)[1]) : fallback;
  };
  const rounds = flag('--rounds', 4);
  const durationS = flag('--duration', 3);
  const variants = (argv.length ? argv : ['{}']).map(variantOf);
  const rig = await startGatewayRig(['e']);
  const gateways: BenchProcess[] = [];
  try {
    pinToCpu(process.pid, 0);
    pinToCpu(rig.pids.a, 0);
    for (const v of variants) gateways.push(await spawnGateway(v, rig.platform.gatewayEnv));
    const headers = { authorization: `Bearer ${rig.token}` };
    for (const g of gateways) await load({ url: `${g.url}${BENCH_PATH}`, durationS: 1, headers });
    const cpu = variants.map(() => [] as number[]);
    const rows = variants.map(() => [] as string[]);
    for (let r = 0; r < rounds; r++) {
      for (const [i, g] of gateways.entries()) {
        const cpu0 = cpuTimeMs(g.pid);
        const res = await load({ url: `${g.url}${BENCH_PATH}`, durationS, headers });
        const perK = ((cpuTimeMs(g.pid) - cpu0) * 1000) / res.requests;
        cpu[i]!.push(perK);
        rows[i]!.push(`${Math.round(perK)} ms/1k ${Math.round(res.rps)} rps`);
      }
    }
    variants.forEach((v, i) => process.stdout.write(`${v.label.padEnd(32)} median ${Math.round(median(cpu[i]!))} CPU ms/1k  (${rows[i]!.join(' | ')})\n`));
  } finally {
    await Promise.allSettled(gateways.map((g) => g.stop()));
    await rig.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
    process.exit(1);
  },
);
