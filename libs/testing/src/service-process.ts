import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { trackChild } from './children';
import { LineBuffer } from './line-buffer';
import { freePort } from './ports';
import { findRepoRoot } from './repo-root';
import { defaultServiceRuntime, serviceBundle, type ServiceRuntime } from './service-bundle';

export interface StartServiceProcessOptions {
  /** The app to run: `apps/<app>/src/main.ts`. */
  app: 'registry' | 'auth' | 'gateway' | (string & {});
  /**
   * Merged over `process.env`; PORT, HOST and LOG_FORMAT are always set by the harness. Unless given
   * here, SHUTDOWN_IDLE_GRACE_MS is 0: a stop does not hold idle keep-alive connections open for a
   * load balancer (a test of draining behind a proxy sets it).
   */
  env: Record<string, string>;
  /** Defaults to a free port. */
  port?: number;
  /** How long to wait for `GET /ready` to answer 200 (default 45 s). */
  readyTimeoutMs?: number;
  /** How many stdout/stderr lines `logs()` keeps (default 1000). */
  maxLogLines?: number;
  /** How long `stop()` waits after its signal before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
  /**
   * `bundle` runs the app's prebuilt esbuild bundle (rebuilt when its sources change), `tsx` its
   * sources through `node --import tsx`. Default: env TEST_SERVICE_RUNTIME, else `bundle`.
   */
  runtime?: ServiceRuntime;
}

export interface ServiceProcess {
  /** `http://127.0.0.1:<port>`; unchanged by restart(). */
  readonly url: string;
  readonly port: number;
  /** The pid of the current process (a restart gives a new one). */
  readonly pid: number;
  /** The last captured stdout/stderr lines of every run so far. */
  logs(): string[];
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL: no drain, no deregistration. */
  kill(): Promise<void>;
  /** Starts the app again on the same port with the same env (stopping it first if running). */
  restart(): Promise<void>;
  /**
   * Lets the test process end while this process still runs (it is killed as the test process exits):
   * for a process shared by the test files of a Jest worker (libs/testing workerShared).
   */
  unref(): void;
}

/** The app did not become ready: carries its exit code (if it exited) and its captured logs. */
export class ServiceStartError extends Error {
  constructor(
    message: string,
    readonly logs: string[],
    readonly exitCode: number | null | undefined,
  ) {
    super(`${message}\n--- last ${Math.min(logs.length, 60)} log lines ---\n${logs.slice(-60).join('\n')}`);
    this.name = 'ServiceStartError';
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Run {
  child: ChildProcess;
  exit: Promise<Exit>;
  exited: Exit | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class ServiceProcessHandle implements ServiceProcess {
  readonly url: string;
  private run: Run | undefined;
  private unrefd = false;
  private readonly buffer: LineBuffer;
  private readonly root = findRepoRoot();

  constructor(
    private readonly o: StartServiceProcessOptions,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.buffer = new LineBuffer(o.maxLogLines ?? 1000);
  }

  get pid(): number {
    return this.run?.child.pid ?? -1;
  }

  logs(): string[] {
    return this.buffer.snapshot();
  }

  async start(): Promise<void> {
    const entry = path.join('apps', this.o.app, 'src', 'main.ts');
    if (!fs.existsSync(path.join(this.root, entry))) throw new Error(`no such app entry point: ${entry}`);
    const exitWithParent = ['--require', path.join(this.root, 'tools', 'jest', 'exit-with-parent.js')];
    const args =
      (this.o.runtime ?? defaultServiceRuntime()) === 'bundle'
        ? [...exitWithParent, '--enable-source-maps', await serviceBundle(this.o.app)]
        : [...exitWithParent, '--import', 'tsx', entry];
    const child = spawn(process.execPath, args, {
      cwd: this.root,
      env: {
        ...process.env,
        ...this.o.env,
        LOG_LEVEL: this.o.env.LOG_LEVEL ?? 'warn',
        SHUTDOWN_IDLE_GRACE_MS: this.o.env.SHUTDOWN_IDLE_GRACE_MS ?? '0',
        PORT: String(this.port),
        HOST: '127.0.0.1',
        LOG_FORMAT: 'json',
      },
      // stdin: a pipe that ends when this process does (tools/jest/exit-with-parent.js).
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    trackChild(child);
    if (this.unrefd) unrefChild(child);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.buffer.push('stdout', chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.buffer.push('stderr', chunk));
    const run: Run = {
      child,
      exited: undefined,
      exit: new Promise<Exit>((resolve) => {
        const done = (exit: Exit) => {
          this.buffer.end();
          run.exited ??= exit;
          resolve(run.exited);
        };
        child.once('close', (code, signal) => done({ code, signal }));
        child.once('error', (err) => {
          this.buffer.add(`spawn failed: ${err.message}`);
          done({ code: null, signal: null });
        });
      }),
    };
    this.run = run;
    await this.waitReady(run);
  }

  private async waitReady(run: Run): Promise<void> {
    const timeoutMs = this.o.readyTimeoutMs ?? 45_000;
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      if (run.exited) {
        const { code, signal } = run.exited;
        throw new ServiceStartError(`${this.o.app} exited (code ${code}, signal ${signal}) before it was ready`, this.logs(), code);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        await this.signalAndWait(run, 'SIGKILL');
        throw new ServiceStartError(`${this.o.app} was not ready within ${timeoutMs} ms (last: ${last})`, this.logs(), undefined);
      }
      try {
        const res = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(Math.min(1000, left)) });
        const body = await res.text();
        if (res.status === 200 && !run.exited) return;
        last = `/ready answered ${res.status} ${body.slice(0, 300)}`;
      } catch (err) {
        last = err instanceof Error ? `${err.message}${causeOf(err)}` : String(err);
      }
      await Promise.race([sleep(100), run.exit]);
    }
  }

  /** Sends `signal`, escalating to SIGKILL after `graceMs`, and waits for the exit. */
  private async signalAndWait(run: Run, signal: NodeJS.Signals, graceMs = 10_000): Promise<Exit> {
    if (run.exited) return run.exited;
    run.child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => run.child.kill('SIGKILL'), graceMs);
    try {
      return await run.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.run) return null;
    const exit = await this.signalAndWait(this.run, signal, this.o.stopTimeoutMs ?? 10_000);
    return exit.code;
  }

  unref(): void {
    this.unrefd = true;
    if (this.run) unrefChild(this.run.child);
  }

  async kill(): Promise<void> {
    if (this.run) await this.signalAndWait(this.run, 'SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.run && !this.run.exited) await this.stop();
    await this.start();
  }
}

function unrefChild(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
}

function causeOf(err: Error): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ? ` (${cause.code})` : '';
}

/**
 * Runs `apps/<app>/src/main.ts` as a real child process (its prebuilt bundle, or through tsx; cwd = repo root) and
 * resolves once `GET /ready` answers 200; rejects with the captured logs if it exits or times out.
 */
export async function startServiceProcess(opts: StartServiceProcessOptions): Promise<ServiceProcess> {
  // A port chosen by freePort can be taken before the child binds it: retry on a fresh one.
  for (let attempt = 1; ; attempt++) {
    const handle = new ServiceProcessHandle(opts, opts.port ?? (await freePort()));
    try {
      await handle.start();
      return handle;
    } catch (err) {
      const portTaken = err instanceof ServiceStartError && err.logs.some((l) => l.includes('EADDRINUSE'));
      if (opts.port !== undefined || !portTaken || attempt >= 3) throw err;
    }
  }
}
