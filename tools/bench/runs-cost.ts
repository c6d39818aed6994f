/**
 * Where a run's cost goes: N one-turn runs at C concurrent sessions through the whole platform (offline
 * provider), then CPU per run for every process (and the sessions database's PostgreSQL backends),
 * transactions per run and rows written per run by table. A diagnostic for part 2 of `npm run bench`.
 *
 *   node --import tsx tools/bench/runs-cost.ts [runs=400] [sessions=20]
 *   RUNS_COST_RUNNER_ENV='{"WORKER_CONCURRENCY":"32"}' … (extra agent-runner environment)
 */
import fs from 'node:fs';
import pg from 'pg';
import { startAgentsRig } from './agents-rig';
import { percentile } from './load';
import { cpuTimeMs } from './processes';
import { SessionDriver, type RunTiming } from './session-driver';

interface DbSnapshot {
  commits: number;
  backendCpuMs: number;
  tables: Map<string, { ins: number; upd: number; del: number }>;
}

async function dbSnapshot(client: pg.Client, database: string): Promise<DbSnapshot> {
  const stats = await client.query<{ xact_commit: string }>('SELECT xact_commit FROM pg_stat_database WHERE datname = $1', [database]);
  const tables = await client.query<{ relname: string; n_tup_ins: string; n_tup_upd: string; n_tup_del: string }>(
    'SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables',
  );
  const pids = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  return {
    commits: Number(stats.rows[0]?.xact_commit ?? 0),
    backendCpuMs: pids.rows.reduce((sum, r) => sum + (cpuTimeMs(r.pid) || 0), 0),
    tables: new Map(tables.rows.map((t) => [t.relname, { ins: Number(t.n_tup_ins), upd: Number(t.n_tup_upd), del: Number(t.n_tup_del) }])),
  };
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 400);
  const concurrency = Number(process.argv[3] ?? 20);
  const runnerEnv = JSON.parse(process.env.RUNS_COST_RUNNER_ENV ?? '{}') as Record<string, string>;
  const rig = await startAgentsRig(runnerEnv);
  const dbUrl = new URL(rig.platform.sessionsDbUrl!);
  const database = dbUrl.pathname.slice(1);
  const admin = new pg.Client({ connectionString: dbUrl.toString() });
  await admin.connect();
  try {
    const ids = await rig.createSessions(concurrency, 'cost');
    const drivers = await Promise.all(ids.map((id) => SessionDriver.open(rig.gateway, rig.user.token, id)));
    await Promise.all(drivers.map((d) => d.run('warm up')));
    // pg_stat_* are published by backends at most every 500 ms (PGSTAT_MIN_INTERVAL): let them settle.
    await new Promise((r) => setTimeout(r, 1000));
    const procs = { gateway: rig.platform.gateway, auth: rig.platform.auth, sessions: rig.platform.sessions!, runner: rig.platform.runner! };
    const cpu0 = Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, cpuTimeMs(p.pid)]));
    const db0 = await dbSnapshot(admin, database);
    const timings: RunTiming[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      drivers.map(async (d) => {
        while (next < total) {
          next++;
          timings.push(await d.run('hello'));
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, cpuTimeMs(p.pid)]));
    const backendCpu = (await dbSnapshot(admin, database)).backendCpuMs;
    await new Promise((r) => setTimeout(r, 1000));
    const db1 = await dbSnapshot(admin, database);
    for (const d of drivers) d.close();
    const n = timings.length;
    const line = (k: string, v: string) => console.log(`${k.padEnd(28)} ${v}`);
    line('runs', `${n} at ${concurrency} sessions in ${seconds.toFixed(1)} s = ${(n / seconds).toFixed(1)} runs/s`);
    line('first event p50 / p99 ms', `${percentile(timings.map((t) => t.firstEventMs), 50).toFixed(1)} / ${percentile(timings.map((t) => t.firstEventMs), 99).toFixed(1)}`);
    line('terminal p50 / p99 ms', `${percentile(timings.map((t) => t.terminalMs), 50).toFixed(1)} / ${percentile(timings.map((t) => t.terminalMs), 99).toFixed(1)}`);
    for (const k of Object.keys(procs)) line(`CPU ms/run ${k}`, ((cpu1[k]! - cpu0[k]!) / n).toFixed(2));
    line('CPU ms/run postgres (sessions db)', ((backendCpu - db0.backendCpuMs) / n).toFixed(2));
    line('transactions/run (sessions db)', ((db1.commits - db0.commits) / n).toFixed(2));
    for (const [table, after] of db1.tables) {
      const before = db0.tables.get(table) ?? { ins: 0, upd: 0, del: 0 };
      const per = (a: number, b: number) => ((a - b) / n).toFixed(2);
      if (after.ins + after.upd + after.del > before.ins + before.upd + before.del)
        line(`rows/run ${table}`, `ins ${per(after.ins, before.ins)} upd ${per(after.upd, before.upd)} del ${per(after.del, before.del)}`);
    }
    line('load average', fs.readFileSync('/proc/loadavg', 'utf8').trim());
  } finally {
    await admin.end();
    await rig.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
