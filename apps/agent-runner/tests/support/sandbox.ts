import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { SandboxExecResult } from '@platform/contracts';
import type { SandboxExecutor } from '@platform/sandbox-kit';
import type { RunnerHarness } from './harness';

/** Small limits so the tests that hit them end quickly. */
export const TIGHT_LIMITS: Record<string, string> = {
  SANDBOX_MAX_PROCESSES: '64',
  SANDBOX_MEMORY_BYTES: String(256 * 1024 * 1024),
  SANDBOX_MAX_FILE_BYTES: String(4 * 1024 * 1024),
  SANDBOX_TMP_BYTES: String(4 * 1024 * 1024),
  WORKSPACE_QUOTA_BYTES: String(8 * 1024 * 1024),
  SANDBOX_TIMEOUT_MS: '20000',
};

/** A sandbox on the harness's workspaces, and a fresh workspace id per call of `workspace()`. */
export async function sandboxOn(h: RunnerHarness, env: Record<string, string> = {}) {
  const executor: SandboxExecutor = await h.sandbox(h.config({ ...TIGHT_LIMITS, ...env }));
  const workspace = async (files: Record<string, string> = {}): Promise<string> => {
    const id = randomUUID();
    await fs.mkdir(h.workdir(id), { recursive: true });
    for (const [name, body] of Object.entries(files)) await fs.writeFile(`${h.workdir(id)}/${name}`, body);
    return id;
  };
  /** Runs a shell line in workspace `id` (a fresh one by default). */
  const sh = async (line: string, o: { id?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<SandboxExecResult> =>
    executor.run(
      { workspace_id: o.id ?? (await workspace()), argv: ['/bin/sh', '-c', line], ...(o.timeoutMs ? { limits: { timeout_ms: o.timeoutMs } } : {}) },
      o.signal,
    );
  return { executor, workspace, sh };
}

/** A node one-liner for `sh -c`, single-quoted. */
export const nodeLine = (script: string): string => `node -e '${script.replace(/'/g, "'\\''")}'`;

/**
 * A fork bomb that holds on to what it forks: node spawns `sh -c 'sleep 600; : <marker>'` until the
 * process limit refuses (spawn errors are ignored, node stays), so the sandbox sits at its limit until killed.
 */
export const holdingBomb = (marker: string): string =>
  nodeLine(
    `const { spawn } = require("node:child_process"); let n = 0; const more = () => { const c = spawn("sh", ["-c", "sleep 600; : ${marker}"]); c.on("error", () => console.error("Cannot fork: " + n)); if (++n < 500) setTimeout(more, 1); }; more(); setInterval(() => {}, 1000);`,
  );
