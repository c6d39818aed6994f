import { TERMINAL_RUN_STATUSES } from '@platform/contracts';
import type { Session } from '../../tests/support/accounts';
import { startPlatform, waitUntil, type Platform } from '../../tests/support/platform';
import { SESSIONS, createSession } from '../../tests/support/sessions';
import { AcceptedRuns } from './support/accepted-runs';
import { must, writeFigures } from './support/figures';
import { SteadyLoad, sentBetween, tally, type Operation } from './support/load';
import { ownerOfMany } from './support/owner';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis';
import { ReadinessWatch, outageOf } from './support/readiness';

jest.setTimeout(150_000);

/**
 * The platform's Redis (a private redis-server, in memory only) is killed and started again empty
 * while queries and reads stream in. Redis then holds nothing: no queue, no jobs, no event stream or
 * consumer group, no registrations. Sweeps are tuned down from minutes to seconds to keep the test short.
 */
const SESSION_COUNT = 20;
const OUTAGE_MS = 3000;
const TERMINAL: string[] = [...TERMINAL_RUN_STATUSES];
let redis: PrivateRedis;
let platform: Platform;
let owner: Session;
let sessionIds: string[];
let load: SteadyLoad | undefined;
let readiness: ReadinessWatch | undefined;

beforeAll(async () => {
  redis = await startPrivateRedis();
  platform = await startPlatform({
    name: 'rel-redis-restart',
    sessions: true,
    // Every service uses it, and the platform's keys are cleaned from it.
    redisUrl: redis.url,
    // The steady load outlasts the per-user default of 600 requests a minute on a slow machine.
    gatewayEnv: { RATE_LIMIT_DEFAULT_PER_MIN: '1000000' },
    sessionsEnv: { REQUEUE_AFTER_MS: '3000', LEADER_TICK_MS: '500', RUN_STRANDED_GRACE_MS: '5000' },
    runnerEnv: { OFFLINE_DELAY_MS: '20', LOCK_DURATION_MS: '4000', STALLED_INTERVAL_MS: '1000' },
  });
  owner = await ownerOfMany(platform, 'redis', SESSION_COUNT);
  sessionIds = await Promise.all(
    Array.from({ length: SESSION_COUNT }, async (_, i) => (await createSession(owner.as, { name: `load-${i}` })).id),
  );
}, 120_000);

afterEach(async () => {
  // A failed test leaves nothing sending or polling behind.
  await load?.stop();
  await readiness?.stop();
});

afterAll(async () => {
  await platform?.stop();
  await redis?.stop();
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every third request a query (multitask `enqueue`: accepted even behind an active run), else a read. */
function operations(accepted: AcceptedRuns): (i: number) => Operation {
  return (i) => {
    const sessionId = sessionIds[i % SESSION_COUNT] ?? '';
    if (i % 3 === 0)
      return {
        op: 'query',
        send: async () => {
          const res = await owner.as.post(`${SESSIONS}/${sessionId}/query`, {
            message: `hello ${i}`,
            multitask: 'enqueue',
          });
          accepted.note(sessionId, res);
          return res;
        },
      };
    const path = i % 3 === 1 ? `${SESSIONS}/${sessionId}` : `${SESSIONS}/${sessionId}/runs`;
    return { op: 'read', send: () => owner.as.get(path) };
  };
}

describe('Redis killed and started again empty under steady query load', () => {
  it('loses no accepted query, and every service reconnects by itself with readiness false then true', async () => {
    const accepted = new AcceptedRuns();
    load = new SteadyLoad({ ratePerS: 15, maxInFlight: 60, next: operations(accepted) });
    const services = {
      registry: platform.registry.url,
      gateway: platform.gateway.url,
      sessions: must(platform.sessions, 'sessions').url,
      'agent-runner': must(platform.runner, 'the runner').url,
    };
    readiness = new ReadinessWatch(services, () => must(load, 'the load').now());
    await sleep(4000);
    const killedAt = load.mark('redis_killed');
    await redis.kill();
    await sleep(OUTAGE_MS);
    await redis.start();
    const backAt = load.mark('redis_started');
    await readiness.allReadyWithin(45_000);
    const readyAt = load.mark('all_ready');
    // Ready is not yet routable: the registry came back empty, and each service registers again at its next heartbeat.
    await waitUntil(
      'sessions answers through the gateway',
      async () => (await owner.as.get(SESSIONS)).status === 200,
      30_000,
      100,
    );
    const servingAt = load.mark('serving');
    await sleep(5000);
    const report = await load.stop();
    const traces = await readiness.stop();
    const runStates = await accepted.settle(owner.as, 60_000);

    const outages = Object.fromEntries(Object.entries(traces).map(([name, t]) => [name, outageOf(t, killedAt)]));
    const afterRecovery = sentBetween(report.outcomes, servingAt);
    const failed = report.outcomes.filter((o) => o.status < 200 || o.status >= 300);
    writeFigures('redis-restart', {
      faults_injected: 1,
      fault: 'redis-server SIGKILL, restarted empty (--save "" --appendonly no)',
      redis_down_ms: backAt - killedAt,
      requests_sent: report.outcomes.length,
      skipped_ticks: report.skipped,
      outcomes: tally(report.outcomes),
      outcomes_during_outage: tally(sentBetween(report.outcomes, killedAt, servingAt)),
      ready_to_serving_ms: servingAt - readyAt,
      outcomes_after_recovery: tally(afterRecovery),
      queries_accepted: accepted.size,
      accepted_run_states: runStates,
      readiness: outages,
      marks: report.marks,
      failures: failed.length,
      first_failures: failed.slice(0, 5),
    });

    // Every accepted query ended in a terminal run state: none missing, none stuck.
    expect(accepted.size).toBeGreaterThan(30);
    expect(Object.keys(runStates).filter((s) => !TERMINAL.includes(s))).toEqual([]);
    // Each service noticed (readiness false) and came back by itself (readiness true), with no restart.
    for (const [name, outage] of Object.entries(outages)) {
      expect({ name, down: outage.down_at !== undefined, up: outage.up_at !== undefined }).toEqual({
        name,
        down: true,
        up: true,
      });
    }
    // While Redis was away, a refusal was a clear 503 envelope: never a 500, never a dropped connection.
    expect(
      failed.filter((o) => o.status !== 503 || !['UPSTREAM_UNAVAILABLE', 'SERVICE_UNAVAILABLE'].includes(o.code ?? '')),
    ).toEqual([]);
    // Once routable again, everything works: every request sent after that was answered 2xx.
    expect(afterRecovery.filter((o) => o.status < 200 || o.status >= 300)).toEqual([]);
    expect(afterRecovery.filter((o) => o.op === 'query').length).toBeGreaterThan(10);
  });
});
