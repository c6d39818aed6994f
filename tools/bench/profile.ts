/**
 * Profiles the gateway's hot path: starts the gateway rig with `--cpu-prof`, loads the authenticated
 * bench route, stops the gateway and prints where the CPU went (self time by function and by package).
 * Usage: `node --import tsx tools/bench/profile.ts [seconds=10]`; the profile is kept in bench-results/profiles.
 * PROFILE_GATEWAY_ENV='{"LOG_LEVEL":"warn"}' overrides the gateway's environment (A/B runs); PROFILE_TOP=n lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_PATH, startGatewayRig } from './gateway-bench';
import { load } from './load';
import { cpuTimeMs, RESULTS_DIR } from './processes';
import { summarizeProfile, type CpuProfile } from './profile-summary';

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const dir = path.join(RESULTS_DIR, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  fs.mkdirSync(dir, { recursive: true });
  const env = JSON.parse(process.env.PROFILE_GATEWAY_ENV ?? '{}') as Record<string, string>;
  const rig = await startGatewayRig(['e'], ['--cpu-prof', `--cpu-prof-dir=${dir}`], env);
  try {
    const headers = { authorization: `Bearer ${rig.token}` };
    await load({ url: `${rig.urls.e}${BENCH_PATH}`, connections: 50, durationS: 1, headers });
    const cpu0 = cpuTimeMs(rig.pids.e);
    const r = await load({ url: `${rig.urls.e}${BENCH_PATH}`, connections: 50, durationS: seconds, headers });
    const cpu = ((cpuTimeMs(rig.pids.e) - cpu0) * 1000) / r.requests;
    process.stdout.write(`gateway: ${Math.round(r.rps)} rps, p50 ${r.p50} ms, p99 ${r.p99} ms, ${cpu.toFixed(0)} CPU ms per 1k requests, non-2xx ${r.non2xx}\n`);
  } finally {
    await rig.stop();
  }
  // tsx's loader thread writes a profile too: the main thread's is the largest.
  const file = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((x, y) => fs.statSync(path.join(dir, y)).size - fs.statSync(path.join(dir, x)).size)[0];
  if (!file) throw new Error(`no profile written in ${dir}`);
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  process.stdout.write(`${summarizeProfile(profile, Number(process.env.PROFILE_TOP ?? 40))}\n${path.join(dir, file)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
    process.exit(1);
  },
);
