/**
 * haproxy.cfg run live: Debian's haproxy (installed by .ci/run) runs the repository's file,
 * unchanged, in front of two real gateway processes that it discovers through DNS SRV records
 * (a loopback DNS server stands in for the cluster DNS). Only loopback addresses are used.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { freePort, sseClient } from '@platform/testing';
import { startEdge, upServers, waitUp, type Edge } from './support/edge';
import { type HaproxyProcess } from './support/haproxy';
import { waitFor } from './support/wait';
import { httpsGet, selfSignedPem } from './support/tls';
import { get, send, steadyTraffic } from './support/traffic';

const JWKS = '/auth/.well-known/jwks.json';
let edge: Edge;
let haproxy: HaproxyProcess;

beforeAll(async () => {
  edge = await startEdge();
  haproxy = await edge.haproxy({ HAPROXY_RATE_LIMIT: '100000' });
  await waitUp(haproxy, 2);
}, 60_000);

afterAll(async () => {
  await edge?.close();
}, 30_000);

const serverAt = async (port: number) => (await haproxy.gateways()).find((s) => s.address === `127.0.0.1:${port}`);

it('routes requests to both replicas, with a request id and security headers, and keeps /internal out', async () => {
  const before = await haproxy.gateways();
  for (let i = 0; i < 20; i++) {
    const r = await get(`${haproxy.url}${JWKS}`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ keys: [expect.objectContaining({ kid: 'deploy-test-key' })] });
    expect(r.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(edge.upstream.lastHeaders['x-request-id']).toBe(r.headers['x-request-id']);
  }
  for (const server of await haproxy.gateways()) {
    expect(server.total - (before.find((b) => b.server === server.server)?.total ?? 0)).toBeGreaterThan(0);
  }
  const internal = await get(`${haproxy.url}/internal/users/1`);
  expect(internal.status).toBe(404);
  expect(JSON.parse(internal.body)).toMatchObject({ error_code: 'ROUTE_NOT_FOUND' });
  expect((await get(`${haproxy.url}//Internal/x`)).status).toBe(404);
});

it('serves the stats page on its own port, only with the credentials', async () => {
  expect((await fetch(haproxy.statsUrl)).status).toBe(401);
  const wrong = `Basic ${Buffer.from('admin:wrong').toString('base64')}`;
  expect((await fetch(haproxy.statsUrl, { headers: { authorization: wrong } })).status).toBe(401);
  expect(
    (await haproxy.stats()).some((s) => s.proxy === 'gateway' && s.server === 'BACKEND' && s.status === 'UP'),
  ).toBe(true);
  expect((await get(`${haproxy.url}/stats`)).status).not.toBe(200);
});

it('streams server-sent events through HAProxy and the gateway unbuffered', async () => {
  const stream = await sseClient(`${haproxy.url}/api/v1/sessions/s-1/stream`, {
    authorization: `Bearer ${edge.upstream.token()}`,
  });
  try {
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    // The upstream holds the second event back until the first one has arrived at the client.
    expect(await stream.next(5000)).toMatchObject({ event: 'run_started', id: '1' });
    edge.upstream.releaseStream();
    expect(await stream.next(5000)).toMatchObject({ event: 'run_completed', id: '2' });
  } finally {
    stream.close();
  }
});

it('carries a WebSocket through HAProxy and the gateway (upgrade, then a tunnel), and logs its path without the ?token=', async () => {
  const token = edge.upstream.token();
  const ws = new WebSocket(`${haproxy.url.replace('http', 'ws')}/api/v1/sessions/s-1/ws?token=${token}`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (m: Buffer) => resolve(m.toString())));
    ws.send('hello');
    expect(await reply).toBe('echo:hello');
  } finally {
    ws.close();
  }
  // HAProxy logs a tunnel when it ends.
  const line = await waitFor('the handshake in the log', async () => haproxy.logs().find((l) => l.includes('/api/v1/sessions/s-1/ws')), 10_000);
  expect(line).toMatch(/"GET \/api\/v1\/sessions\/s-1\/ws HTTP\/1\.1"/);
  expect(haproxy.logs().filter((l) => l.includes(token) || l.includes('token='))).toEqual([]);
});

it('sets X-Forwarded-For from the connection, discarding the one the client sent', async () => {
  const r = await get(`${haproxy.url}${JWKS}`, { headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' }, localAddress: '127.0.0.4' });
  expect(r.status).toBe(200);
  // HAProxy's value (the client's address), then the gateway's hop (HAProxy's address).
  expect(String(edge.upstream.lastHeaders['x-forwarded-for']).split(',').map((a) => a.trim())).toEqual(['127.0.0.4', '127.0.0.1']);
});

it('limits /auth/login per client IP, whatever X-Forwarded-For or bearer token the client sends', async () => {
  // The gateways' default rule: 10 logins per minute per client IP (a fresh source address: a fresh IP).
  const answers = [];
  for (let i = 0; i < 13; i++) {
    answers.push(
      await send('POST', `${haproxy.url}/auth/login`, {
        localAddress: '127.0.0.5',
        headers: { 'x-forwarded-for': `203.0.113.${i}`, authorization: `Bearer ${edge.upstream.token()}` },
        json: { email: 'someone@example.com', password: 'not-important-1' },
      }),
    );
  }
  expect(answers.map((a) => a.status)).toEqual([...Array<number>(10).fill(200), ...Array<number>(3).fill(429)]);
  expect(JSON.parse(answers[12]!.body)).toMatchObject({ error_code: 'RATE_LIMITED' });
  // Another client address has its own allowance.
  expect((await send('POST', `${haproxy.url}/auth/login`, { localAddress: '127.0.0.6', json: {} })).status).toBe(200);
});

/** Steady GETs through HAProxy while `disrupt` takes a gateway away; resolves with what the clients saw. */
async function underTraffic(port: number, disrupt: () => Promise<unknown>) {
  const traffic = steadyTraffic(`${haproxy.url}${JWKS}`, { workers: 4, pauseMs: 5, maxMs: 20_000 });
  await waitFor('traffic flowing', async () => (traffic.ok >= 100 ? true : undefined), 10_000);
  await disrupt();
  await waitFor(
    'the gateway out of rotation',
    async () => ((await serverAt(port))?.status.startsWith('UP') ? undefined : true),
    10_000,
  );
  const atDown = traffic.ok;
  await waitFor('more traffic after the failover', async () => (traffic.ok >= atDown + 100 ? true : undefined), 10_000);
  return traffic.stop();
}

it('loses no request when a gateway is killed (SIGKILL) under steady traffic, then takes it back', async () => {
  const [victim] = edge.gateways;
  const result = await underTraffic(victim.port, () => victim.kill());
  expect(result.failures).toEqual([]);
  expect(result.ok).toBeGreaterThan(200);
  expect((await serverAt(victim.port))?.status).toMatch(/^DOWN/);
  await victim.restart();
  await waitUp(haproxy, 2);
}, 60_000);

it('loses no request when a gateway drains on SIGTERM under steady traffic', async () => {
  const [, draining] = edge.gateways;
  let exitCode: number | null = null;
  const result = await underTraffic(draining.port, async () => (exitCode = await draining.stop('SIGTERM')));
  expect(exitCode).toBe(0);
  expect(result.failures).toEqual([]);
}, 60_000);

it('answers 429 with a JSON envelope once one client IP passes the per-IP limit, while other IPs pass', async () => {
  const limited = await edge.haproxy({ HAPROXY_RATE_LIMIT: '10' });
  await waitUp(limited, 1);
  const answers = [];
  for (let i = 0; i < 15; i++) answers.push(await get(`${limited.url}${JWKS}`, { localAddress: '127.0.0.1' }));
  expect(answers.map((a) => a.status)).toEqual([...Array<number>(10).fill(200), ...Array<number>(5).fill(429)]);
  const refused = answers[10]!;
  expect(refused.headers['retry-after']).toBe('10');
  expect(refused.headers['content-type']).toContain('application/json');
  expect(JSON.parse(refused.body)).toMatchObject({ error_code: 'RATE_LIMITED', request_id: expect.any(String) });
  expect((await get(`${limited.url}${JWKS}`, { localAddress: '127.0.0.2' })).status).toBe(200);
}, 30_000);

it('serves HTTPS with HSTS when given a certificate, and redirects plain HTTP to it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haproxy-tls-'));
  try {
    const httpsBind = `127.0.0.1:${await freePort()}`;
    const tls = await edge.haproxy({ HAPROXY_TLS_CERT: selfSignedPem(dir), HAPROXY_HTTPS_BIND: httpsBind });
    await waitUp(tls, 1);
    const secure = await httpsGet(`https://${httpsBind}${JWKS}`);
    expect(secure.status).toBe(200);
    expect(secure.headers['strict-transport-security']).toContain('max-age=');
    const plain = await get(`${tls.url}${JWKS}`);
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toMatch(/^https:\/\//);
    expect((await upServers(tls)).length).toBeGreaterThan(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
