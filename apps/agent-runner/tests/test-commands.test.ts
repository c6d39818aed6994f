import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { RUN_TESTS_JOB_NAME, RunTestsResultSchema, type RunTestsResult } from '@platform/contracts';
import type { SandboxExecutor } from '@platform/sandbox-kit';
import { runTestCommand, type TestCommands } from '../src/test-commands';
import { pidsWithCommandLine, waitUntil } from '@platform/testing';
import { RunnerHarness } from './support/harness';

jest.setTimeout(30_000);

const h = new RunnerHarness();
let executor: SandboxExecutor;
beforeAll(async () => {
  await h.start();
  executor = await h.sandbox();
});
afterAll(() => h.close());

const PASSING = "const test = require('node:test');\nconst assert = require('node:assert');\ntest('adds', () => assert.strictEqual(1 + 2, 3));\n";
const FAILING = "const test = require('node:test');\nconst assert = require('node:assert');\ntest('adds', () => assert.strictEqual(1 + 2, 4));\n";

/** A session working directory holding `files`. */
async function workdirWith(files: Record<string, string>): Promise<string> {
  const sessionId = randomUUID();
  await fs.mkdir(h.workdir(sessionId), { recursive: true });
  for (const [name, body] of Object.entries(files)) await fs.writeFile(`${h.workdir(sessionId)}/${name}`, body);
  return sessionId;
}

const run = (commands: TestCommands, sessionId: string, command: string, o: { timeoutMs?: number; outputLimitBytes?: number } = {}) =>
  runTestCommand({ commands, executor, workdirRoot: h.workdirRoot, timeoutMs: o.timeoutMs ?? 20_000, outputLimitBytes: o.outputLimitBytes ?? 64 * 1024 }, { v: 1, session_id: sessionId, command });

const finished = (r: RunTestsResult) => {
  if (r.outcome !== 'finished') throw new Error(`expected a finished run, got ${r.outcome}`);
  return r;
};

const NODE_TEST: TestCommands = { 'node-test': ['node', '--test'] };

describe('runTestCommand', () => {
  it('runs an allowed command in the session working directory and reports pass and fail with the output', async () => {
    const passing = finished(await run(NODE_TEST, await workdirWith({ 'sum.test.js': PASSING }), 'node-test'));
    const failing = finished(await run(NODE_TEST, await workdirWith({ 'sum.test.js': FAILING }), 'node-test'));

    expect(passing).toMatchObject({ argv: ['node', '--test'], passed: true, exit_code: 0, signal: null, timed_out: false, output_truncated: false });
    expect(passing.output).toMatch(/# pass 1/);
    expect(failing).toMatchObject({ passed: false, exit_code: 1, timed_out: false });
    expect(failing.output).toMatch(/not ok 1 - adds[\s\S]*expected: 4/);
  });

  it('refuses names it does not know, listing the allowed ones, and sessions without a working directory', async () => {
    expect(await run({ b: ['true'], a: ['true'] }, randomUUID(), 'rm')).toEqual({ outcome: 'unknown_command', allowed: ['a', 'b'] });
    expect(await run({ b: ['true'] }, randomUUID(), 'toString')).toEqual({ outcome: 'unknown_command', allowed: ['b'] });
    expect(await run(NODE_TEST, randomUUID(), 'node-test')).toEqual({ outcome: 'no_workdir' });
  });

  it('passes arguments without a shell and gives the command none of the runner secrets, in the sandbox', async () => {
    process.env.TDD_SECRET_PROBE = 'leaked';
    try {
      const echo = {
        echo: ['node', '-e', 'console.log(process.argv[1]); console.log(process.env.TDD_SECRET_PROBE ?? "no secret"); console.log(process.cwd(), process.getuid())', 'a; echo pwned $HOME'],
      };
      const r = finished(await run(echo, await workdirWith({}), 'echo'));
      expect(r.output).toBe('a; echo pwned $HOME\nno secret\n/workspace 1000\n');
    } finally {
      delete process.env.TDD_SECRET_PROBE;
    }
  });

  it('kills a command that runs too long, with the detached processes it started', async () => {
    const marker = `tdd-survivor-${randomUUID()}`;
    const grandchild = `require('node:fs').writeFileSync('child.started', '${marker}'); setTimeout(() => {}, 60000)`;
    const script = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore', detached: true }).unref(); setTimeout(() => {}, 60000);`;
    const sessionId = await workdirWith({});
    // Long enough for two Node processes to start on a loaded machine (the grandchild must exist to be killed).
    const r = finished(await run({ hang: ['node', '-e', script] }, sessionId, 'hang', { timeoutMs: 3000 }));
    expect(r).toMatchObject({ passed: false, timed_out: true, exit_code: null, signal: 'SIGKILL' });
    expect(r.output).toMatch(/\[killed after 3000 ms\]$/);
    expect(await fs.readFile(`${h.workdir(sessionId)}/child.started`, 'utf8')).toBe(marker);
    // The sandbox's PID namespace ends with it: no process on this machine still carries the marker.
    await waitUntil('the detached grandchild is gone', () => pidsWithCommandLine(marker).length === 0, 5000);
  });

  it('keeps only the first bytes of a long output and says so; a missing program fails the run', async () => {
    const loud = finished(await run({ loud: ['node', '-e', "process.stdout.write('x'.repeat(200000))"] }, await workdirWith({}), 'loud', { outputLimitBytes: 1024 }));
    expect(loud).toMatchObject({ passed: true, output_truncated: true });
    expect(loud.output).toBe('x'.repeat(1024));
    const missing = finished(await run({ gone: ['definitely-not-installed-tdd'] }, await workdirWith({}), 'gone'));
    expect(missing).toMatchObject({ passed: false, exit_code: 127 });
    expect(missing.output).toMatch(/definitely-not-installed-tdd: not found/);
  });
});

describe('the run-tests job', () => {
  it('is run by the runner from the agent-runs queue, its result the job return value', async () => {
    const runner = await h.startRunner({ TDD_TEST_COMMANDS: JSON.stringify(NODE_TEST) });
    try {
      const sessionId = await workdirWith({ 'sum.test.js': FAILING });
      const job = await h.queue.add(RUN_TESTS_JOB_NAME, { v: 1, session_id: sessionId, command: 'node-test' }, { attempts: 1 });
      await h.waitForJobState(job.id ?? '', ['completed', 'failed']);
      const done = await h.queue.getJob(job.id ?? '');
      expect(RunTestsResultSchema.parse(done?.returnvalue)).toMatchObject({ outcome: 'finished', passed: false, exit_code: 1 });
    } finally {
      await runner.stop();
    }
  });
});
