/**
 * A/B of gateway settings on one platform: starts one extra gateway per variant (each a JSON object of
 * env overrides; `{}` is the baseline) and loads them in interleaved rounds, printing each round's
 * CPU per 1,000 requests and rps. CPU per request is far less noisy than rps on a shared machine.
 * Usage: `node --import tsx tools/bench/ab.ts '{}' '{"LOG_LEVEL":"warn"}' [--rounds 3] [--duration 3]`.
 */
import { freePort } from '@platform/testing';
import { BENCH_PATH, startGatewayRig } from './gateway-bench';
import { load } from './load';
import { cpuTimeMs, spawnService, type BenchProcess } from './processes';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv.splice(i, 2)[1]) : fallback;
  };
  const rounds = flag('--rounds', 3);
  const durationS = flag('--duration', 3);
  const variants = (argv.length ? argv : ['{}']).map((v) => JSON.parse(v) as Record<string, string>);
  const rig = await startGatewayRig(['e']);
  const gateways: BenchProcess[] = [];
  try {
    for (const env of variants) gateways.push(await spawnService('gateway', await freePort(), { ...rig.platform.gatewayEnv, ...env }));
    const headers = { authorization: `Bearer ${rig.token}` };
    for (const g of gateways) await load({ url: `${g.url}${BENCH_PATH}`, durationS: 1, headers });
    const rows = variants.map(() => [] as string[]);
    for (let r = 0; r < rounds; r++) {
      for (const [i, g] of gateways.entries()) {
        const cpu0 = cpuTimeMs(g.pid);
        const res = await load({ url: `${g.url}${BENCH_PATH}`, durationS, headers });
        rows[i]!.push(`${Math.round(((cpuTimeMs(g.pid) - cpu0) * 1000) / res.requests)} ms/1k, ${Math.round(res.rps)} rps`);
      }
    }
    variants.forEach((v, i) => process.stdout.write(`${JSON.stringify(v).padEnd(40)} ${rows[i]!.join(' | ')}\n`));
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
