import { TERMINAL_RUN_STATUSES } from '@platform/contracts';
import type { Session } from '../../tests/support/accounts';
import { startPlatform, waitUntil, type Platform } from '../../tests/support/platform';
import { SESSIONS, createChannel, createSession } from '../../tests/support/sessions';
import { AcceptedRuns } from './support/accepted-runs';
import { must, writeFigures } from './support/figures';
import { SteadyLoad, sentBetween, tally, type Operation } from './support/load';
import { ownerOfMany } from './support/owner';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { ReadinessWatch, outageOf } from './support/readiness';

jest.setTimeout(150_000);

/**
 * The platform's PostgreSQL (a private cluster holding the auth, channels and sessions databases) is
 * stopped and started again while logins, reads and queries stream in through the gateway.
 */
const SESSION_COUNT = 10;
const OUTAGE_MS = 4000;
const UNAVAILABLE = ['SERVICE_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE'];
let postgres: PrivatePostgres;
let platform: Platform;
let owner: Session;
let sessionIds: string[];
let load: SteadyLoad | undefined;
let readiness: ReadinessWatch | undefined;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  platform = await startPlatform({
    name: 'rel-postgres-outage',
    sessions: true,
    // Every service's database is created and migrated there.
    databaseUrl: postgres.url,
    runnerEnv: { OFFLINE_DELAY_MS: '20' },
    gatewayEnv: { RATE_LIMIT_DEFAULT_PER_MIN: '1000000' },
    // The load outlasts the default per-user limits on a slow machine (channels: 100 a minute).
    rateLimits: [
      { id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: 100_000, window_s: 60 },
      { id: 'auth-register', prefix: '/auth/register', method: 'POST', limit: 1000, window_s: 60 },
      { id: 'channels', prefix: '/api/channels', limit: 100_000, window_s: 60 },
    ],
  });
  owner = await ownerOfMany(platform, 'pg', SESSION_COUNT);
  await createChannel(owner.as, 'steady');
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
  await postgres?.destroy();
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A round of eight requests: a login, a profile, channels, two session reads, a run list and two queries. */
function operations(accepted: AcceptedRuns): (i: number) => Operation {
  return (i) => {
    const sessionId = sessionIds[i % SESSION_COUNT] ?? '';
    switch (i % 8) {
      case 0:
        return { op: 'login', send: () => platform.api.post('/auth/login', owner.credentials) };
      case 1:
        return { op: 'profile', send: () => owner.as.get('/auth/profile') };
      case 2:
        return { op: 'channels', send: () => owner.as.get('/api/channels') };
      case 3:
      case 4:
        return { op: 'session', send: () => owner.as.get(`${SESSIONS}/${sessionId}`) };
      case 5:
        return { op: 'runs', send: () => owner.as.get(`${SESSIONS}/${sessionId}/runs`) };
      default:
        return {
          op: 'query',
          send: async () => {
            const body = { message: `hello ${i}`, multitask: 'enqueue' };
            const res = await owner.as.post(`${SESSIONS}/${sessionId}/query`, body);
            accepted.note(sessionId, res);
            return res;
          },
        };
    }
  };
}

/** One request of each kind through the gateway, all answered 2xx. */
async function everyKindWorks(): Promise<boolean> {
  const ops = operations(new AcceptedRuns());
  const answers = await Promise.all([0, 1, 2, 3, 5].map((i) => ops(i).send()));
  return answers.every((a) => a.status >= 200 && a.status < 300);
}

describe('PostgreSQL stopped and started again under steady load', () => {
  it('answers 503 envelopes (never a 500) while it is down, and everything works again after', async () => {
    const accepted = new AcceptedRuns();
    load = new SteadyLoad({ ratePerS: 20, maxInFlight: 80, next: operations(accepted) });
    const services = {
      auth: platform.auth.url,
      channels: must(platform.channels, 'channels').url,
      sessions: must(platform.sessions, 'sessions').url,
    };
    readiness = new ReadinessWatch(services, () => must(load, 'the load').now());
    await sleep(4000);
    const stoppedAt = load.mark('postgres_stopping');
    await postgres.stop();
    load.mark('postgres_stopped');
    await sleep(OUTAGE_MS);
    await postgres.start();
    const startedAt = load.mark('postgres_started');
    await readiness.allReadyWithin(45_000);
    const readyAt = load.mark('all_ready');
    // Ready is not yet serving: the gateway's breakers opened on the 503s and close on their next trial call.
    await waitUntil('every kind of request works again', () => everyKindWorks(), 30_000, 200);
    const servingAt = load.mark('serving');
    await sleep(5000);
    const report = await load.stop();
    const traces = await readiness.stop();
    const runStates = await accepted.settle(owner.as, 60_000);

    const outages = Object.fromEntries(Object.entries(traces).map(([name, t]) => [name, outageOf(t, stoppedAt)]));
    const failed = report.outcomes.filter((o) => o.status < 200 || o.status >= 300);
    const afterRecovery = sentBetween(report.outcomes, servingAt);
    writeFigures('postgres-outage', {
      faults_injected: 1,
      fault: 'PostgreSQL fast shutdown (SIGINT), started again on the same data',
      postgres_down_ms: startedAt - stoppedAt,
      requests_sent: report.outcomes.length,
      skipped_ticks: report.skipped,
      outcomes: tally(report.outcomes),
      outcomes_during_outage: tally(sentBetween(report.outcomes, stoppedAt, servingAt)),
      outcomes_after_recovery: tally(afterRecovery),
      started_to_ready_ms: readyAt - startedAt,
      started_to_serving_ms: servingAt - startedAt,
      queries_accepted: accepted.size,
      accepted_run_states: runStates,
      readiness: outages,
      marks: report.marks,
      failures: failed.length,
      first_failures: failed.slice(0, 5),
    });

    // While it was down: only 503s in the envelope, with a code saying so and a Retry-After; never a 500.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((o) => o.status !== 503 || !UNAVAILABLE.includes(o.code ?? '') || !o.retryAfter)).toEqual([]);
    // Each service's readiness went false and came back by itself.
    for (const [name, outage] of Object.entries(outages)) {
      expect({ name, down: outage.down_at !== undefined, up: outage.up_at !== undefined }).toEqual({
        name,
        down: true,
        up: true,
      });
    }
    // Full recovery: every request sent from then on succeeded, of every kind.
    expect(afterRecovery.filter((o) => o.status < 200 || o.status >= 300)).toEqual([]);
    expect(new Set(afterRecovery.map((o) => o.op)).size).toBe(6);
    // And no query accepted before, during or after the outage was lost.
    expect(Object.keys(runStates).filter((s) => !(TERMINAL_RUN_STATUSES as readonly string[]).includes(s))).toEqual([]);
  });
});
