import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { forEachLine, type StreamName } from './output';
import type { OrphanGuard } from './reaper';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** Each output line, as the child wrote it. */
  onLine: (line: string, stream: StreamName) => void;
  /** How the orphan guard stops it if the launcher dies first: signal, and stage (lower stops first). */
  orphanStop: { signal: NodeJS.Signals; stage: number };
}

const RECENT_LINES = 20;
const live = new Set<ChildProcess>();
let guard: OrphanGuard | undefined;

/** From now on, every spawned child is also watched by `orphanGuard`. */
export function setOrphanGuard(orphanGuard: OrphanGuard): void {
  guard = orphanGuard;
}

/** A child in its own process group, so a terminal's Ctrl-C reaches only the launcher, which stops children in order. */
export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private exit: ExitInfo | undefined;
  private readonly recent: string[] = [];

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.on('error', (error) => {
        // 'error' without a pid: the process never started, so no 'exit' follows.
        if (child.pid === undefined) this.settle({ code: null, signal: null, error }, resolve);
      });
      child.once('exit', (code, signal) => this.settle({ code, signal }, resolve));
    });
  }

  static spawn(o: SpawnOptions): ManagedProcess {
    const child = spawn(o.command, o.args, {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(o.uid !== undefined ? { uid: o.uid } : {}),
      ...(o.gid !== undefined ? { gid: o.gid } : {}),
    });
    const proc = new ManagedProcess(o.name, child);
    live.add(child);
    const pid = child.pid;
    if (pid !== undefined) {
      guard?.watch(pid, o.orphanStop.signal, o.orphanStop.stage);
      void proc.exited.then(() => guard?.forget(pid));
    }
    const watch = (stream: Readable | null, name: StreamName): void => {
      if (!stream) return;
      forEachLine(stream, (line) => {
        proc.remember(line);
        o.onLine(line, name);
      });
    };
    watch(child.stdout, 'out');
    watch(child.stderr, 'err');
    return proc;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.exit;
  }

  /** The last lines the process wrote, for failure reports. */
  recentLines(): string[] {
    return [...this.recent];
  }

  /** Signals the process alone (it stops its own children); SIGKILL goes to its whole group. */
  kill(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(signal === 'SIGKILL' ? -pid : pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** Sends `signal`, waits until `deadline` (epoch ms), then SIGKILLs the group and waits for the exit. */
  async stop(signal: NodeJS.Signals, deadline: number): Promise<ExitInfo> {
    if (!this.running) return this.exit!;
    this.kill(signal);
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(deadline - Date.now()).then(() => true)]);
    if (timedOut) this.kill('SIGKILL');
    return this.exited;
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
  }

  private settle(info: ExitInfo, resolve: (info: ExitInfo) => void): void {
    if (this.exit) return;
    this.exit = info;
    live.delete(this.child);
    resolve(info);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Last resort when the launcher exits abnormally: SIGKILL every child group still alive. Synchronous, for 'exit'. */
export function killAllChildrenSync(): void {
  for (const child of live) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export function describeExit(info: ExitInfo): string {
  if (info.error) return `could not start: ${info.error.message}`;
  return info.signal ? `was killed by ${info.signal}` : `exited with code ${String(info.code)}`;
}
