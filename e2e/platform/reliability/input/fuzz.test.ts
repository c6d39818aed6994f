import fc from 'fast-check';
import { ApiHealthResponseSchema } from '@platform/contracts';
import { jsonRequest } from '@platform/testing';
import type { Platform } from '../../tests/support/platform';
import { createChannel, createSession } from '../../tests/support/sessions';
import { deletesLast, listEndpoints, nastyBodyCases, randomCase, type Endpoint, type FuzzCase } from './support/cases';
import { WS_HANDSHAKE } from './support/forgeries';
import { livenessOf, logsOf, startFuzzPlatform } from './support/fuzz-platform';
import { Tally, verdict, writeReport } from './support/oracle';
import { pool, send } from './support/raw-client';
import { buildWorld, type World } from './support/world';
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
  const liveness = platform ? await livenessOf(platform) : {};
  const logs = platform ? logsOf(platform) : {};
  const file = writeReport('input-fuzz', {
    seed: SEED,
    endpoints: endpoints?.length ?? 0,
    cases: tally.cases,
    requests: tally.requests,
    unsendable: tally.unsendable,
    statuses: tally.statuses(),
    failures: tally.failures.length,
    duration_s: Math.round((Date.now() - started) / 1000),
    by_service: tally.byService(Object.fromEntries((endpoints ?? []).map((e) => [`${e.method} ${e.path}`, e.service]))),
    groups: tally.groups,
    first_failures: tally.failures.slice(0, 50),
    // What a process that died or stopped answering said last.
    dead: Object.fromEntries(
      Object.entries(liveness)
        .filter(([, [alive, status]]) => !alive || status !== 200)
        .map(([name]) => [name, logs[name]]),
    ),
  });
  process.stdout.write(
    `input fuzzing: ${tally.cases} cases, ${tally.requests} requests, ${tally.failures.length} failures -> ${file}\n`,
  );
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
    const untried = endpoints.map((e) => `${e.method} ${e.path}`).filter((g) => (tally.groups[g]?.cases ?? 0) < 10);

    expect(untried).toEqual([]);
    expect(Object.keys(tally.statuses())).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
  });
});

describe('a WebSocket stream', () => {
  let target = '';

  beforeAll(async () => {
    target = `/api/v1/sessions/${(await createSession(world.owner.as, { name: 'frames' })).id}/stream`;
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
      headers: { ...WS_HANDSHAKE, authorization: `Bearer ${world.owner.tokens.access_token}`, ...headers },
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
      const res = await upgradeThenSend(platform.gateway.url, target, world.owner.tokens.access_token, bytes);

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
    const channel = await createChannel(world.owner.as, 'after the fuzz');
    const session = await createSession(world.owner.as, { name: 'after the fuzz', channel_id: channel.id });
    const reads = await Promise.all([
      world.owner.as.get('/auth/profile'),
      world.owner.as.get(`/api/channels/${channel.id}`),
      world.owner.as.get(`/api/v1/sessions/${session.id}`),
      world.owner.as.get('/api/v1/webhook-settings'),
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
