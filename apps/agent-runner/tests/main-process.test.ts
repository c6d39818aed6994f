import { randomUUID } from 'node:crypto';
import { ServiceInstancesResponseSchema } from '@platform/contracts';
import {
  cleanupRedisPrefix,
  redisPrefix,
  startServiceProcess,
  testRedisUrl,
  type ServiceProcess,
} from '@platform/testing';
import { RunnerHarness, isTerminal } from './support/harness';

jest.setTimeout(60_000);

/** main.ts as a real process: registry lookup of sessions, self-registration, readiness, and SIGTERM during a run. */
describe('agent-runner process', () => {
  const h = new RunnerHarness();
  const registryToken = `registry-${randomUUID()}`;
  const registryPrefix = redisPrefix('agent-runner-registry');
  let registry: ServiceProcess;
  let runner: ServiceProcess;

  const instancesOf = async (name: string) => {
    const res = await fetch(`${registry.url}/registry/services/${name}`, {
      headers: { authorization: `Bearer ${registryToken}` },
    });
    return res.status === 200 ? ServiceInstancesResponseSchema.parse(await res.json()).instances : [];
  };

  beforeAll(async () => {
    await h.start();
    registry = await startServiceProcess({
      app: 'registry',
      env: {
        REGISTRY_TOKEN: registryToken,
        REDIS_PREFIX: registryPrefix,
        REDIS_URL: testRedisUrl(),
        // The fake sessions instance is registered once and never heartbeats: it must outlive a slow runner start.
        INSTANCE_TTL_MS: '60000',
      },
    });
    const registered = await fetch(`${registry.url}/registry/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${registryToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sessions', instance_id: 'sessions-fake', url: h.sessions.url, version: 'test' }),
    });
    expect(registered.status).toBe(201);
    runner = await startServiceProcess({
      app: 'agent-runner',
      env: {
        REGISTRY_URL: registry.url,
        REGISTRY_TOKEN: registryToken,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: h.queuePrefix,
        EVENTS_STREAM: h.stream,
        WORKDIR_ROOT: h.workdirRoot,
        OFFLINE_DELAY_MS: '40',
        SHUTDOWN_TIMEOUT_MS: '15000',
      },
    });
  });

  afterAll(async () => {
    await runner?.kill().catch(() => undefined);
    await registry?.stop().catch(() => undefined);
    await cleanupRedisPrefix(registryPrefix);
    await h.close();
  });

  it('registers itself, runs a query with history from the registered sessions, and finishes it on SIGTERM before exiting', async () => {
    expect((await instancesOf('agent-runner')).map((i) => i.url)).toEqual([runner.url]);
    const runId = await h.enqueueQuery(randomUUID(), 'list the files');
    await h.waitForEvents(runId, (es) => es.some((e) => e.type === 'text_delta'));

    await expect(runner.stop('SIGTERM')).resolves.toBe(0);

    const events = await h.eventsOf(runId);
    expect(events.filter(isTerminal).map((e) => e.type)).toEqual(['run_completed']);
    expect(await h.queue.getJobState(runId)).toBe('completed');
    expect(await instancesOf('agent-runner')).toEqual([]);
  });
});
