import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { constants, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  SandboxExecRequestSchema,
  type SandboxExecRequest,
  type SandboxExecResult,
  type SandboxStopReason,
} from '@platform/contracts';
import type { Logger } from '@platform/service-kit';
import { sandboxArgv, sandboxEnv } from './bwrap-args';
import { CappedOutput } from './capped-output';
import { AddressGuard, EgressAllowlist } from './egress-policy';
import { EgressProxy, type Resolve } from './egress-proxy';
import { SandboxUnavailableError, WorkspaceMissingError, type SandboxExecutor } from './executor';
import { prepareHostLayout, type HostLayout } from './host-layout';
import type { SandboxSettings } from './settings';
import { workspaceUsage, type WorkspaceUsage } from './workspace-usage';

export interface BwrapExecutorOptions {
  settings: SandboxSettings;
  /** `<workdirRoot>/<workspace_id>` is a session's working directory. */
  workdirRoot: string;
  /** Private directory for the sandbox's passwd/group/hosts, the egress bridge and egress sockets. */
  runtimeDir: string;
  logger: Logger;
  /** How the egress proxy resolves names (tests). */
  resolve?: Resolve;
  /** How often a running command's workspace is measured against the quota. */
  quotaCheckMs?: number;
}

const WORKSPACE_FD = 3;
const STATUS_FD = 4;

/**
 * Runs each command in its own bubblewrap sandbox (see sandboxArgv for what that holds back). When
 * this process is root, bubblewrap runs as SANDBOX_UID/GID, so the command's user is neither root nor
 * this process's; otherwise as this process's user inside its own user namespace.
 */
export class BwrapExecutor implements SandboxExecutor {
  readonly kind = 'bwrap';
  private readonly guard: AddressGuard;
  private readonly asUser: { uid: number; gid: number } | undefined;

  private constructor(
    private readonly o: BwrapExecutorOptions,
    private readonly layout: HostLayout,
  ) {
    this.guard = new AddressGuard(o.settings.SANDBOX_EGRESS_ALLOW_PRIVATE);
    this.asUser = process.getuid?.() === 0 ? { uid: o.settings.SANDBOX_UID, gid: o.settings.SANDBOX_GID } : undefined;
  }

  /** Prepares the host side; call `check()` to know whether sandboxes can actually be made here. */
  static async create(o: BwrapExecutorOptions): Promise<BwrapExecutor> {
    await fs.mkdir(o.runtimeDir, { recursive: true });
    // bubblewrap (running as the sandbox's user) resolves each workspace's path to mount it: the root must be
    // traversable, not listable (0711); what the command sees is only its own workspace, mounted by bubblewrap.
    await fs.mkdir(o.workdirRoot, { recursive: true });
    await fs.chmod(o.workdirRoot, 0o711);
    const layout = await prepareHostLayout({ runtimeDir: o.runtimeDir, roPaths: o.settings.SANDBOX_RO_PATHS, nodePath: process.execPath });
    return new BwrapExecutor(o, layout);
  }

  /**
   * Runs `true` in a throwaway workspace beside the real ones: proves bubblewrap, user namespaces, the
   * limits and the workspaces' path (every parent of WORKDIR_ROOT must be traversable by the sandbox's user).
   */
  async check(): Promise<void> {
    const probe = path.join(this.o.workdirRoot, `.probe-${randomUUID()}`);
    await fs.mkdir(probe);
    try {
      if (this.asUser) await fs.chown(probe, this.asUser.uid, this.asUser.gid);
      const request = SandboxExecRequestSchema.parse({ workspace_id: randomUUID(), argv: ['/bin/true'] });
      const result = await this.spawnIn(probe, request, undefined, false);
      if (result.exit_code !== 0) {
        const detail = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
        const hint = await this.untraversableParent();
        throw new SandboxUnavailableError(`bubblewrap could not start a sandbox (exit ${result.exit_code ?? result.signal}): ${detail}${hint ? `; ${hint}` : ''}`);
      }
    } finally {
      await fs.rm(probe, { recursive: true, force: true });
    }
  }

  /**
   * Runs a command in `<workdirRoot>/<workspace_id>`, which must exist: the sandbox never creates a working
   * directory (a deleted session's must not come back; its owner creates it on first use).
   */
  async run(request: SandboxExecRequest, signal?: AbortSignal): Promise<SandboxExecResult> {
    const req = SandboxExecRequestSchema.parse(request);
    return this.spawnIn(path.join(this.o.workdirRoot, req.workspace_id), req, signal, true);
  }

  /** The first directory above the workspaces that the sandbox's user cannot pass through, said as a fix. */
  private async untraversableParent(): Promise<string | undefined> {
    if (!this.asUser) return undefined;
    const { uid, gid } = this.asUser;
    for (let dir = this.o.workdirRoot; ; dir = path.dirname(dir)) {
      const st = await fs.stat(dir).catch(() => undefined);
      const passable = st && (st.mode & 0o001 || (st.uid === uid && st.mode & 0o100) || (st.gid === gid && st.mode & 0o010));
      if (st && !passable) return `${dir} is not traversable by the sandbox's user ${uid} (chmod o+x ${dir}, or move WORKDIR_ROOT)`;
      if (dir === path.dirname(dir)) return undefined;
    }
  }

  /** Removes the runtime directory (commands still running keep their open files until they end). */
  async close(): Promise<void> {
    await fs.rm(this.o.runtimeDir, { recursive: true, force: true });
  }

  private async spawnIn(dir: string, req: ReturnType<typeof SandboxExecRequestSchema.parse>, signal: AbortSignal | undefined, enforceQuota: boolean): Promise<SandboxExecResult> {
    const s = this.o.settings;
    const started = Date.now();
    const quota = { bytes: s.WORKSPACE_QUOTA_BYTES, files: s.WORKSPACE_MAX_FILES };
    const before: WorkspaceUsage = enforceQuota ? await workspaceUsage(dir, this.asUser ? { adopt: this.asUser } : {}) : { bytes: 0, files: 0, complete: true };
    const stdout = new CappedOutput(req.limits.output_limit_bytes ?? s.SANDBOX_OUTPUT_LIMIT_BYTES);
    const stderr = new CappedOutput(req.limits.output_limit_bytes ?? s.SANDBOX_OUTPUT_LIMIT_BYTES);
    const finish = (exit: { code: number | null; signal: string | null }, stopped: SandboxStopReason | null, usage: WorkspaceUsage, egress: EgressProxy | undefined): SandboxExecResult => ({
      exit_code: exit.code,
      signal: exit.signal,
      stdout: stdout.text(),
      stderr: stderr.text(),
      stdout_truncated: stdout.truncated,
      stderr_truncated: stderr.truncated,
      duration_ms: Date.now() - started,
      stopped,
      egress: egress?.decisions ?? [],
      workspace: { bytes: usage.bytes, files: usage.files, quota_bytes: quota.bytes },
    });
    if (signal?.aborted) return finish({ code: null, signal: null }, 'cancelled', before, undefined);

    // The workspace goes in as an open descriptor: no path the command could have re-pointed is followed.
    const workspace = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new WorkspaceMissingError() : err;
    });
    const egress = req.network.mode === 'allowlist' ? await this.startEgress(req) : undefined;
    try {
      const argv = sandboxArgv({
        prlimit: s.SANDBOX_PRLIMIT_PATH,
        bwrap: s.SANDBOX_BWRAP_PATH,
        limits: {
          cpuS: Math.min(req.limits.cpu_s ?? s.SANDBOX_CPU_S, s.SANDBOX_CPU_S),
          memoryBytes: s.SANDBOX_MEMORY_BYTES,
          maxProcesses: s.SANDBOX_MAX_PROCESSES,
          maxFileBytes: s.SANDBOX_MAX_FILE_BYTES,
          maxOpenFiles: s.SANDBOX_MAX_OPEN_FILES,
        },
        mountArgs: this.layout.mountArgs,
        workspaceFd: WORKSPACE_FD,
        statusFd: STATUS_FD,
        tmpBytes: s.SANDBOX_TMP_BYTES,
        ...(egress ? { egress: { dir: egress.dir, bridgeScript: this.layout.bridgeScript, node: process.execPath } } : {}),
        argv: req.argv,
        mergeStderr: req.merge_stderr,
      });
      const child = spawn(argv[0]!, argv.slice(1), {
        env: sandboxEnv(egress !== undefined),
        stdio: ['ignore', 'pipe', 'pipe', workspace.fd, 'pipe'],
        ...(this.asUser ?? {}),
      });
      child.stdout!.on('data', (c: Buffer) => stdout.add(c));
      child.stderr!.on('data', (c: Buffer) => stderr.add(c));
      const init = sandboxInit(child.stdio[STATUS_FD] as NodeJS.ReadableStream);
      let stopped: SandboxStopReason | null = null;
      // Killing the sandbox's init ends its PID namespace and everything the command started; bwrap's
      // --die-with-parent alone was seen not to (an init left running, its parent gone). The init is killed
      // first, while bwrap (its parent, not yet exited) keeps its pid from being reused.
      const stop = (why: SandboxStopReason) => {
        stopped ??= why;
        if (child.exitCode === null && child.signalCode === null) {
          // bwrap reports the init's pid once set up; before that (or if the report is late) it is bwrap's one child.
          const pid = init.pid ?? childPids(child.pid)[0];
          if (pid !== undefined) killQuietly(pid);
        }
        child.kill('SIGKILL');
      };
      const timeoutMs = Math.min(req.limits.timeout_ms ?? s.SANDBOX_TIMEOUT_MS, s.SANDBOX_MAX_TIMEOUT_MS);
      const timer = setTimeout(() => stop('timeout'), timeoutMs);
      const onAbort = () => stop('cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
      const watcher = enforceQuota ? this.watchQuota(dir, before, quota, () => stop('disk_quota')) : undefined;
      const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
        child.once('error', (err: NodeJS.ErrnoException) =>
          reject(new SandboxUnavailableError(`cannot start the sandbox (${err.code === 'ENOENT' ? `${err.path ?? 'bwrap or prlimit'} not found` : err.message})`)),
        );
        child.once('close', (code, sig) => resolve({ code, signal: sig }));
      }).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        watcher?.stop();
      });
      const after = enforceQuota ? await workspaceUsage(dir) : before;
      if (stopped === null && enforceQuota && overQuota(after, before, quota)) stopped = 'disk_quota';
      return finish(exit, stopped, after, egress?.proxy);
    } finally {
      await workspace.close();
      await egress?.close();
    }
  }

  private async startEgress(req: ReturnType<typeof SandboxExecRequestSchema.parse>): Promise<{ dir: string; proxy: EgressProxy; close: () => Promise<void> }> {
    // Unix socket paths are short (108 bytes): a short name under a short runtime directory.
    const dir = path.join(this.layout.egressRoot, randomBytes(6).toString('hex'));
    await fs.mkdir(dir, { mode: 0o711 });
    await fs.chmod(dir, 0o711);
    const proxy = await EgressProxy.start({
      socketPath: path.join(dir, 'egress.sock'),
      allowlist: new EgressAllowlist(req.network),
      guard: this.guard,
      ...(this.o.resolve ? { resolve: this.o.resolve } : {}),
    });
    return { dir, proxy, close: async () => {
      await proxy.close();
      await fs.rm(dir, { recursive: true, force: true });
    } };
  }

  /**
   * Measures the workspace while the command runs; calls `exceeded` once it grows past the quota. Every
   * `quotaCheckMs` (250 ms), but never spending more than a fifth of the time measuring: a big tree (a
   * node_modules of 20,000 files takes ~0.7 s) is measured less often.
   */
  private watchQuota(dir: string, before: WorkspaceUsage, quota: { bytes: number; files: number }, exceeded: () => void): { stop: () => void } {
    const base = this.o.quotaCheckMs ?? 250;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const measure = () => {
      const started = performance.now();
      workspaceUsage(dir)
        .then((now) => {
          if (overQuota(now, before, quota)) exceeded();
        })
        .catch((err: unknown) => this.o.logger.warn('measuring a workspace failed', { err_message: String(err) }))
        .finally(() => {
          if (!stopped) timer = setTimeout(measure, Math.max(base, 4 * (performance.now() - started)));
        });
    };
    timer = setTimeout(measure, base);
    return {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }
}

const killQuietly = (pid: number): void => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
};

/** The children of a process (Linux), none when it is gone. */
function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The pid (in this PID namespace) of the sandbox's init, from bwrap's first status line. */
function sandboxInit(status: NodeJS.ReadableStream): { pid: number | undefined } {
  const init: { pid: number | undefined } = { pid: undefined };
  let buffered = '';
  status.setEncoding('utf8');
  status.on('data', (chunk: string) => {
    if (init.pid !== undefined) return;
    buffered += chunk;
    const pid = /"child-pid":\s*(\d+)/.exec(buffered)?.[1];
    if (pid !== undefined) init.pid = Number(pid);
  });
  status.on('error', () => undefined);
  return init;
}

/** Over the quota and bigger than when the command started (a command may still clean up a full workspace). */
/** An incomplete measure (a tree past the walk's bounds) counts as over. */
const overQuota = (now: WorkspaceUsage, before: WorkspaceUsage, quota: { bytes: number; files: number }): boolean =>
  !now.complete || (now.bytes > quota.bytes && now.bytes > before.bytes) || (now.files > quota.files && now.files > before.files);
