import fs from 'node:fs';
import path from 'node:path';
import { PlatformError } from './errors';
import { renderLogLine, type Output } from './output';
import type { PlannedService } from './plan';
import { ManagedProcess, type ExitInfo } from './processes';
import { waitForReady } from './ready';

export const READY_TIMEOUT_MS = 60_000;
export const STOP_TIMEOUT_MS = 15_000;

export interface LaunchOptions {
  root: string;
  out: Output;
  /** Aborted when shutdown begins: nothing more is started. */
  signal: AbortSignal;
  /** Filled as services start (name → process); stopped by {@link stopServices}. */
  running: Map<string, ManagedProcess>;
  onUnexpectedExit: (svc: PlannedService, info: ExitInfo) => void;
}

export interface ServiceLaunch {
  svc: PlannedService;
  /** The service's environment; resolves once what it needs (Redis, its migrated database) is there. */
  env: Promise<Record<string, string>>;
}

/** Fails before anything starts when a selected service has no `apps/<name>/src/main.ts` (yet). */
export function assertEntryPointsExist(root: string, plan: PlannedService[]): void {
  const missing = plan.filter((s) => !fs.existsSync(path.join(root, s.entry)));
  if (missing.length === 0) return;
  const others = plan.filter((s) => !missing.includes(s)).map((s) => s.name);
  throw new PlatformError(`no entry point for ${missing.map((s) => `${s.name} (${s.entry})`).join(', ')}`, [
    `to start the others only: PLATFORM_SERVICES=${others.join(',')} npm start`,
  ]);
}

function spawnService(svc: PlannedService, env: Record<string, string>, o: LaunchOptions): ManagedProcess {
  const proc = ManagedProcess.spawn({
    name: svc.name,
    command: process.execPath,
    args: ['--import', 'tsx', svc.entry],
    cwd: o.root,
    env: { ...process.env, ...env, ...(o.out.color ? { FORCE_COLOR: '1' } : {}) },
    onLine: (line, stream) => o.out.line(svc.name, renderLogLine(line, o.out.color), stream),
    orphanStop: { signal: 'SIGTERM', stage: 0 },
  });
  o.running.set(svc.name, proc);
  void proc.exited.then((info) => {
    if (!o.signal.aborted) o.onUnexpectedExit(svc, info);
  });
  return proc;
}

function lastLines(proc: ManagedProcess, count = 12): string[] {
  const lines = proc.recentLines().flatMap((l) => renderLogLine(l, false).split('\n'));
  return lines.slice(-count).map((l) => `  ${l}`);
}

async function startOne(launch: ServiceLaunch, after: Promise<void>, o: LaunchOptions): Promise<void> {
  await after;
  const env = await launch.env;
  if (o.signal.aborted) return;
  const { svc } = launch;
  const proc = spawnService(svc, env, o);
  const outcome = await waitForReady(`http://127.0.0.1:${svc.port}/ready`, READY_TIMEOUT_MS, o.signal);
  if (outcome.ready || o.signal.aborted) return;
  throw new PlatformError(
    `${svc.name} is not ready after ${READY_TIMEOUT_MS / 1000} s (last GET /ready: ${outcome.lastAnswer})`,
    [`last lines of ${svc.name}:`, ...lastLines(proc)],
  );
}

/**
 * Starts each service as soon as its environment is ready and every earlier `readyBeforeNext`
 * service answers; resolves once every service answers GET /ready with 200.
 */
export async function launchServices(launches: ServiceLaunch[], o: LaunchOptions): Promise<void> {
  let barrier: Promise<void> = Promise.resolve();
  const started: Array<Promise<void>> = [];
  for (const launch of launches) {
    const ready = startOne(launch, barrier, o);
    started.push(ready);
    if (launch.svc.def.readyBeforeNext) barrier = ready;
  }
  await Promise.all(started);
}

/**
 * SIGTERM to each service in the reverse of manifest order (the gateway before what it calls, the
 * registry last), each given until a shared deadline to drain; then SIGKILL.
 */
export async function stopServices(
  running: Map<string, ManagedProcess>,
  order: string[],
  timeoutMs = STOP_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of [...order].reverse()) await running.get(name)?.stop('SIGTERM', deadline);
}
