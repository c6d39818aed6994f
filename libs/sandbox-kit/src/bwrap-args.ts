import { BRIDGE_PATH, BRIDGE_PORT, EGRESS_MOUNT, SANDBOX_HOME, SANDBOX_INNER_GID, SANDBOX_INNER_UID } from './host-layout';

/** Per-process resource limits, set with prlimit before bwrap starts (inherited by everything the command starts). */
export interface ProcessLimits {
  cpuS: number;
  memoryBytes: number;
  maxProcesses: number;
  maxFileBytes: number;
  maxOpenFiles: number;
}

export interface SandboxCommand {
  prlimit: string;
  bwrap: string;
  limits: ProcessLimits;
  /** The toolchain mounts (HostLayout.mountArgs). */
  mountArgs: readonly string[];
  /** File descriptor (in the child) of the opened working directory. */
  workspaceFd: number;
  /** File descriptor (in the child) bwrap reports the sandbox's init pid on (`--json-status-fd`). */
  statusFd: number;
  tmpBytes: number;
  /** With network: the host directory holding the egress proxy's socket, and the bridge script. */
  egress?: { dir: string; bridgeScript: string; node: string };
  argv: readonly string[];
  mergeStderr: boolean;
}

/**
 * The full command line of one sandboxed command: bwrap unshares every namespace (user, PID, network,
 * IPC, UTS, cgroup; no nested user namespaces), maps the caller to an unprivileged user, mounts only
 * the toolchain read-only, a private /proc, /dev, /tmp and /dev/shm (size-limited, in memory) and the
 * working directory read-write as HOME, makes everything else read-only, and kills the whole sandbox
 * when its parent dies; inside it, prlimit sets the limits and execs the command. The limits are set
 * inside, not on bwrap: RLIMIT_NPROC counts per user namespace only below the namespace's creation, so
 * set on bwrap it would count every sandbox of the same host user together (one fork bomb would keep
 * every other session from starting a command, as measured).
 */
export function sandboxArgv(c: SandboxCommand): string[] {
  const l = c.limits;
  const limit = (name: string, value: number) => `--${name}=${value}:${value}`;
  const prlimit = [
    c.prlimit,
    limit('cpu', l.cpuS),
    limit('data', l.memoryBytes),
    limit('nproc', l.maxProcesses),
    limit('fsize', l.maxFileBytes),
    limit('nofile', l.maxOpenFiles),
    limit('core', 0),
    '--',
  ];
  const bwrap = [
    c.bwrap,
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-net',
    '--unshare-cgroup-try',
    '--uid',
    String(SANDBOX_INNER_UID),
    '--gid',
    String(SANDBOX_INNER_GID),
    '--disable-userns',
    '--die-with-parent',
    '--json-status-fd',
    String(c.statusFd),
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
    ...c.mountArgs,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(c.tmpBytes),
    '--tmpfs',
    '/dev/shm',
    '--perms',
    '1777',
    '--size',
    String(c.tmpBytes),
    '--tmpfs',
    '/tmp',
    '--bind-fd',
    String(c.workspaceFd),
    SANDBOX_HOME,
    ...(c.egress ? ['--ro-bind', c.egress.bridgeScript, BRIDGE_PATH, '--bind', c.egress.dir, EGRESS_MOUNT] : []),
    '--remount-ro',
    '/dev',
    '--remount-ro',
    '/',
    '--chdir',
    SANDBOX_HOME,
    '--',
  ];
  return [...bwrap, ...prlimit, ...wrapped(c)];
}

const READY_FILE = '/tmp/.egress-ready';

/** The command as given, or behind a small sh prologue: stderr into stdout, and the egress bridge started first. */
function wrapped(c: SandboxCommand): string[] {
  const steps: string[] = [];
  if (c.egress) {
    steps.push(
      `${c.egress.node} ${BRIDGE_PATH} ${BRIDGE_PORT} ${EGRESS_MOUNT}/egress.sock ${READY_FILE} >/dev/null 2>&1 &`,
      // Commands may use the network from their first instruction: wait (at most ~5 s) until the bridge listens.
      `i=0; while [ ! -e ${READY_FILE} ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; rm -f ${READY_FILE}`,
    );
  }
  if (steps.length === 0 && !c.mergeStderr) return [...c.argv];
  steps.push(c.mergeStderr ? 'exec "$@" 2>&1' : 'exec "$@"');
  return ['/bin/sh', '-c', steps.join('\n'), 'sandbox', ...c.argv];
}

/** The environment of a sandboxed command: nothing of the platform's, only what tools need to behave. */
export function sandboxEnv(network: boolean): Record<string, string> {
  const proxy = `http://127.0.0.1:${BRIDGE_PORT}`;
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: SANDBOX_HOME,
    USER: 'sandbox',
    LOGNAME: 'sandbox',
    SHELL: '/bin/sh',
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    // Caches go to the sandbox's /tmp, not into the workspace (and its quota).
    npm_config_cache: '/tmp/.npm',
    npm_config_update_notifier: 'false',
    XDG_CACHE_HOME: '/tmp/.cache',
    PYTHONDONTWRITEBYTECODE: '1',
    ...(network
      ? { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, NO_PROXY: 'localhost,127.0.0.1', no_proxy: 'localhost,127.0.0.1' }
      : {}),
  };
}
