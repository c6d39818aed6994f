import fs from 'node:fs/promises';
import type { RunTestsJob, RunTestsResult } from '@platform/contracts';
import { SandboxUnavailableError, type SandboxExecutor } from '@platform/sandbox-kit';
import { workdirOf } from './run-plan';

/** Test commands `/tdd/validate` may run, by name; argv, never a shell line. */
export type TestCommands = Record<string, string[]>;

export interface TestCommandOptions {
  commands: TestCommands;
  executor: SandboxExecutor;
  workdirRoot: string;
  timeoutMs: number;
  outputLimitBytes: number;
}

/**
 * Runs the named test command in the session's working directory, in the same sandbox as the shell
 * tool (no network, limits, nothing left running after it), with stdout and stderr interleaved.
 */
export async function runTestCommand(o: TestCommandOptions, job: RunTestsJob): Promise<RunTestsResult> {
  const argv = Object.hasOwn(o.commands, job.command) ? o.commands[job.command] : undefined;
  if (!argv || argv.length === 0) return { outcome: 'unknown_command', allowed: Object.keys(o.commands).sort() };
  const stat = await fs.lstat(workdirOf(o.workdirRoot, job.session_id)).catch(() => undefined);
  if (!stat?.isDirectory()) return { outcome: 'no_workdir' };
  try {
    const r = await o.executor.run({
      workspace_id: job.session_id,
      argv,
      merge_stderr: true,
      limits: { timeout_ms: o.timeoutMs, output_limit_bytes: o.outputLimitBytes },
    });
    const timedOut = r.stopped === 'timeout';
    const notes = [
      ...(timedOut ? [`[killed after ${o.timeoutMs} ms]`] : []),
      ...(r.stopped === 'disk_quota' ? ['[stopped: the working directory grew past its quota]'] : []),
    ];
    return {
      outcome: 'finished',
      argv,
      passed: r.stopped === null && r.exit_code === 0,
      exit_code: r.exit_code,
      signal: r.signal,
      timed_out: timedOut,
      duration_ms: r.duration_ms,
      // stderr holds only what the sandbox itself said (the command's own stderr is merged into stdout).
      output: [r.stdout, r.stderr, ...notes].filter(Boolean).join('\n'),
      output_truncated: r.stdout_truncated,
    };
  } catch (err) {
    if (!(err instanceof SandboxUnavailableError)) throw err;
    return {
      outcome: 'finished',
      argv,
      passed: false,
      exit_code: null,
      signal: null,
      timed_out: false,
      duration_ms: 0,
      output: `cannot run ${argv[0]}: ${err.message}`,
      output_truncated: false,
    };
  }
}
