import fc from 'fast-check';
import { ApiHealthResponseSchema } from '@platform/contracts';
import { jsonRequest } from '@platform/testing';
import { signUp } from '../../tests/support/accounts';
import type { Platform } from '../../tests/support/platform';
import { createChannel, createSession } from '../../tests/support/sessions';
import { deletesLast, listEndpoints, nastyBodyCases, randomCase, type Endpoint, type FuzzCase } from './support/cases';
import { WS_HANDSHAKE } from './support/forgeries';
import { deadProcessLogs, livenessOf, startFuzzPlatform } from './support/fuzz-platform';
import { Tally, verdict, writeReport } from './support/oracle';
import { pool, send } from './support/raw-client';
import { buildWorld, type World } from './support/world';
import { ownKeyCases, strictVerdict, unstorableBodyCases, unstorableQueryCases, type StrictCase } from './support/strict-cases';
import { MALFORMED_FRAMES, upgradeThenSend } from './support/ws-abuse';

jest.setTimeout(60_000);

// Reproduce a run with FUZZ_SEED=<the seed it printed>; FUZZ_CASES scales the random part.
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RANDOM_CASES = Number(process.env.FUZZ_CASES ?? 3000);
// About a thousand cases per test, so a longer run (FUZZ_CASES=20000) stays within each test's timeout.
const BATCHES = Math.max(3, Math.ceil(RANDOM_CASES / 1000));
const CONCURRENCY = 6;

let platform: Platform;
let world: World;
let endpoints: Endpoint[];
let randomCases: FuzzCase[] = [];
const tally = new Tally();
const started = Date.now();

beforeAll(async () => {
  process.stdout.write(`input fuzzing: FUZZ_SEED=${SEED} FUZZ_CASES=${RANDOM_CASES}\n`);
  platform = await startFuzzPlatform('rel-fuzz');
  world = await buildWorld(platform);
  endpoints = await listEndpoints(platform.api);
  randomCases = deletesLast(fc.sample(randomCase(endpoints, world), { seed: SEED, numRuns: RANDOM_CASES }));
}, 120_000);

afterAll(async () => {
  const file = writeReport('input-fuzz', {
    seed: SEED,
    endpoints: endpoints?.length ?? 0,
    ...tally.summary(Object.fromEntries((endpoints ?? []).map((e) => [`${e.method} ${e.path}`, e.service]))),
    duration_s: Math.round((Date.now() - started) / 1000),
    dead: platform ? await deadProcessLogs(platform) : {},
  });
  process.stdout.write(`input fuzzing: ${tally.cases} cases, ${tally.failures.length} failures -> ${file}\n`);
  await platform?.stop();
}, 30_000);

/** Sends every case through the gateway and returns the failures they caused, described for a person. */
async function fuzz(cases: FuzzCase[], offset = 0): Promise<string[]> {
  const before = tally.failures.length;
  await pool(cases, CONCURRENCY, async (c, i) =>
    tally.record(c.group, offset + i, c.request, await send(platform.gateway.url, c.request)),
  );
  return tally.failures
    .slice(before)
    .map((f) => `#${f.index} ${f.method} ${f.target.slice(0, 120)} -> ${f.why} (FUZZ_SEED=${SEED})`);
}

describe('every public endpoint, fuzzed through the gateway', () => {
  it('is listed by GET /api/endpoints for every service', () => {
    const services = new Set(endpoints.map((e) => e.service));

    expect([...services].sort()).toEqual(['auth', 'channels', 'gateway', 'sessions', 'status-aggregator']);
    expect(endpoints.length).toBeGreaterThanOrEqual(50);
  });

  it('answers every nasty raw body on every write endpoint below 500, in the error envelope when refused', async () => {
    const cases = nastyBodyCases(endpoints, world);

    expect(await fuzz(cases, -cases.length)).toEqual([]);
    expect(cases.length).toBeGreaterThan(250);
  });

  it.each([
    ['each string of every write body, made unstorable (NUL, a lone surrogate), and a key that is', 'a 400', () => unstorableBodyCases(endpoints, world)],
    ['a NUL in a query value of every endpoint', 'a 400 from every service', () => unstorableQueryCases(endpoints, world)],
    ['__proto__, constructor, toString… as every path id and as a template id', 'a 400 or 404, never a default', () => ownKeyCases(endpoints, world)],
  ] as const)('answers %s with %s', async (_what, _answer, build) => {
    const cases: StrictCase[] = build();
    const before = tally.failures.length;
    const wrong: string[] = [];

    await pool(cases, CONCURRENCY, async (c, i) => {
      const answer = await send(platform.gateway.url, c.request);
      tally.record(c.group, i, c.request, answer);
      const why = strictVerdict(c, answer);
      if (why) wrong.push(`${c.request.method} ${c.request.target.slice(0, 120)} -> ${why}`);
    });

    expect(wrong).toEqual([]);
    expect(tally.failures.slice(before).map((f) => `${f.method} ${f.target.slice(0, 120)} -> ${f.why}`)).toEqual([]);
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(Array.from({ length: BATCHES }, (_, b) => [b + 1, BATCHES, b]))(
    'answers random paths, queries, headers and bodies below 500, in the error envelope when refused (batch %i of %i)',
    async (_n, _of, b) => {
      const size = Math.ceil(randomCases.length / BATCHES);
      const batch = randomCases.slice(b * size, (b + 1) * size);

      expect(await fuzz(batch, b * size)).toEqual([]);
      expect(batch.length).toBeGreaterThan(0);
    },
  );

  it("answers headers over node's 16 KB limit with 431 HEADERS_TOO_LARGE in the envelope", async () => {
    const c = { method: 'GET', target: '/auth/profile', headers: { 'x-padding': 'p'.repeat(20_000) } };

    const res = await send(platform.gateway.url, c);

    tally.record('GET /auth/profile (20 KB header)', 0, c, res);
    expect({ status: res.status, broken: verdict(res) }).toEqual({ status: 431, broken: undefined });
  });

  it('reached every endpoint with both real and garbage ids', () => {
    // At least 10 cases each on a default run; proportionally fewer when FUZZ_CASES is turned down.
    const least = Math.min(10, Math.floor(RANDOM_CASES / endpoints.length / 3));
    const untried = endpoints.map((e) => `${e.method} ${e.path}`).filter((g) => (tally.groups[g]?.cases ?? 0) < least);

    expect(untried).toEqual([]);
    expect(Object.keys(tally.statuses())).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
  });
});

describe('a WebSocket stream', () => {
  let target = '';
  let token = '';

  beforeAll(async () => {
    // Its own user: the fuzzed owner may be at the session quota by now.
    const streamer = await signUp(platform.api, 'streamer');
    token = streamer.tokens.access_token;
    target = `/api/v1/sessions/${(await createSession(streamer.as, { name: 'frames' })).id}/stream`;
  });

  it.each([
    ['a POST', 'POST', '', {}, undefined],
    ['an h2c upgrade', 'GET', '', { upgrade: 'h2c' }, undefined],
    ['a handshake with a body', 'GET', '', {}, Buffer.from('{"a":1}')],
    ['a broken percent-encoding', 'GET', '/%FF%FE', {}, undefined],
    ['a dot segment', 'GET', '/../../../internal/x', {}, undefined],
  ] as const)('refuses %s asking for an upgrade with a 400 envelope', async (what, method, suffix, headers, body) => {
    const c = {
      method,
      target: `${target}${suffix}`,
      headers: { ...WS_HANDSHAKE, authorization: `Bearer ${token}`, ...headers },
      ...(body ? { body } : {}),
    };

    const res = await send(platform.gateway.url, c);

    tally.record(`WS ${what}`, 0, c, res);
    expect({ status: res.status, broken: verdict(res) }).toEqual({ status: 400, broken: undefined });
  });

  it('answers an upgrade whose target starts with // with 404 in the envelope', async () => {
    const c = { method: 'GET', target: '//', headers: { ...WS_HANDSHAKE } };

    const res = await send(platform.gateway.url, c);

    tally.record('WS //', 0, c, res);
    expect({ status: res.status, broken: verdict(res) }).toEqual({ status: 404, broken: undefined });
  });

  it.each(MALFORMED_FRAMES)(
    'closes the stream of a client that sends %s, and sessions stays up',
    async (what, bytes) => {
      const res = await upgradeThenSend(platform.gateway.url, target, token, bytes);

      tally.record(
        `WS /api/v1/sessions/{id}/stream (${what})`,
        0,
        { method: 'GET', target, headers: {} },
        { status: res.status, headers: {}, text: '' },
      );
      // 1002 protocol error, 1009 too big: the server closes the stream properly instead of dying.
      expect(res.status).toBe(101);
      expect([1002, 1009]).toContain(res.closeCode);
      expect((await jsonRequest(platform.sessions!.url).get('/health')).status).toBe(200);
    },
  );
});

describe('after the fuzzing', () => {
  it('has every process alive and healthy', async () => {
    const liveness = await livenessOf(platform);
    const health = ApiHealthResponseSchema.parse((await platform.api.get('/api/health')).body);

    expect(Object.values(liveness).every(([alive, status]) => alive && status === 200)).toBe(true);
    expect(Object.keys(liveness)).toHaveLength(7);
    expect(health.status).toBe('ok');
  });

  it('shows no polluted prototype: fresh objects carry no `polluted` key', async () => {
    // A new user (the owner may be at the session quota): a polluted prototype would show for anyone.
    const fresh = await signUp(platform.api, 'after-fuzz');
    const channel = await createChannel(fresh.as, 'after the fuzz');
    const session = await createSession(fresh.as, { name: 'after the fuzz', channel_id: channel.id });
    const reads = await Promise.all([
      fresh.as.get('/auth/profile'),
      fresh.as.get(`/api/channels/${channel.id}`),
      fresh.as.get(`/api/v1/sessions/${session.id}`),
      fresh.as.get('/api/v1/webhook-settings'),
      platform.api.get('/api/service-info'),
    ]);

    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(
      [JSON.stringify(channel), JSON.stringify(session), ...reads.map((r) => r.text)].filter((t) =>
        t.includes('polluted'),
      ),
    ).toEqual([]);
    expect(tally.failures.filter((f) => f.why.includes('polluted'))).toEqual([]);
  });
});
