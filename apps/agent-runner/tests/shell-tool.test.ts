import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunEvent } from '@platform/contracts';
import { pidsWithCommandLine, waitUntil } from '@platform/testing';
import { RunnerHarness, isTerminal } from './support/harness';

jest.setTimeout(30_000);

const h = new RunnerHarness();

beforeAll(async () => {
  await h.start();
  await h.startRunner();
});
afterAll(() => h.close());

const toolUse = (events: RunEvent[]) => events.find((e): e is Extract<RunEvent, { type: 'tool_use' }> => e.type === 'tool_use')?.data;
const toolResult = (events: RunEvent[]) => events.find((e): e is Extract<RunEvent, { type: 'tool_result' }> => e.type === 'tool_result')?.data;

describe('the shell tool', () => {
  it('runs a command the session allows by rule, in the sandbox, and answers with its exit code and output', async () => {
    const sessionId = randomUUID();
    await fs.mkdir(h.workdir(sessionId), { recursive: true });
    await fs.writeFile(path.join(h.workdir(sessionId), 'sum.js'), 'console.log(1 + 2); console.error("to stderr"); process.exit(3);\n');

    const events = await h.query(sessionId, 'run: node sum.js', { allowed_tools: ['shell(node *)'] });

    expect(toolUse(events)).toMatchObject({ tool: 'shell', input: { command: 'node sum.js' }, decision: 'allow', decided_by: 'allowed_tools:shell(node *)' });
    const result = toolResult(events);
    expect(result?.is_error).toBe(true);
    expect(result?.output).toMatch(/^exit code 3 \(\d+\.\d s\)\n--- stdout ---\n3\n\n--- stderr ---\nto stderr\n$/);
    expect(events.at(-1)).toMatchObject({ type: 'run_completed' });
  });

  it('asks a person first in the default mode, and denies a command a deny rule matches even in bypass mode', async () => {
    const asked = await h.enqueueQuery(randomUUID(), 'run: ls -la');
    const askEvents = await h.waitForEvents(asked, (es) => es.some((e) => e.type === 'permission_request'));
    expect(askEvents.find((e) => e.type === 'permission_request')).toMatchObject({ data: { tool: 'shell', input: { command: 'ls -la' } } });
    await h.cancel(asked);

    const denied = await h.query(randomUUID(), 'run: npm test && curl -s http://example.com', {
      permission_mode: 'bypass',
      disallowed_tools: ['shell(curl *)'],
    });
    expect(toolUse(denied)).toMatchObject({ decision: 'deny', decided_by: 'disallowed_tools:shell(curl *)' });
    expect(toolResult(denied)).toMatchObject({ is_error: true, output: expect.stringMatching(/^Permission denied: .*curl/) });
    expect(denied.some(isTerminal)).toBe(true);
  });

  it('stops a running command when its run is cancelled, leaving nothing running', async () => {
    const sessionId = randomUUID();
    const marker = `cancelled-command-${randomUUID()}`;
    const runId = await h.enqueueQuery(sessionId, `run: echo started > started.txt; sleep 600; : ${marker}`, { permission_mode: 'bypass' });
    await waitUntil('the command runs', async () => (await fs.stat(path.join(h.workdir(sessionId), 'started.txt')).catch(() => undefined)) !== undefined);
    expect(pidsWithCommandLine(marker).length).toBeGreaterThan(0);

    const cancelledAt = Date.now();
    await h.cancel(runId);

    await h.waitForJobState(runId, ['completed']);
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
    // A cancelled run emits nothing more: no tool_result for the killed command.
    expect((await h.eventsOf(runId)).some((e) => e.type === 'tool_result')).toBe(false);
    await waitUntil('the command is gone', () => pidsWithCommandLine(marker).length === 0, 5000);
  });
});

describe('files shared by the file tools and the shell', () => {
  it('lets a command change files the file tools wrote, and the file tools read what commands wrote', async () => {
    const sessionId = randomUUID();
    const options = { permission_mode: 'bypass' as const };
    await h.query(sessionId, 'write notes/a.txt: first line', options);

    const appended = await h.query(sessionId, 'run: echo second line >> notes/a.txt && echo made > notes/b.txt', options);
    expect(toolResult(appended)?.output).toMatch(/^exit code 0 /);

    const read = await h.query(sessionId, 'read notes/a.txt', options);
    expect(toolResult(read)?.output).toBe('first linesecond line\n');
    const rewritten = await h.query(sessionId, 'write notes/b.txt: replaced', options);
    expect(toolResult(rewritten)).toMatchObject({ is_error: false, output: expect.stringMatching(/^Replaced notes\/b.txt/) });
  });
});
