import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunEvent } from '@platform/contracts';
import {
  cleanupRedisPrefix,
  redisPrefix,
  startServiceProcess,
  testRedisUrl,
  type ServiceProcess,
} from '@platform/testing';
import { RunnerHarness, isTerminal } from './support/harness';

jest.setTimeout(90_000);

/** kill -9 of a real runner process mid-run: BullMQ's stalled-job check hands the run to the restarted runner. */
describe('crash recovery', () => {
  const h = new RunnerHarness();
  const registryToken = `registry-${randomUUID()}`;
  const registryPrefix = redisPrefix('agent-runner-crash-registry');
  let registry: ServiceProcess;
  const runners: ServiceProcess[] = [];

  const startRunner = async (env: Record<string, string> = {}) => {
    const runner = await startServiceProcess({
      app: 'agent-runner',
      env: {
        REGISTRY_URL: registry.url,
        REGISTRY_TOKEN: registryToken,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: h.queuePrefix,
        EVENTS_STREAM: h.stream,
        WORKDIR_ROOT: h.workdirRoot,
        OFFLINE_DELAY_MS: '40',
        LOCK_DURATION_MS: '2000',
        STALLED_INTERVAL_MS: '1000',
        ...env,
      },
    });
    runners.push(runner);
    return runner;
  };

  beforeAll(async () => {
    await h.start();
    registry = await startServiceProcess({
      app: 'registry',
      // The stand-in sessions registers once and never heartbeats: keep it listed for the whole file.
      env: {
        REGISTRY_TOKEN: registryToken,
        REDIS_PREFIX: registryPrefix,
        REDIS_URL: testRedisUrl(),
        INSTANCE_TTL_MS: '600000',
      },
    });
    await fetch(`${registry.url}/registry/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${registryToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sessions', instance_id: 'sessions-fake', url: h.sessions.url, version: 'test' }),
    });
  });

  afterEach(async () => {
    for (const r of runners.splice(0)) await r.kill().catch(() => undefined);
  });

  afterAll(async () => {
    await registry?.stop().catch(() => undefined);
    await cleanupRedisPrefix(registryPrefix);
    await h.close();
  });

  /**
   * SIGKILLs the runner once `when` holds and restarts it; returns ms from the kill to the restarted
   * runner's readiness and to the run's next event.
   */
  async function killAndRestart(runner: ServiceProcess, runId: string, when: (es: RunEvent[]) => boolean) {
    const before = await h.waitForEvents(runId, when);
    await runner.kill();
    const killed = performance.now();
    await runner.restart();
    const ready = Math.round(performance.now() - killed);
    await h.waitForEvents(runId, (es) => es.length > before.length, 20_000);
    return { ready, resumed: Math.round(performance.now() - killed) };
  }

  // Ids and the moment each turn ended differ from run to run, and consecutive text deltas are joined:
  // how a turn's text is cut into deltas depends on how busy the events stream is (TextCoalescer merges
  // what arrives during a write), not on the run. The text, its order and everything else must match.
  const normalized = (events: RunEvent[]) => {
    const joined: Array<{ type: string; data: unknown }> = [];
    for (const { type, data } of events) {
      const last = joined.at(-1);
      if (type === 'text_delta' && last?.type === 'text_delta')
        last.data = { text: `${(last.data as { text: string }).text}${(data as { text: string }).text}` };
      else joined.push({ type, data });
    }
    return JSON.parse(
      JSON.stringify(joined)
        .replace(/toolu_offline_\w+/g, 'ID')
        .replace(/"ended_at":"[^"]+"/g, '"ended_at":"T"'),
    ) as unknown;
  };

  it('resumes a run killed twice (mid first turn, mid second turn) and ends it exactly once, with nothing duplicated', async () => {
    const runner = await startRunner();
    const files = async (sessionId: string) => {
      await fs.mkdir(h.workdir(sessionId), { recursive: true });
      await fs.writeFile(path.join(h.workdir(sessionId), 'notes.txt'), 'hi');
    };
    const reference = randomUUID();
    await files(reference);
    const expected = await h.query(reference, 'list the files');

    const sessionId = randomUUID();
    await files(sessionId);
    const runId = await h.enqueueQuery(sessionId, 'list the files');
    const firstTurn = await killAndRestart(
      runner,
      runId,
      (es) => es.filter((e) => e.type === 'text_delta').length >= 3,
    );
    const secondTurn = await killAndRestart(runner, runId, (es) => {
      const toolMessage = es.findIndex((e) => e.type === 'message_complete' && e.data.role === 'tool');
      return toolMessage !== -1 && es.slice(toolMessage).some((e) => e.type === 'text_delta');
    });
    const events = await h.waitForEvents(runId, (es) => es.some(isTerminal), 20_000);
    await h.waitForJobState(runId, ['completed']);
    // Recorded for the report: kill -9 -> first event of the resumed attempt (runner restart included).
    console.info(`crash recovery (kill -> runner ready / next event): ${JSON.stringify([firstTurn, secondTurn])} ms`);

    expect(events.map((e) => e.run_seq)).toEqual(events.map((_, i) => i));
    expect(events.filter(isTerminal).map((e) => e.type)).toEqual(['run_completed']);
    expect(normalized(events)).toEqual(normalized(expected));
    expect(firstTurn.resumed).toBeLessThan(15_000);
  });

  it('ends a run with run_failed when its runner died more often than MAX_STALLED_COUNT allows', async () => {
    const runner = await startRunner({ MAX_STALLED_COUNT: '0' });
    const runId = await h.enqueueQuery(randomUUID(), 'list the files');
    await h.waitForEvents(runId, (es) => es.some((e) => e.type === 'text_delta'));
    await runner.kill();
    await runner.restart();
    const events = await h.waitForEvents(runId, (es) => es.some(isTerminal), 20_000);
    expect(events.filter(isTerminal)).toEqual([
      expect.objectContaining({
        type: 'run_failed',
        data: expect.objectContaining({ error: expect.stringMatching(/interrupted/) }),
      }),
    ]);
    await expect(h.waitForJobState(runId, ['failed'])).resolves.toBe('failed');
  });
});
