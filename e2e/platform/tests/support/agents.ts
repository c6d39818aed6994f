import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SoloOrchestratorResponseSchema, type Run, type SoloEvent } from '@platform/contracts';
import { findRepoRoot, type JsonClient } from '@platform/testing';
import { runReaches } from './run-control';

const run = promisify(execFile);

/** The repository's jest, for real jest output and as a test command the runner may run. */
export const JEST_BIN = path.join(findRepoRoot(), 'node_modules', '.bin', 'jest');

/** A function with a bug, and a jest test that catches it (and one that passes). */
export const SUM_JS = 'function sum(a, b) {\n  return a - b;\n}\nmodule.exports = { sum };\n';
export const SUM_TEST_JS = [
  "const { sum } = require('./sum');",
  '',
  "describe('sum', () => {",
  "  it('adds two numbers', () => {",
  '    expect(sum(1, 2)).toBe(3);',
  '  });',
  "  it('subtracts nothing from zero', () => {",
  '    expect(sum(0, 0)).toBe(0);',
  '  });',
  '});',
  '',
].join('\n');

/** A node:test file whose one test passes or fails. */
export const nodeTest = (pass: boolean) =>
  `const test = require('node:test');\nconst assert = require('node:assert');\ntest('adds', () => {\n  assert.strictEqual(1 + 2, ${pass ? 3 : 4});\n});\n`;

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) await fs.writeFile(path.join(dir, name), body);
}

/** Runs jest in `dir` as a developer would and returns what it printed (it fails: that is the point). */
export async function jestOutput(dir: string): Promise<string> {
  try {
    await run(JEST_BIN, ['--ci'], { cwd: dir, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  throw new Error(`jest passed in ${dir}; the test expects a failure`);
}

/** `git apply` (check only, or for real) of `patch` in `dir`, as a client would apply a proposed fix. */
export async function gitApply(dir: string, patch: string, check: boolean): Promise<void> {
  const file = path.join(dir, '..', `${path.basename(dir)}.patch`);
  await fs.writeFile(file, patch);
  try {
    await run('git', ['apply', ...(check ? ['--check'] : []), file], { cwd: dir });
  } finally {
    await fs.rm(file, { force: true });
  }
}

/** POST /solo/orchestrator (202), then waits for the event's run to complete. */
export async function orchestrate(as: JsonClient, sessionId: string, event: SoloEvent): Promise<Run> {
  const res = await as.post('/solo/orchestrator', { session_id: sessionId, event });
  if (res.status !== 202) throw new Error(`POST /solo/orchestrator answered ${res.status}: ${res.text.slice(0, 500)}`);
  const accepted = SoloOrchestratorResponseSchema.parse(res.body);
  return runReaches(as, sessionId, accepted.run_id, 'completed');
}
