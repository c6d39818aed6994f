import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { LineBuffer, findRepoRoot } from '@platform/testing';

export const HAPROXY_CFG = path.join(findRepoRoot(), 'haproxy.cfg');

/** The HAProxy binary, or an error telling how to get it (CI installs Debian's package in .ci/run). */
export function requireHaproxy(): string {
  const found = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error('haproxy is not installed: apt-get install -y haproxy (.ci/run does this before the tests)');
  }
  return found.stdout.split('\n')[0] ?? '';
}

/** `haproxy -c -f haproxy.cfg` with `env` on top of a clean environment. */
export function checkConfig(env: Record<string, string> = {}): { ok: boolean; output: string } {
  const r = spawnSync('haproxy', ['-c', '-f', HAPROXY_CFG], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 10_000,
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** One row of the stats page's CSV export (the fields the tests read). */
export interface ServerStats {
  proxy: string;
  server: string;
  status: string;
  address: string;
  /** Sessions (requests, in HTTP mode with keep-alive counted per request) the server took. */
  total: number;
}

export interface HaproxyProcess {
  readonly url: string;
  /** The stats page (needs the credentials). */
  readonly statsUrl: string;
  stats(): Promise<ServerStats[]>;
  /** The gateway backend's servers that have an address. */
  gateways(): Promise<ServerStats[]>;
  logs(): string[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function parseStatsCsv(csv: string): ServerStats[] {
  const [header, ...rows] = csv.trim().split('\n');
  const names = (header ?? '').replace(/^# /, '').split(',');
  const col = (name: string) => names.indexOf(name);
  return rows.map((line) => {
    const f = line.split(',');
    return {
      proxy: f[col('pxname')] ?? '',
      server: f[col('svname')] ?? '',
      status: f[col('status')] ?? '',
      address: f[col('addr')] ?? '',
      total: Number(f[col('stot')] ?? 0),
    };
  });
}

/**
 * Runs `haproxy -db -f haproxy.cfg` with `env` (HAPROXY_STATS_BIND and HAPROXY_STATS_PASSWORD are
 * required here: readiness and assertions read the stats page) and resolves once that page answers.
 */
export async function startHaproxy(env: Record<string, string>, readyTimeoutMs = 10_000): Promise<HaproxyProcess> {
  const statsBind = env.HAPROXY_STATS_BIND;
  const httpBind = env.HAPROXY_HTTP_BIND;
  if (!statsBind || !httpBind || !env.HAPROXY_STATS_PASSWORD)
    throw new Error('startHaproxy needs HAPROXY_HTTP_BIND, HAPROXY_STATS_BIND and HAPROXY_STATS_PASSWORD');
  const logs = new LineBuffer(2000);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', HAPROXY_CFG], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.stdout?.setEncoding('utf8').on('data', (c: string) => logs.push('stdout', c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => logs.push('stderr', c));

  const auth = `Basic ${Buffer.from(`${env.HAPROXY_STATS_USER ?? 'admin'}:${env.HAPROXY_STATS_PASSWORD}`).toString('base64')}`;
  const stats = async (): Promise<ServerStats[]> => {
    const res = await fetch(`http://${statsBind}/stats;csv`, {
      headers: { authorization: auth },
      signal: AbortSignal.timeout(2000),
    });
    if (res.status !== 200) throw new Error(`stats page answered ${res.status}`);
    return parseStatsCsv(await res.text());
  };
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (!done) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (done) throw new Error(`haproxy exited before it was ready:\n${logs.snapshot().join('\n')}`);
    try {
      await stats();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `haproxy stats page not up within ${readyTimeoutMs} ms (${String(err)}):\n${logs.snapshot().join('\n')}`,
        );
      }
      await sleep(50);
    }
  }
  return {
    url: `http://${httpBind}`,
    statsUrl: `http://${statsBind}/stats`,
    stats,
    gateways: async () =>
      (await stats()).filter((s) => s.proxy === 'gateway' && s.server !== 'BACKEND' && s.address !== ''),
    logs: () => logs.snapshot(),
    stop,
  };
}
