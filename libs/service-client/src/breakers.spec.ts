import client from 'prom-client';
import { createLogger } from '@platform/service-kit';
import { BreakerRegistry } from './breakers';

const logger = createLogger({ service: 'breakers-spec', level: 'error', pretty: false });
const settings = { errorThresholdPercentage: 50, volumeThreshold: 1, resetTimeoutMs: 60_000, rollingCountTimeoutMs: 10_000 };

describe('BreakerRegistry metrics across a cluster', () => {
  it("report a target's worst state over the workers, not the sum of their states", async () => {
    // Two workers of one service, each with its own breakers, and the target down for both.
    const workers = [new client.Registry(), new client.Registry()];
    const breakers = workers.map((registry) => new BreakerRegistry(logger, registry, settings));
    try {
      for (const b of breakers) await b.fire('auth', () => Promise.reject(new Error('down'))).catch(() => undefined);
      expect(breakers.map((b) => b.isOpen('auth'))).toEqual([true, true]);

      // What the cluster primary serves at /metrics: every worker's registry merged by prom-client.
      const merged = client.AggregatorRegistry.aggregate(await Promise.all(workers.map((r) => r.getMetricsAsJSON())));
      const state = (await merged.getSingleMetric('circuit_breaker_state')?.get())?.values.find((v) => v.labels.target === 'auth');
      expect(state?.value).toBe(2); // open, not 4
    } finally {
      for (const b of breakers) b.shutdown();
    }
  });
});
