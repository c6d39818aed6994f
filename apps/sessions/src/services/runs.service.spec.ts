import type { SessionEvent } from '@platform/contracts';
import type { Logger } from '@platform/service-kit';
import type { Run } from '../generated/prisma/client';
import type { RunsRepository } from '../repositories/runs.repository';
import type { AgentRunsQueue } from '../queues/agent-runs';
import type { EventHub } from './event-hub';
import type { SessionsService } from './sessions.service';
import { RunsService } from './runs.service';

const SESSION = '00000000-0000-4000-8000-000000000001';
const RUN = '00000000-0000-4000-8000-000000000002';

const row = (status: string): Run => ({
  id: RUN,
  sessionId: SESSION,
  status,
  provider: 'offline',
  model: 'm',
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0 as unknown as Run['costUsd'],
  error: null,
  turns: 0,
  stopReason: null,
  createdAt: new Date(),
  startedAt: null,
  finishedAt: null,
  held: false,
  pendingInput: null,
  deadlineAt: null,
  notifiedAt: null,
});

const ended = (): SessionEvent => ({
  seq: 9,
  type: 'run_completed',
  session_id: SESSION,
  run_id: RUN,
  data: {},
  created_at: new Date().toISOString(),
});

/**
 * A pub/sub hub that behaves like Redis: SUBSCRIBE takes a round trip, and a message published before
 * it completes is not delivered. `status` is what the database holds.
 */
function world(subscribeDelayMs: number) {
  const state = { status: 'queued', listeners: new Set<(e: SessionEvent) => void>(), subscribed: 0, unsubscribed: 0 };
  const hub = {
    subscribe: async (_id: string, l: (e: SessionEvent) => void) => {
      await new Promise((r) => setTimeout(r, subscribeDelayMs));
      state.listeners.add(l);
      state.subscribed++;
      return () => {
        state.listeners.delete(l);
        state.unsubscribed++;
      };
    },
  } as unknown as EventHub;
  const runs = { findRun: async () => row(state.status) } as unknown as RunsRepository;
  const service = new RunsService({ sessions: {} as SessionsService, runs, queue: {} as AgentRunsQueue, hub, logger: {} as Logger, maxHeldRuns: 10, assertBudget: async () => undefined });
  /** The runner finishes: the row commits, then the event is published. */
  const finish = () => {
    state.status = 'completed';
    for (const l of state.listeners) l(ended());
  };
  return { service, state, finish };
}

describe('RunsService.waitForEnd', () => {
  it('returns as soon as the run ends after it started waiting', async () => {
    const { service, state, finish } = world(5);
    setTimeout(finish, 50);
    const started = Date.now();

    const run = await service.waitForEnd(SESSION, RUN, 2000);

    expect(run?.status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(state.unsubscribed).toBe(state.subscribed);
  });

  it('does not miss an end that lands while its subscription is still being set up', async () => {
    const { service, state, finish } = world(60);
    setTimeout(finish, 20); // after the first look at the database, before SUBSCRIBE has completed
    const started = Date.now();

    const run = await service.waitForEnd(SESSION, RUN, 2000);

    expect(run?.status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(state.unsubscribed).toBe(state.subscribed);
  });

  it('gives up after maxMs with undefined, and lets go of its subscription', async () => {
    const { service, state } = world(5);

    const run = await service.waitForEnd(SESSION, RUN, 100);

    expect(run).toBeUndefined();
    expect(state.subscribed).toBe(1);
    expect(state.unsubscribed).toBe(1);
  });

  it('answers undefined (the caller then answers 202) when it cannot subscribe, rather than leave a rejection unhandled', async () => {
    const warn = jest.fn();
    const hub = { subscribe: () => Promise.reject(new Error('Connection is closed.')) } as unknown as EventHub;
    const runs = { findRun: async () => row('queued') } as unknown as RunsRepository;
    const service = new RunsService({
      sessions: {} as SessionsService,
      runs,
      queue: {} as AgentRunsQueue,
      hub,
      logger: { warn } as unknown as Logger,
      maxHeldRuns: 10,
      assertBudget: async () => undefined,
    });

    expect(await service.waitForEnd(SESSION, RUN, 1000)).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      'cannot wait for the run to end',
      expect.objectContaining({ run_id: RUN, err_message: 'Connection is closed.' }),
    );
  });

  it('lets go of its subscription even when it gives up before the subscription completes', async () => {
    const { service, state } = world(150);

    expect(await service.waitForEnd(SESSION, RUN, 20)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 250));

    expect(state.listeners.size).toBe(0);
  });
});
