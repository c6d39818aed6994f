import path from 'node:path';
import { z } from 'zod';

const MiB = 1024 * 1024;
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/**
 * The sandbox's settings, read from the environment by whichever process runs sandboxes (the
 * agent-runner, or the sandbox service beside it). Limits apply to every command; a caller may ask
 * for less time, never more.
 */
export const SandboxSettingsShape = {
  /**
   * `bwrap`: this process starts each command in bubblewrap; `remote`: the sandbox service at
   * SANDBOX_SOCKET does (deployments: it holds none of the runner's secrets); `disabled`: commands are
   * refused. There is no unsandboxed mode.
   */
  SANDBOX: z.enum(['bwrap', 'remote', 'disabled']).default('bwrap'),
  /** Unix socket of the sandbox service (SANDBOX=remote; the service listens on it). */
  SANDBOX_SOCKET: z.string().min(1).optional(),
  SANDBOX_BWRAP_PATH: z.string().min(1).default('bwrap'),
  /** util-linux's prlimit as the sandbox sees it (it runs inside, on the read-only toolchain). */
  SANDBOX_PRLIMIT_PATH: z.string().min(1).default('/usr/bin/prlimit'),
  /**
   * When this process runs as root, commands run as this user and group (never as root): an id no other
   * program on the host uses (not `nobody`, which other daemons share).
   */
  SANDBOX_UID: int(1, 2 ** 31 - 1).default(61_000),
  SANDBOX_GID: int(1, 2 ** 31 - 1).default(61_000),
  /** Wall time of a command unless it asks for less, and the most it may ask for. */
  SANDBOX_TIMEOUT_MS: int(100, 3_600_000).default(120_000),
  SANDBOX_MAX_TIMEOUT_MS: int(100, 3_600_000).default(600_000),
  /** CPU seconds per process (RLIMIT_CPU). */
  SANDBOX_CPU_S: int(1, 3600).default(300),
  /** Data memory per process (RLIMIT_DATA: heap and private mappings). */
  SANDBOX_MEMORY_BYTES: int(16 * MiB, 64 * 1024 * MiB).default(2048 * MiB),
  /** Processes and threads of one command together (RLIMIT_NPROC, counted in the command's own user namespace). */
  SANDBOX_MAX_PROCESSES: int(4, 100_000).default(256),
  SANDBOX_MAX_FILE_BYTES: int(MiB, 64 * 1024 * MiB).default(256 * MiB),
  SANDBOX_MAX_OPEN_FILES: int(16, 1_048_576).default(1024),
  /** Size of the command's private /tmp (and /dev/shm), in memory. */
  SANDBOX_TMP_BYTES: int(MiB, 16 * 1024 * MiB).default(256 * MiB),
  /** What is kept of stdout and of stderr each; the rest is counted, not kept. */
  SANDBOX_OUTPUT_LIMIT_BYTES: int(1024, 16 * MiB).default(64 * 1024),
  /** Extra host directories visible read-only in the sandbox (a toolchain outside /usr, say). */
  SANDBOX_RO_PATHS: list,
  /**
   * Internal addresses the egress proxy may connect to although they are private, loopback or
   * link-local (CIDRs such as `10.1.2.0/24` or `127.0.0.1/32`); empty: none, as for webhooks.
   */
  SANDBOX_EGRESS_ALLOW_PRIVATE: list,
  /** A session's working directory may hold at most this much, and this many entries. */
  WORKSPACE_QUOTA_BYTES: int(MiB, 1024 * 1024 * MiB).default(1024 * MiB),
  WORKSPACE_MAX_FILES: int(10, 10_000_000).default(50_000),
} as const;

export type SandboxSettings = z.infer<z.ZodObject<typeof SandboxSettingsShape>>;

/**
 * Problems a settings object has beyond each field's own rules, for a config's superRefine: a
 * remote sandbox needs its socket, and no read-only path may expose the platform (its working
 * directory, the workspaces, the root).
 */
export function sandboxSettingsProblems(s: SandboxSettings, o: { workdirRoot: string; cwd: string }): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (s.SANDBOX === 'remote' && !s.SANDBOX_SOCKET) problems.push({ path: 'SANDBOX_SOCKET', message: 'is required when SANDBOX=remote' });
  if (s.SANDBOX_TIMEOUT_MS > s.SANDBOX_MAX_TIMEOUT_MS) problems.push({ path: 'SANDBOX_TIMEOUT_MS', message: 'must not exceed SANDBOX_MAX_TIMEOUT_MS' });
  for (const p of s.SANDBOX_RO_PATHS) {
    const abs = path.resolve(p);
    const within = (inner: string, outer: string) => !path.relative(outer, inner).startsWith('..');
    const workdirRoot = path.resolve(o.workdirRoot);
    // An ancestor of the platform's directory or of the workspaces would expose them whole; anything inside the
    // workspaces, other sessions. A path inside the platform's directory (its node_modules, say) is the operator's call.
    if (!path.isAbsolute(p)) problems.push({ path: 'SANDBOX_RO_PATHS', message: `${p} must be an absolute path` });
    else if (within(path.resolve(o.cwd), abs) || within(workdirRoot, abs) || within(abs, workdirRoot))
      problems.push({ path: 'SANDBOX_RO_PATHS', message: `${p} would expose the platform's own files or other sessions' workspaces` });
  }
  for (const cidr of s.SANDBOX_EGRESS_ALLOW_PRIVATE) {
    if (!/^[0-9a-f:.]+\/\d{1,3}$/i.test(cidr)) problems.push({ path: 'SANDBOX_EGRESS_ALLOW_PRIVATE', message: `${cidr} is not a CIDR (e.g. 10.0.0.0/8)` });
  }
  return problems;
}
