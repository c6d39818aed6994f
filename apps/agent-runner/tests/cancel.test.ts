import { randomUUID } from 'node:crypto';
import type { RunEvent } from '@platform/contracts';
import { RunnerHarness, isTerminal } from './support/harness';
import { FakeLlmServer, anthropicSse } from './support/fake-llm-server';

jest.setTimeout(30_000);

const h = new RunnerHarness();
const llm = new FakeLlmServer();
let llmUrl = '';
beforeAll(async () => {
  await h.start();
  llmUrl = await llm.start();
});
afterEach(() => h.stopRunners());
afterAll(async () => {
  await h.close();
  await llm.stop();
});

const types = (events: RunEvent[]) => events.map((e) => e.type);
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

/** Cancels `runId` and returns how long its job took to finish, with the events it had and has now. */
async function cancelAndWait(runId: string) {
  const before = await h.eventsOf(runId);
  const sent = performance.now();
  await h.cancel(runId);
  await h.waitForJobState(runId, ['completed'], 5000);
  const stoppedMs = performance.now() - sent;
  await settle();
  return { before, after: await h.eventsOf(runId), stoppedMs, job: await h.queue.getJob(runId) };
}

describe('cancelling a run', () => {
  it('stops a slow model call at once, emits nothing more, and frees the session for the next query', async () => {
    // 3 s before each word: no next word can slip in between reading the events and the cancel, and a cancel
    // that did not abort the model's wait would take seconds (the 1.5 s bound below catches it).
    await h.startRunner({ OFFLINE_DELAY_MS: '3000', WORKER_CONCURRENCY: '1' });
    const sessionId = randomUUID();
    const runId = await h.enqueueQuery(sessionId, 'list the files');
    await h.waitForEvents(runId, (es) => es.some((e) => e.type === 'text_delta'));

    const { before, after, stoppedMs, job } = await cancelAndWait(runId);

    expect(stoppedMs).toBeLessThan(1500);
    expect(after).toEqual(before);
    expect(types(after)).not.toContain('tool_use');
    expect(after.some(isTerminal)).toBe(false);
    expect(job?.returnvalue).toEqual({ status: 'cancelled' });
    // The one worker slot is free again: the next query starts right away (not after the model's 3 s wait).
    const next = await h.enqueueQuery(sessionId, 'hello');
    await expect(h.waitForEvents(next, (es) => es.some((e) => e.type === 'run_started'), 2000)).resolves.toBeDefined();
    await h.cancel(next);
  });

  it('aborts the HTTP request to the provider', async () => {
    llm.reply({
      sse: anthropicSse([
        { type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Thinking' } },
      ]),
      hangAfter: true,
    });
    await h.startRunner({ ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: llmUrl, DEFAULT_PROVIDER: 'offline' });
    const runId = await h.enqueueQuery(randomUUID(), 'hello', { provider: 'anthropic' });
    await h.waitForEvents(runId, (es) => es.some((e) => e.type === 'text_delta'));

    const { after, job } = await cancelAndWait(runId);

    expect(llm.abandoned).toBe(1);
    expect(types(after)).toEqual(['run_started', 'text_delta']);
    expect(job?.returnvalue).toEqual({ status: 'cancelled' });
  });

  it('ends a run waiting for permission without deciding or running the call', async () => {
    await h.startRunner({ PERMISSION_POLL_MS: '60000' });
    const runId = await h.enqueueQuery(randomUUID(), 'write a.txt: x');
    await h.waitForEvents(runId, (es) => es.some((e) => e.type === 'permission_request'));
    await h.waitForJobState(runId, ['delayed']);
    const before = await h.eventsOf(runId);

    await h.cancel(runId);
    await (await h.queue.getJob(runId))?.promote();
    await h.waitForJobState(runId, ['completed']);
    await settle();

    expect(await h.eventsOf(runId)).toEqual(before);
    expect((await h.queue.getJob(runId))?.returnvalue).toEqual({ status: 'cancelled' });
  });

  it('stops a parked run that sessions ended meanwhile (its watchdog timed it out) when it wakes', async () => {
    await h.startRunner({ PERMISSION_POLL_MS: '60000' });
    const runId = await h.enqueueQuery(randomUUID(), 'write a.txt: x');
    const before = await h.waitForEvents(runId, (es) => es.some((e) => e.type === 'permission_request'));
    await h.waitForJobState(runId, ['delayed']);

    h.sessions.endRun(runId, 'timed_out');
    await (await h.queue.getJob(runId))?.promote();
    await h.waitForJobState(runId, ['completed']);

    expect(await h.eventsOf(runId)).toEqual(before);
    expect((await h.queue.getJob(runId))?.returnvalue).toEqual({ status: 'cancelled' });
  });

  it('does not start a run cancelled before a worker took it', async () => {
    const runId = await h.enqueueQuery(randomUUID(), 'hello');
    await h.cancel(runId);
    await h.startRunner();
    await h.waitForJobState(runId, ['completed']);
    expect(await h.eventsOf(runId)).toEqual([]);
  });
});
