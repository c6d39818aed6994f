import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import type { RunTestsJob, RunTestsResult } from '@platform/contracts';
import { workdirOf } from './run-plan';

/** Test commands `/tdd/validate` may run, by name; argv, never a shell line. */
export type TestCommands = Record<string, string[]>;

export interface TestCommandOptions {
  commands: TestCommands;
  workdirRoot: string;
  timeoutMs: number;
  outputLimitBytes: number;
}

/**
 * The environment a test command gets: enough to find its tools and run quietly, nothing of the
 * runner's own (provider keys, service secrets), since the code under test is whatever the session wrote.
 */
function testEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'];
  const env: NodeJS.ProcessEnv = Object.fromEntries(keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
  return { ...env, HOME: os.tmpdir(), TMPDIR: os.tmpdir(), CI: 'true', NODE_ENV: 'test', NO_COLOR: '1', FORCE_COLOR: '0' };
}

/** Keeps the first `limit` bytes of what a process prints, counting the rest. */
class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  text(): string {
    // A cut may fall inside a character; the decoder replaces the broken tail.
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs the named test command in the session's working directory: spawned without a shell, in its own
 * process group (a timeout kills the whole group, test workers included), with a bounded output.
 */
export async function runTestCommand(o: TestCommandOptions, job: RunTestsJob): Promise<RunTestsResult> {
  const argv = Object.hasOwn(o.commands, job.command) ? o.commands[job.command] : undefined;
  const [file, ...args] = argv ?? [];
  if (!argv || file === undefined) return { outcome: 'unknown_command', allowed: Object.keys(o.commands).sort() };
  const cwd = workdirOf(o.workdirRoot, job.session_id);
  const stat = await fs.lstat(cwd).catch(() => undefined);
  if (!stat?.isDirectory()) return { outcome: 'no_workdir' };
  const started = Date.now();
  const output = new CappedOutput(o.outputLimitBytes);
  const child = spawn(file, args, { cwd, env: testEnv(), shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => output.add(c));
  child.stderr.on('data', (c: Buffer) => output.add(c));
  let timedOut = false;
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, o.timeoutMs);
  const ended = await new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error: `cannot start ${file}: ${err.code ?? err.message}` }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  // Whatever the command left running in its group (a watcher, a stray server) goes with it.
  if (!ended.error) killGroup();
  const text = ended.error ? `${ended.error}\n${output.text()}` : output.text();
  return {
    outcome: 'finished',
    argv,
    passed: !timedOut && !ended.error && ended.code === 0,
    exit_code: ended.code,
    signal: ended.signal,
    timed_out: timedOut,
    duration_ms: Date.now() - started,
    output: timedOut ? `${text}\n[killed after ${o.timeoutMs} ms]` : text,
    output_truncated: output.truncated,
  };
}
