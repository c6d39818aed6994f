import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunEvent } from '@platform/contracts';
import { RunnerHarness, isTerminal } from './support/harness';

jest.setTimeout(30_000);

const h = new RunnerHarness();
beforeAll(() => h.start());
afterEach(() => h.stopRunners());
afterAll(() => h.close());

const types = (events: RunEvent[]) => events.map((e) => e.type);
const asked = (es: RunEvent[]) => es.some((e) => e.type === 'permission_request');
const toolUse = (events: RunEvent[]) => events.find((e) => e.type === 'tool_use');
const person = '9d1c7e2a-3b4f-4a5e-8c6d-7e8f9a0b1c2d';

/** A write in default mode: the run asks, and its job sleeps in the delayed set. */
async function askToWrite(sessionId = randomUUID()) {
  const runId = await h.enqueueQuery(sessionId, 'write notes.txt: remember the milk');
  const events = await h.waitForEvents(runId, asked);
  await h.waitForJobState(runId, ['delayed']);
  return { runId, sessionId, events };
}

describe('asking a person for permission', () => {
  it('parks the run on a permission_request and resumes it at once when a person allows the call', async () => {
    await h.startRunner({ PERMISSION_POLL_MS: '60000' });
    const { runId, sessionId, events: before } = await askToWrite();
    expect(types(before).slice(-2)).toEqual(['message_complete', 'permission_request']);
    expect((await h.queue.getJob(runId))?.attemptsMade).toBe(0);

    const requestId = await h.answer(runId, 'allowed', { userId: person });
    const events = await h.waitForEvents(runId, (es) => es.some(isTerminal), 5000);

    expect(events.find((e) => e.type === 'permission_request')?.data).toMatchObject({ request_id: requestId });
    expect(toolUse(events)?.data).toMatchObject({ decision: 'allow', decided_by: `user:${person}`, reason: null });
    expect(types(events).filter((t) => t === 'run_started')).toHaveLength(1);
    expect(types(events).filter((t) => t === 'permission_request')).toHaveLength(1);
    expect(events.map((e) => e.run_seq)).toEqual(events.map((_, i) => i));
    expect(events.at(-1)).toMatchObject({ type: 'run_completed', data: { turns: 2 } });
    await expect(fs.readFile(path.join(h.workdir(sessionId), 'notes.txt'), 'utf8')).resolves.toBe('remember the milk');
    await expect(h.waitForJobState(runId, ['completed'])).resolves.toBe('completed');
  });

  it('denies the call when nobody answers in time, and the run goes on to complete', async () => {
    await h.startRunner({ PERMISSION_TIMEOUT_MS: '600', PERMISSION_POLL_MS: '200' });
    const { runId, sessionId } = await askToWrite();
    const events = await h.waitForEvents(runId, (es) => es.some(isTerminal), 10_000);
    expect(toolUse(events)?.data).toMatchObject({
      decision: 'deny',
      decided_by: 'timeout',
      reason: expect.stringMatching(/^No answer within 600 ms/),
    });
    expect(events.at(-1)?.type).toBe('run_completed');
    await expect(fs.stat(path.join(h.workdir(sessionId), 'notes.txt'))).rejects.toThrow();
  });

  it('loses nothing when the runner restarts while the run waits: a new runner takes the answer', async () => {
    const first = await h.startRunner({ PERMISSION_POLL_MS: '60000' });
    const { runId, events: before } = await askToWrite();
    await expect(first.stop(1000)).resolves.toBe('finished');

    await h.startRunner({ PERMISSION_POLL_MS: '60000' });
    await h.answer(runId, 'denied', { userId: person });
    const events = await h.waitForEvents(runId, (es) => es.some(isTerminal), 5000);

    expect(events.slice(0, before.length)).toEqual(before);
    expect(toolUse(events)?.data).toMatchObject({ decision: 'deny', decided_by: `user:${person}` });
    expect(types(events).filter((t) => t === 'permission_request')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('run_completed');
  });

  it('remembers an allowed tool for the session: the next write runs without asking', async () => {
    await h.startRunner({ PERMISSION_POLL_MS: '60000' });
    const { runId, sessionId } = await askToWrite();
    await h.answer(runId, 'allowed', { userId: person, remember: true });
    h.sessions.absorb(await h.waitForEvents(runId, (es) => es.some(isTerminal), 5000));
    expect(h.sessions.optionsOf(sessionId)?.allowed_tools).toEqual(['write_file']);

    const next = await h.query(sessionId, 'write todo.txt: call mum');
    expect(types(next)).not.toContain('permission_request');
    expect(toolUse(next)?.data).toMatchObject({ decision: 'allow', decided_by: 'allowed_tools' });
  });
});
