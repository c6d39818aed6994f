import { z } from 'zod';
import type { SandboxExecResult } from '@platform/contracts';
import { SandboxUnavailableError, WorkspaceMissingError } from '@platform/sandbox-kit';
import { ToolError, defineTool } from './types';

export const SHELL_MAX_COMMAND_CHARS = 20_000;

/** Text the model reads for a finished command: how it ended, what it printed, where it tried to connect. */
export function describeResult(r: SandboxExecResult): string {
  const seconds = (r.duration_ms / 1000).toFixed(1);
  const ended =
    r.stopped === 'timeout'
      ? `stopped: it ran out of time (${seconds} s) and was killed with everything it started`
      : r.stopped === 'cancelled'
        ? 'stopped: the run was cancelled'
        : r.stopped === 'disk_quota'
          ? `stopped: the working directory grew past its quota (${mib(r.workspace.bytes)} of ${mib(r.workspace.quota_bytes)} used); delete files to free space`
          : r.exit_code === null
            ? `ended by signal ${r.signal ?? 'unknown'}`
            : `exit code ${r.exit_code}`;
  const parts = [`${ended} (${seconds} s)`];
  const stream = (name: string, text: string, truncated: boolean) => {
    if (text === '' && !truncated) return;
    parts.push(`--- ${name} ---\n${text.replace(/\0/g, '\uFFFD')}${truncated ? `\n[${name} truncated]` : ''}`);
  };
  stream('stdout', r.stdout, r.stdout_truncated);
  stream('stderr', r.stderr, r.stderr_truncated);
  const refused = r.egress.filter((e) => !e.allowed);
  if (refused.length > 0) parts.push(`--- network ---\n${refused.map((e) => `refused ${e.host}:${e.port}: ${e.reason ?? ''}`).join('\n')}`);
  return parts.join('\n');
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export const shell = defineTool({
  name: 'shell',
  kind: 'execute',
  description:
    'Run one command line with /bin/sh in the working directory (which is also HOME), in a sandbox: no network ' +
    "unless the session's network policy allows named hosts (through HTTP_PROXY), a time limit, and nothing left " +
    'running afterwards. Answers with the exit code, stdout and stderr.',
  input: z.strictObject({
    command: z.string().min(1).max(SHELL_MAX_COMMAND_CHARS).describe('The command line, e.g. "npm test" or "ls -la | head"'),
    timeout_ms: z.number().int().min(100).max(3_600_000).optional().describe('Time limit for this command (the sandbox may allow less)'),
  }),
  async run(input, ctx) {
    try {
      const result = await ctx.exec(
        { argv: ['/bin/sh', '-c', input.command], ...(input.timeout_ms ? { limits: { timeout_ms: input.timeout_ms } } : {}) },
        ctx.signal,
      );
      if (result.stopped === 'cancelled' && ctx.signal.aborted) throw ctx.signal.reason;
      return { output: describeResult(result), isError: result.stopped !== null || result.exit_code !== 0 };
    } catch (err) {
      if (err instanceof SandboxUnavailableError) throw new ToolError(`The shell is not available on this runner: ${err.message}`);
      if (err instanceof WorkspaceMissingError) throw new ToolError('The working directory no longer exists (the session was deleted).');
      throw err;
    }
  },
});
