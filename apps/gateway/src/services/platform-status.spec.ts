import type { ServiceClient } from '@platform/service-client';
import { createLogger } from '@platform/service-kit';
import { PlatformStatus } from './platform-status';

const logger = createLogger({ service: 'gateway-test', level: 'error', pretty: false });
const production = (status: string) => ({
  status,
  description: `All ${status}`,
  services: { auth: status },
  channels_count: 1,
  queues: [],
  timestamp: new Date().toISOString(),
});

/** A stand-in for the status-aggregator client: each request takes the next scripted answer. */
function client(answers: Array<() => Promise<unknown>>) {
  let calls = 0;
  const fake = { request: () => (answers[calls++] ?? (() => Promise.reject(new Error('no answer left'))))().then((data) => ({ status: 200, data, headers: new Headers() })) };
  return { client: fake as unknown as ServiceClient, calls: () => calls };
}

const never = () => new Promise<never>(() => undefined);

describe('PlatformStatus', () => {
  it('waits for the first answer, then serves it while refreshing in the background no more often than the cache period', async () => {
    let release: (v: unknown) => void = () => undefined;
    const c = client([async () => production('operational'), () => new Promise((resolve) => (release = resolve))]);
    const status = new PlatformStatus({ client: c.client, logger, cacheMs: 0, timeoutMs: 1000 });

    const first = await status.summary();
    const whileRefreshing = await status.summary();
    release(production('major_outage'));
    await new Promise((resolve) => setImmediate(resolve));
    const after = await status.summary();

    expect(first).toMatchObject({ status: 'operational', services: { auth: 'operational' }, checked_at: expect.any(String) });
    expect(first.error).toBeUndefined();
    expect(whileRefreshing.status).toBe('operational');
    expect(after.status).toBe('major_outage');
  });

  it('asks at most once per cache period', async () => {
    const c = client([async () => production('operational'), async () => production('partial_outage')]);
    const status = new PlatformStatus({ client: c.client, logger, cacheMs: 60_000, timeoutMs: 1000 });
    await status.summary();
    await status.summary();
    await status.summary();
    expect(c.calls()).toBe(1);
  });

  it('is unknown, with why, when the aggregator fails, hangs past the timeout, or is not configured', async () => {
    const failing = new PlatformStatus({ client: client([() => Promise.reject(new Error('ECONNREFUSED'))]).client, logger, cacheMs: 0, timeoutMs: 1000 });
    const hanging = new PlatformStatus({ client: client([never]).client, logger, cacheMs: 0, timeoutMs: 20 });
    const missing = new PlatformStatus({ client: undefined, logger, cacheMs: 0, timeoutMs: 20 });

    expect(await failing.summary()).toEqual({ status: 'unknown', description: null, services: {}, checked_at: null, error: 'status-aggregator unavailable: ECONNREFUSED' });
    expect(await hanging.summary()).toMatchObject({ status: 'unknown', error: 'status-aggregator unavailable: no answer within 20 ms' });
    expect(await missing.summary()).toMatchObject({ status: 'unknown', error: 'no status-aggregator is configured' });
  });
});
