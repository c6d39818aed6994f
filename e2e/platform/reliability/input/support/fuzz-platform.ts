import { jsonRequest } from '@platform/testing';
import { startPlatform, type Platform } from '../../../tests/support/platform';

/** A port nothing listens on: any provider call that slips through fails here instead of leaving the machine. */
const NOWHERE = 'http://127.0.0.1:9';

/**
 * Every service as a real process, tuned for thousands of requests: rate limits out of reach (the
 * fuzzer is one client), `?wait=true` and forks bounded to a few seconds, providers pointed nowhere.
 */
export function startFuzzPlatform(
  name: string,
  extra: { sessionsEnv?: Record<string, string> } = {},
): Promise<Platform> {
  return startPlatform({
    name,
    sessions: true,
    statusAggregator: true,
    rateLimits: [
      { id: 'auth-register', prefix: '/auth/register', method: 'POST', limit: 100_000, window_s: 60 },
      { id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: 100_000, window_s: 60 },
      { id: 'channels', prefix: '/api/channels', limit: 100_000, window_s: 60 },
      { id: 'channels-root', prefix: '/channels', limit: 100_000, window_s: 60 },
      { id: 'discovery', prefix: '/api/discovery', limit: 100_000, window_s: 60 },
    ],
    gatewayEnv: { RATE_LIMIT_DEFAULT_PER_MIN: '1000000' },
    sessionsEnv: { QUERY_WAIT_MAX_MS: '3000', FORK_WAIT_MS: '2000', ...extra.sessionsEnv },
    runnerEnv: { ANTHROPIC_BASE_URL: NOWHERE, OPENAI_BASE_URL: NOWHERE },
  });
}

/** Each process of the platform, by name. */
export function processesOf(p: Platform) {
  return Object.entries({
    registry: p.registry,
    auth: p.auth,
    gateway: p.gateway,
    channels: p.channels,
    sessions: p.sessions,
    'agent-runner': p.runner,
    'status-aggregator': p.statusAggregator,
  }).flatMap(([name, proc]) => (proc ? [{ name, proc }] : []));
}

/** The last log lines of each process that died or stopped answering /health, by name. */
export async function deadProcessLogs(p: Platform, lines = 40): Promise<Record<string, string[]>> {
  const liveness = await livenessOf(p);
  return Object.fromEntries(
    processesOf(p)
      .filter(({ name }) => liveness[name]?.[0] !== true || liveness[name]?.[1] !== 200)
      .map(({ name, proc }) => [name, proc.logs().slice(-lines)]),
  );
}

/** Name -> [process alive, GET /health status] for every process. */
export async function livenessOf(p: Platform): Promise<Record<string, [boolean, number]>> {
  const out: Record<string, [boolean, number]> = {};
  for (const { name, proc } of processesOf(p)) {
    let alive = true;
    try {
      process.kill(proc.pid, 0);
    } catch {
      alive = false;
    }
    const health = await jsonRequest(proc.url)
      .get('/health')
      .then(
        (r) => r.status,
        () => 0,
      );
    out[name] = [alive, health];
  }
  return out;
}
