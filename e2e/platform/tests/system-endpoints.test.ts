import {
  ComponentStateSchema,
  GatewayHealthResponseSchema,
  MediaInfoResponseSchema,
  SystemInfoResponseSchema,
  type GatewayHealthResponse,
} from '@platform/contracts';
import { eventually } from '@platform/testing';
import { signUp, type Session } from './support/accounts';
import { startPlatform, waitUntil, type Platform } from './support/platform';

jest.setTimeout(60_000);

let platform: Platform;
let alice: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-system',
    sessions: true,
    statusAggregator: true,
    statusAggregatorEnv: { POLL_INTERVAL_MS: '300' },
    gatewayEnv: {
      BODY_LIMIT: '48kb',
      UPSTREAM_TIMEOUT_MS: '45000',
      RATE_LIMIT_DEFAULT_PER_MIN: '5000',
      PLATFORM_STATUS_CACHE_MS: '200',
      PLATFORM_STATUS_TIMEOUT_MS: '1500',
      BREAKER_RESET_MS: '500',
    },
  });
  alice = await signUp(platform.api, 'system');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

async function health(): Promise<GatewayHealthResponse> {
  const res = await platform.api.get('/health');
  expect(res.status).toBe(200);
  return GatewayHealthResponseSchema.parse(res.body);
}

describe('GET /', () => {
  it('names the platform and its version and lists the registered services with their instances', async () => {
    const res = await platform.api.get('/');

    expect(res.status).toBe(200);
    const info = SystemInfoResponseSchema.parse(res.body);
    expect(info).toMatchObject({ name: 'agent-platform', registry: 'ok' });
    const names = info.services.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['auth', 'channels', 'sessions', 'agent-runner', 'status-aggregator', 'gateway']));
    expect(names).toEqual([...names].sort());
    for (const s of info.services) expect([s.name, s.instances, s.versions.length]).toEqual([s.name, expect.any(Number), 1]);
    expect(info.services.find((s) => s.name === 'gateway')?.versions).toEqual([info.version]);
  });

  it('links only to paths the gateway serves (public ones answer 200; the rest want a token, then answer 200)', async () => {
    const { links } = SystemInfoResponseSchema.parse((await platform.api.get('/')).body);
    expect(Object.keys(links).length).toBeGreaterThan(10);

    for (const [name, path] of Object.entries(links)) {
      const anonymous = await platform.api.get(path);
      const status = anonymous.status === 401 ? (await alice.as.get(path)).status : anonymous.status;
      expect([name, path, status]).toEqual([name, path, 200]);
    }
  });
});

describe('GET /health', () => {
  it('is the gateway liveness plus the platform summary of status-aggregator', async () => {
    // Judged on the answer that carried it: a later call may refresh the summary and, on a loaded machine, time out.
    const h = await eventually('/health carries the platform status', health, (x) => x.platform.status !== 'unknown');

    expect(h).toMatchObject({ status: 'ok', service: 'gateway' });
    expect(ComponentStateSchema.parse(h.platform.status)).toBe(h.platform.status);
    expect(h.platform.description).toEqual(expect.any(String));
    expect(Object.keys(h.platform.services)).toEqual(expect.arrayContaining(['auth', 'gateway']));
    expect(h.platform.checked_at).toEqual(expect.any(String));
    expect(h.platform.error).toBeUndefined();
  });

  it('stays 200 with the platform unknown while the aggregator hangs, and while it is gone, then recovers', async () => {
    const aggregator = platform.statusAggregator!;
    process.kill(aggregator.pid, 'SIGSTOP');
    try {
      await waitUntil('a hung aggregator makes the platform unknown', async () => (await health()).platform.status === 'unknown');
      const hung = await health();
      expect(hung).toMatchObject({ status: 'ok', platform: { status: 'unknown', services: {}, error: expect.stringMatching(/^status-aggregator unavailable: /) } });
      expect(hung.platform.checked_at).toEqual(expect.any(String));
    } finally {
      process.kill(aggregator.pid, 'SIGCONT');
    }

    await aggregator.stop();
    await waitUntil('a stopped aggregator makes the platform unknown', async () => (await health()).platform.error?.includes('unavailable') === true);
    expect((await health()).status).toBe('ok');

    await aggregator.restart();
    await waitUntil('the platform status is back', async () => (await health()).platform.status !== 'unknown', 20_000);
  });
});

describe('GET /media', () => {
  it('reports the limits this gateway enforces, from its configuration and the contracts', async () => {
    const media = MediaInfoResponseSchema.parse((await platform.api.get('/media')).body);

    expect(media.limits).toEqual({
      json_body_limit: '48kb',
      json_body_bytes: 48 * 1024,
      upstream_timeout_ms: 45_000,
      rate_limit_default_per_min: 5000,
      query_message_max_chars: 100_000,
      test_output_max_chars: 50_000,
      genesis_description_max_chars: 20_000,
    });
    expect(media.request_content_types).toEqual(['application/json']);
    // The body limit is the one enforced: just over it is refused, just under it gets through to validation.
    const over = await alice.as.post('/tdd/analyze', { test_output: 'x'.repeat(48 * 1024) });
    const under = await alice.as.post('/tdd/analyze', { test_output: 'x'.repeat(47 * 1024), language: 'cobol' });
    expect([over.status, (over.body as { error_code?: string }).error_code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect([under.status, (under.body as { error_code?: string }).error_code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('lists streams and assets that answer with the content types it names', async () => {
    const media = MediaInfoResponseSchema.parse((await platform.api.get('/media')).body);

    for (const asset of media.assets) {
      const res = await fetch(new URL(asset.path, platform.gateway.url));
      expect([asset.path, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([asset.path, 200, asset.content_type]);
      await res.body?.cancel();
    }
    const sse = media.streams.filter((s) => s.protocol === 'sse');
    expect(sse.map((s) => s.path).sort()).toEqual(['/api/status/stream', '/api/v1/sessions/{id}/stream']);
    const session = await alice.as.post('/api/v1/sessions', { name: 'media' });
    for (const s of sse) {
      const path = s.path.replace('{id}', (session.body as { id: string }).id);
      const headers: Record<string, string> = s.auth === 'none' ? {} : { authorization: `Bearer ${alice.tokens.access_token}` };
      const res = await fetch(new URL(path, platform.gateway.url), { headers: { ...headers, accept: 'text/event-stream' } });
      expect([path, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([path, 200, s.content_type]);
      await res.body?.cancel();
    }
    expect(media.streams.find((s) => s.protocol === 'websocket')).toMatchObject({ path: '/api/v1/sessions/{id}/stream', auth: 'bearer_or_query_token' });
  });
});
