import { randomUUID } from 'node:crypto';
import type { RunEvent } from '@platform/contracts';
import { RunnerHarness, isTerminal } from './support/harness';

jest.setTimeout(30_000);

const h = new RunnerHarness();
beforeAll(() => h.start());
afterAll(() => h.close());

const types = (events: RunEvent[]) => events.map((e) => e.type);

describe('graceful shutdown', () => {
  it('finishes a run in flight before closing, and takes no new job meanwhile', async () => {
    const runner = await h.startRunner({ OFFLINE_DELAY_MS: '30' });
    const runId = await h.enqueueQuery(randomUUID(), 'list the files');
    await h.waitForEvents(runId, (es) => es.some((e) => e.type === 'text_delta'));

    const closing = runner.stop(15_000);
    const later = await h.enqueueQuery(randomUUID(), 'hello');
    await expect(closing).resolves.toBe('finished');

    const events = await h.eventsOf(runId);
    expect(events.filter(isTerminal)).toEqual([
      expect.objectContaining({ type: 'run_completed', data: expect.objectContaining({ turns: 2 }) }),
    ]);
    expect(await h.queue.getJobState(runId)).toBe('completed');
    expect(await h.queue.getJobState(later)).toBe('waiting');
    expect(await h.eventsOf(later)).toEqual([]);
  });

  it('hands a run still going at the deadline back to the queue; another worker continues it without repeating steps', async () => {
    const slow = await h.startRunner({ OFFLINE_DELAY_MS: '100' });
    const sessionId = randomUUID();
    const runId = await h.enqueueQuery(sessionId, 'list the files');
    // Stop during the second model turn, after the tool call and its result went out.
    const before = await h.waitForEvents(runId, (es) =>
      es.some((e) => e.type === 'message_complete' && e.data.role === 'tool'),
    );
    await expect(slow.stop(150)).resolves.toBe('handed_back');

    const job = await h.queue.getJob(runId);
    expect(await job?.getState()).toBe('waiting');
    expect(job?.attemptsMade).toBe(0);
    const handedBack = await h.eventsOf(runId);
    expect(handedBack.some(isTerminal)).toBe(false);
    expect(handedBack.length).toBeGreaterThanOrEqual(before.length);

    // Whatever sessions has persisted meanwhile, the next worker continues from the run's own journal.
    h.sessions.absorb(handedBack);
    await h.startRunner();
    const events = await h.waitForEvents(runId, (es) => es.some(isTerminal));

    expect(events.map((e) => e.run_seq)).toEqual(events.map((_, i) => i));
    expect(types(events).filter((t) => t === 'run_started')).toHaveLength(1);
    expect(types(events).filter((t) => t === 'tool_use')).toHaveLength(1);
    expect(types(events).filter((t) => t === 'message_complete')).toHaveLength(3);
    // The turn cut short is streamed on from where it stopped: its text arrives once.
    const lastTurnText = events
      .slice(events.findIndex((e) => e.type === 'message_complete' && e.data.role === 'tool') + 1)
      .flatMap((e) => (e.type === 'text_delta' ? [e.data.text] : []))
      .join('');
    expect(lastTurnText).toBe('The working directory is empty.');
    expect(events.filter(isTerminal)).toEqual([
      expect.objectContaining({
        type: 'run_completed',
        data: expect.objectContaining({ turns: 2, stop_reason: 'end_turn' }),
      }),
    ]);
    const final = events.filter((e) => e.type === 'message_complete').at(-1);
    expect(final?.data).toMatchObject({
      role: 'assistant',
      content: [{ type: 'text', text: 'The working directory is empty.' }],
    });
    await expect(h.waitForJobState(runId, ['completed'])).resolves.toBe('completed');
  });

  it('does not run a job again once its run has a terminal event (a redelivery after a crash)', async () => {
    await h.startRunner();
    const runId = await h.enqueueQuery(randomUUID(), 'hello');
    const first = await h.waitForEvents(runId, (es) => es.some(isTerminal));
    await h.waitForJobState(runId, ['completed']);
    const job = await h.queue.getJob(runId);
    await job?.remove();
    await h.queue.add('run', job?.data, { jobId: runId });
    await h.waitForJobState(runId, ['completed']);
    expect(await h.eventsOf(runId)).toHaveLength(first.length);
    expect((await h.queue.getJob(runId))?.returnvalue).toEqual({ status: 'already_finished' });
  });
});
