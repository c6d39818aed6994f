/**
 * Part 5: what the sandbox costs. (a) One command in-process, sandbox vs. no sandbox: `/bin/true`
 * spawned plainly (the baseline, same process, same run) and in a bubblewrap sandbox through the
 * executor the runner uses (namespaces, mounts, limits, the workspace measured for its quota), and
 * with a network allowlist (egress proxy and bridge). (b) The shell tool end to end through the
 * gateway: `POST …/query?wait=true` of `run: true` against a plain answer of the same session.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BwrapExecutor, SandboxSettingsShape } from '@platform/sandbox-kit';
import { createLogger } from '@platform/service-kit';
import { percentile } from './load';
import { call } from './accounts';
import { SESSIONS, type AgentsRig } from './agents-rig';

const run = promisify(execFile);

export interface Latency {
  p50: number;
  p99: number;
  n: number;
}

export interface SandboxReport {
  plainSpawn: Latency;
  sandboxed: Latency;
  sandboxedWithNetwork: Latency;
  /** p50 and p99 of sandboxed minus the baseline's. */
  overheadP50: number;
  overheadP99: number;
  shellQuery: Latency;
  plainQuery: Latency;
}

async function timed(n: number, once: () => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < Math.min(5, n); i++) await once(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    ms.push(performance.now() - t);
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), n };
}

export async function sandboxBench(o: { commands: number; queries: number }, log: (line: string) => void, rig: AgentsRig): Promise<SandboxReport> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-sbx-'));
  const settings = z.object(SandboxSettingsShape).parse({});
  const executor = await BwrapExecutor.create({ settings, workdirRoot: root, runtimeDir: await fs.mkdtemp(path.join(os.tmpdir(), 'bench-rt-')), logger: createLogger({ service: 'bench', level: 'error' }) });
  try {
    await executor.check();
    const workspace = randomUUID();
    await fs.mkdir(path.join(root, workspace));
    const plainSpawn = await timed(o.commands, () => run('/bin/true'));
    const sandboxed = await timed(o.commands, () => executor.run({ workspace_id: workspace, argv: ['/bin/true'] }));
    const sandboxedWithNetwork = await timed(Math.min(o.commands, 50), () =>
      executor.run({ workspace_id: workspace, argv: ['/bin/true'], network: { mode: 'allowlist', hosts: ['example.com'] } }),
    );
    log(`  /bin/true: plain spawn p50 ${plainSpawn.p50.toFixed(1)} ms, sandboxed p50 ${sandboxed.p50.toFixed(1)} / p99 ${sandboxed.p99.toFixed(1)} ms, with an allowlist p50 ${sandboxedWithNetwork.p50.toFixed(1)} ms`);

    const session = await call<{ id: string }>(rig.gateway, 'POST', SESSIONS, { token: rig.user.token, body: { name: 'bench shell', options: { permission_mode: 'bypass' } }, expect: 201 });
    const query = (message: string) => () =>
      call(rig.gateway, 'POST', `${SESSIONS}/${session.id}/query?wait=true`, { token: rig.user.token, body: { message }, expect: 200 });
    const shellQuery = await timed(o.queries, query('run: true'));
    const plainQuery = await timed(o.queries, query('hello'));
    log(`  query with one shell call p50 ${shellQuery.p50.toFixed(1)} / p99 ${shellQuery.p99.toFixed(1)} ms; a plain answer p50 ${plainQuery.p50.toFixed(1)} ms`);
    return {
      plainSpawn,
      sandboxed,
      sandboxedWithNetwork,
      overheadP50: sandboxed.p50 - plainSpawn.p50,
      overheadP99: sandboxed.p99 - plainSpawn.p99,
      shellQuery,
      plainQuery,
    };
  } finally {
    await executor.close();
    await fs.rm(root, { recursive: true, force: true });
  }
}
