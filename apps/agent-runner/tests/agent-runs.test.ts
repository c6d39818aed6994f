import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { RunEvent } from '@platform/contracts';
import { RunnerHarness, SERVICE_TOKEN, type Runner } from './support/harness';

jest.setTimeout(30_000);

const h = new RunnerHarness();
let runner: Runner;

beforeAll(async () => {
  await h.start();
  runner = await h.startRunner();
});
afterAll(() => h.close());

const ofType = <T extends RunEvent['type']>(events: RunEvent[], type: T) =>
  events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
const textOf = (events: RunEvent[]) =>
  ofType(events, 'text_delta')
    .map((e) => e.data.text)
    .join('');

/** Event types with runs of text_delta folded into one `text_delta…`. */
function shape(events: RunEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const label =
      e.type === 'message_complete'
        ? `message_complete(${e.data.role})`
        : e.type === 'tool_use'
          ? `tool_use(${e.data.decision})`
          : e.type;
    if (label === 'text_delta' && out.at(-1) === 'text_delta…') continue;
    out.push(label === 'text_delta' ? 'text_delta…' : label);
  }
  return out;
}

describe('agent runs through the queue', () => {
  it('lists the files: streams text, calls list_files, feeds the result back and completes, all in order', async () => {
    const sessionId = randomUUID();
    await fs.mkdir(path.join(h.workdir(sessionId), 'src'), { recursive: true });
    await fs.writeFile(path.join(h.workdir(sessionId), 'README.md'), '# hi\n');

    const events = await h.query(sessionId, 'list the files');

    expect(shape(events)).toEqual([
      'run_started',
      'text_delta…',
      'message_complete(assistant)',
      'tool_use(allow)',
      'tool_result',
      'message_complete(tool)',
      'text_delta…',
      'message_complete(assistant)',
      'run_completed',
    ]);
    expect(events.map((e) => e.run_seq)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.session_id === sessionId && e.v === 1)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'run_started', data: { provider: 'offline', model: 'offline-echo-1' } });
    // Streamed: the first word goes out alone at once; words that come while it is being written join the next delta.
    const deltas = ofType(events, 'text_delta').map((e) => e.data.text);
    expect(deltas.length).toBeGreaterThanOrEqual(4);
    expect(deltas[0]).toBe('Listing ');
    const [first, last] = ofType(events, 'message_complete').filter((e) => e.data.role === 'assistant');
    expect(first?.data.content).toEqual([
      { type: 'text', text: 'Listing the files in the working directory.' },
      { type: 'tool_use', id: expect.stringMatching(/^toolu_offline_/), name: 'list_files', input: { path: '.' } },
    ]);
    expect(last?.data.content).toEqual([{ type: 'text', text: 'The working directory contains: README.md, src/.' }]);
    expect(textOf(events)).toBe(
      'Listing the files in the working directory.The working directory contains: README.md, src/.',
    );
    const [toolUse] = ofType(events, 'tool_use');
    expect(toolUse?.data).toMatchObject({ tool: 'list_files', decided_by: 'mode:default', reason: null });
    expect(ofType(events, 'tool_result')[0]?.data).toEqual({
      tool_use_id: toolUse?.data.tool_use_id,
      output: 'README.md\nsrc/',
      is_error: false,
    });
    const usage = ofType(events, 'message_complete').reduce((n, e) => n + (e.data.usage?.input_tokens ?? 0), 0);
    expect(ofType(events, 'run_completed')[0]?.data).toEqual({
      usage: { input_tokens: usage, output_tokens: expect.any(Number) },
      cost_usd: 0,
      turns: 2,
      stop_reason: 'end_turn',
    });
    expect(h.sessions.authHeaders.at(-1)).toBe(`Bearer ${SERVICE_TOKEN}`);
    await expect(h.waitForJobState(events[0]!.run_id, ['completed'])).resolves.toBe('completed');
  });

  it('denies a write that disallowed_tools forbids with a reason, tells the model, and still completes', async () => {
    const sessionId = randomUUID();
    const events = await h.query(sessionId, 'write notes.txt: remember the milk', { disallowed_tools: ['write_file'] });
    const [decision] = ofType(events, 'tool_use');
    expect(decision?.data).toMatchObject({
      tool: 'write_file',
      input: { path: 'notes.txt', content: 'remember the milk' },
      decision: 'deny',
      decided_by: 'disallowed_tools',
      reason: expect.stringMatching(/disallowed_tools/),
    });
    expect(ofType(events, 'tool_result')[0]?.data).toMatchObject({
      is_error: true,
      output: expect.stringMatching(/^Permission denied/),
    });
    expect(ofType(events, 'message_complete').at(-1)?.data.content[0]).toMatchObject({
      text: expect.stringMatching(/did not go through: Permission denied/),
    });
    expect(events.at(-1)?.type).toBe('run_completed');
    await expect(fs.stat(path.join(h.workdir(sessionId), 'notes.txt'))).rejects.toThrow();
  });

  it('writes in accept_edits mode, and a later run of the same session continues its history', async () => {
    const sessionId = randomUUID();
    const write = await h.query(sessionId, 'write notes.txt: remember the milk', { permission_mode: 'accept_edits' });
    expect(ofType(write, 'tool_use')[0]?.data).toMatchObject({ decision: 'allow', decided_by: 'mode:accept_edits' });
    await expect(fs.readFile(path.join(h.workdir(sessionId), 'notes.txt'), 'utf8')).resolves.toBe('remember the milk');

    const read = await h.query(sessionId, 'read notes.txt');
    expect(ofType(read, 'tool_result')[0]?.data).toMatchObject({ is_error: false, output: 'remember the milk' });
    expect(ofType(read, 'message_complete')[0]?.data.usage?.input_tokens).toBeGreaterThan(
      ofType(write, 'message_complete')[0]!.data.usage!.input_tokens,
    );
  });

  it('refuses ../ traversal and reports it to the model', async () => {
    const sessionId = randomUUID();
    await fs.writeFile(path.join(h.workdirRoot, 'secret.txt'), 'top secret');
    const events = await h.query(sessionId, 'read ../secret.txt');
    expect(ofType(events, 'tool_use')[0]?.data).toMatchObject({
      tool: 'read_file',
      input: { path: '../secret.txt' },
      decision: 'allow',
    });
    expect(ofType(events, 'tool_result')[0]?.data).toMatchObject({
      is_error: true,
      output: expect.stringMatching(/leads outside the working directory/),
    });
    expect(textOf(events)).not.toContain('top secret');
    expect(events.at(-1)?.type).toBe('run_completed');
  });

  it('lets disallowed_tools deny even in bypass mode', async () => {
    const events = await h.query(randomUUID(), 'list the files', {
      permission_mode: 'bypass',
      disallowed_tools: ['list_files'],
    });
    expect(ofType(events, 'tool_use')[0]?.data).toMatchObject({ decision: 'deny', decided_by: 'disallowed_tools' });
    expect(events.at(-1)?.type).toBe('run_completed');
  });

  it('retries a run whose history fetch failed transiently, without emitting anything for the failed attempt', async () => {
    h.sessions.failRequests(3); // the client's own three tries all fail once
    const sessionId = randomUUID();
    const events = await h.query(sessionId, 'hello');
    expect(shape(events)).toEqual(['run_started', 'text_delta…', 'message_complete(assistant)', 'run_completed']);
    expect(events.map((e) => e.run_seq)).toEqual(events.map((_, i) => i));
    const ledger = await h.redis.hgetall(`${h.stream}:run:${events[0]!.run_id}`);
    expect(ledger).toMatchObject({ retries: '1', terminal: '1', next_seq: String(events.length) });
  });

  it('fails a run that asks for a provider this runner has no key for, with exactly one run_failed', async () => {
    const sessionId = randomUUID();
    const runId = await h.enqueueQuery(sessionId, 'hello', { provider: 'anthropic' });
    const events = await h.waitForEvents(runId, (es) => es.some((e) => e.type === 'run_failed'));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'run_failed',
        run_seq: 0,
        data: {
          error: 'The anthropic provider is not configured on this runner.',
          usage: { input_tokens: 0, output_tokens: 0 },
          cost_usd: 0,
          turns: 0,
        },
      }),
    ]);
    await expect(h.waitForJobState(runId, ['failed'])).resolves.toBe('failed');
    expect((await h.queue.getJob(runId))?.attemptsMade).toBe(1);
  });

  it('fails a malformed payload at once as unrecoverable, emitting nothing', async () => {
    const job = await h.queue.add('run', { run_id: 'not-a-uuid' }, { attempts: 3 });
    await h.waitForJobState(job.id!, ['failed']);
    const failed = await h.queue.getJob(job.id!);
    expect(failed?.failedReason).toMatch(/^invalid run payload: /);
    expect(failed?.attemptsMade).toBe(1);
  });

  it('copies a working directory to a fork, idempotently, and ignores a missing source', async () => {
    const from = randomUUID();
    const to = randomUUID();
    await fs.mkdir(path.join(h.workdir(from), 'src'), { recursive: true });
    await fs.writeFile(path.join(h.workdir(from), 'src', 'a.txt'), 'a');
    for (let i = 0; i < 2; i++) {
      const job = await h.queue.add('fork-workspace', { from_session_id: from, to_session_id: to });
      await h.waitForJobState(job.id!, ['completed']);
    }
    await expect(fs.readFile(path.join(h.workdir(to), 'src', 'a.txt'), 'utf8')).resolves.toBe('a');
    const none = await h.queue.add('fork-workspace', { from_session_id: randomUUID(), to_session_id: randomUUID() });
    await h.waitForJobState(none.id!, ['completed']);
    expect((await h.queue.getJob(none.id!))?.returnvalue).toEqual({ result: 'no_source' });
  });

  it('serves health, readiness and run metrics', async () => {
    await request(runner.app).get('/health').expect(200);
    const ready = await request(runner.app).get('/ready').expect(200);
    expect(ready.body.checks.map((c: { name: string }) => c.name)).toEqual([
      'redis',
      'queue-worker',
      'cancel-subscriber',
    ]);
    // Fed by the built-in metrics hook during the runs above.
    const metrics = await request(runner.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/agent_runs_total\{provider="offline",outcome="completed",[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/agent_tool_calls_total\{tool="write_file",decision="deny",[^}]*\} 1/);
    expect(metrics.text).toMatch(/agent_turns_total\{provider="offline",model="offline-echo-1",[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/agent_provider_latency_seconds_count\{[^}]*model="offline-echo-1"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/agent_runs_active\{[^}]*\} 0/);
  });
});
