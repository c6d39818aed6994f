import { TERMINAL_RUN_STATUSES } from '@platform/contracts';
import { jsonRequest, type JsonClient, type ServiceProcess } from '@platform/testing';
import { withToken, type Session } from '../../tests/support/accounts';
import { startPlatform, type Platform } from '../../tests/support/platform';
import { SESSIONS, createChannel, createSession } from '../../tests/support/sessions';
import { AcceptedRuns } from './support/accepted-runs';
import { writeFigures } from './support/figures';
import { GatewayTwins, startEdge, type Edge } from './support/gateway-pair';
import { SteadyLoad, sentBetween, tally, type Operation } from './support/load';
import { ownerOfMany } from './support/owner';

jest.setTimeout(150_000);

/**
 * Two gateway processes behind HAProxy (the repository's haproxy.cfg, gateways found by DNS SRV, as
 * in Kubernetes), the real services behind them. Under steady traffic through HAProxy (keep-alive
 * clients, reads and writes), each gateway in turn gets SIGTERM, drains, exits and starts again.
 */
const SESSION_COUNT = 10;
const twins = new GatewayTwins();
let platform: Platform;
let second: ServiceProcess;
let edge: Edge;
let owner: Session;
let viaEdge: JsonClient;
let sessionIds: string[];
let load: SteadyLoad | undefined;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'rel-gateway-rolling',
    sessions: true,
    runnerEnv: { OFFLINE_DELAY_MS: '10' },
    ...twins.platformOptions(),
  });
  second = await twins.startTwin(platform);
  edge = await startEdge([platform.gateway, second]);
  await edge.waitUp(2);
  owner = await ownerOfMany(platform, 'rolling', SESSION_COUNT);
  viaEdge = withToken(jsonRequest(edge.haproxy.url), owner.tokens.access_token);
  await createChannel(owner.as, 'steady');
  sessionIds = await Promise.all(
    Array.from({ length: SESSION_COUNT }, async (_, i) => (await createSession(owner.as, { name: `load-${i}` })).id),
  );
}, 120_000);

afterEach(async () => {
  await load?.stop();
});

afterAll(async () => {
  await edge?.close();
  await second?.stop();
  await platform?.stop();
  await twins.cleanup();
}, 60_000);

/** Reads of every service, a login, and queries (POST: HAProxy never retries them on another gateway). */
function operations(accepted: AcceptedRuns): (i: number) => Operation {
  const anonymous = jsonRequest(edge.haproxy.url);
  return (i) => {
    const sessionId = sessionIds[i % SESSION_COUNT] ?? '';
    switch (i % 6) {
      case 0:
        return { op: 'login', send: () => anonymous.post('/auth/login', owner.credentials) };
      case 1:
        return { op: 'channels', send: () => viaEdge.get('/api/channels') };
      case 2:
        return { op: 'session', send: () => viaEdge.get(`${SESSIONS}/${sessionId}`) };
      case 3:
        return { op: 'profile', send: () => viaEdge.get('/auth/profile') };
      default:
        return {
          op: 'query',
          send: async () => {
            const res = await viaEdge.post(`${SESSIONS}/${sessionId}/query`, {
              message: `hi ${i}`,
              multitask: 'enqueue',
            });
            accepted.note(sessionId, res);
            return res;
          },
        };
    }
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a rolling restart of the gateways behind HAProxy under steady traffic', () => {
  it('fails no client request while each gateway drains, exits and comes back', async () => {
    const accepted = new AcceptedRuns();
    load = new SteadyLoad({ ratePerS: 30, maxInFlight: 100, next: operations(accepted) });
    await sleep(3000);
    const restarts = [];
    for (const [name, gateway] of [
      ['gateway-1', platform.gateway],
      ['gateway-2', second],
    ] as const) {
      const began = load.mark(`${name}_sigterm`);
      const stopping = gateway.stop('SIGTERM');
      await edge.waitDown(gateway.port);
      const outAt = load.mark(`${name}_out_of_rotation`);
      const exitCode = await stopping;
      const exitedAt = load.mark(`${name}_exited`);
      await gateway.restart();
      await edge.waitUp(2);
      const backAt = load.mark(`${name}_back_in_rotation`);
      restarts.push({
        gateway: name,
        exit_code: exitCode,
        out_after_ms: outAt - began,
        exited_after_ms: exitedAt - began,
        back_after_ms: backAt - began,
      });
      await sleep(2000);
    }
    const report = await load.stop();
    const runStates = await accepted.settle(owner.as, 60_000);

    const failed = report.outcomes.filter((o) => o.status < 200 || o.status >= 300);
    const first = report.marks['gateway-1_sigterm'] ?? 0;
    writeFigures('gateway-rolling-restart', {
      faults_injected: restarts.length,
      fault: 'SIGTERM (drain), exit, start again: each of the two gateways behind HAProxy in turn',
      restarts,
      requests_sent: report.outcomes.length,
      requests_during_restarts: sentBetween(report.outcomes, first, report.marks['gateway-2_back_in_rotation']).length,
      skipped_ticks: report.skipped,
      outcomes: tally(report.outcomes),
      queries_accepted: accepted.size,
      accepted_run_states: runStates,
      marks: report.marks,
      failures: failed.length,
      first_failures: failed.slice(0, 10),
      // HAProxy's request log lines that did not end normally (termination state other than ----) or not 2xx.
      haproxy_abnormal: edge.haproxy.logs().filter((l) => {
        const m = / (-?\d{1,3}) -?\d+ \S+ \S+ ([A-Za-z-]{4}) /.exec(l);
        return m !== null && (m[2] !== '----' || !m[1]?.startsWith('2'));
      }),
    });

    expect(failed).toEqual([]);
    expect(restarts.map((r) => r.exit_code)).toEqual([0, 0]);
    expect(report.skipped).toBe(0);
    expect(Object.keys(runStates).filter((s) => !(TERMINAL_RUN_STATUSES as readonly string[]).includes(s))).toEqual([]);
  });
});
