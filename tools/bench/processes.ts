import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRepoRoot } from '@platform/testing';

/** A child process of the benchmark: stdout and stderr go to a log file (a pipe would cost the load generator CPU). */
export interface BenchProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export const ROOT = findRepoRoot();
export const RESULTS_DIR = path.join(ROOT, 'bench-results');
const LOG_DIR = path.join(RESULTS_DIR, 'logs');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const live = new Set<ChildProcess>();
/** Kills every child still running (used on exit and on Ctrl-C). */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}
process.once('exit', killAll);

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** The base URL the process serves. */
  url: string;
  /** Path polled until it answers (any status unless `readyStatus`); default `/`. */
  readyPath?: string;
  readyStatus?: number;
  readyTimeoutMs?: number;
}

/** Spawns a process, waits until `url + readyPath` answers, and returns a handle that stops it. */
export async function spawnProcess(o: SpawnOptions): Promise<BenchProcess> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${o.name}.log`);
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(o.command, o.args, { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  live.add(child);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    }),
  );
  const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${o.name} exited before it was ready; see ${logFile}:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${o.url}${o.readyPath ?? '/'}`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (o.readyStatus === undefined || res.status === o.readyStatus) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${o.name} was not ready in time; see ${logFile}:\n${tail(logFile)}`);
    }
    await sleep(100);
  }
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (exited) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  return { name: o.name, url: o.url, pid: child.pid ?? -1, logFile, stop: () => signalAndWait('SIGTERM'), kill: () => signalAndWait('SIGKILL') };
}

/** A TypeScript entry point of this repo run like the services are (`node --import tsx`). */
export function spawnTs(name: string, entry: string, args: string[], url: string, extra: Partial<SpawnOptions> & { nodeArgs?: string[] } = {}): Promise<BenchProcess> {
  const { nodeArgs = [], ...rest } = extra;
  return spawnProcess({ name, command: process.execPath, args: [...nodeArgs, '--import', 'tsx', entry, ...args], url, ...rest });
}

/** One platform service (`apps/<app>/src/main.ts`) in production mode, ready when `/ready` answers 200. */
export function spawnService(app: string, port: number, env: Record<string, string>, nodeArgs: string[] = []): Promise<BenchProcess> {
  const url = `http://127.0.0.1:${port}`;
  return spawnTs(app, path.join('apps', app, 'src', 'main.ts'), [], url, {
    nodeArgs,
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', LOG_FORMAT: 'json', HOST: '127.0.0.1', PORT: String(port), ...env },
    readyPath: '/ready',
    readyStatus: 200,
  });
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

export { cpuTimeMs, treeCpuTimeMs } from '@platform/testing';

/** Resident memory of a process (bytes), from /proc (Linux); NaN where unreadable. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Runs `fn` while sampling `pid`'s RSS every `everyMs`: the result, RSS before, and the peak seen. */
export async function withRssPeak<T>(pid: number, fn: () => Promise<T>, everyMs = 10): Promise<{ value: T; before: number; peak: number }> {
  const before = rssBytes(pid);
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), everyMs);
  try {
    const value = await fn();
    peak = Math.max(peak, rssBytes(pid));
    return { value, before, peak };
  } finally {
    clearInterval(timer);
  }
}

/** Pins a process and all its threads to one CPU, or every CPU with `'all'` (`taskset`); false where that is not possible. */
export function pinToCpu(pid: number, cpu: number | 'all'): boolean {
  try {
    const cpus = cpu === 'all' ? `0-${os.cpus().length - 1}` : String(cpu);
    execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
