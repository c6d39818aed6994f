import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { childPids, cpuTimeMs } from '@platform/testing';
import { signUp, type Session } from './support/accounts';
import { startPlatform, waitUntil, type Platform } from './support/platform';

jest.setTimeout(60_000);

// The gateway with WORKERS=2: one primary supervising two worker processes on the same port.
let platform: Platform;
let user: Session;
let slow: http.Server;
let slowUrl: string;
let slowArrivals = 0;

beforeAll(async () => {
  // A drain long enough for the stand-in's 1.5 s answer with seconds to spare on a loaded machine.
  platform = await startPlatform({
    name: 'e2e-gw-cluster',
    gatewayEnv: { WORKERS: '2', REGISTRY_CACHE_MS: '100', SHUTDOWN_TIMEOUT_MS: '6000' },
  });
  user = await signUp(platform.api, 'cluster');
  // A channels stand-in that answers after 1.5 s: a request in flight while the gateway is told to stop.
  slow = http.createServer((_req, res) => {
    slowArrivals++;
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"next_cursor":null}'), 1500);
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
}, 90_000);

afterAll(async () => {
  await platform?.stop();
  slow?.close();
}, 30_000);

/** GET on a fresh connection each time, so the primary hands each to the next worker in turn. */
function getFresh(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const healthCount = (metrics: string): number =>
  metrics
    .split('\n')
    .filter((l) => l.startsWith('http_requests_total{') && l.includes('route="/health"') && l.includes('status="200"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

it('serves its port from two worker processes under one primary, both taking connections', async () => {
  const workers = childPids(platform.gateway.pid);
  expect(workers).toHaveLength(2);
  const before = workers.map(cpuTimeMs);
  for (let i = 0; i < 300; i++) expect((await getFresh(`${platform.gateway.url}/health`)).status).toBe(200);
  // Connections are handed to the workers in turn: each did a share of the work (an idle one stays near 0).
  const used = workers.map((pid, i) => cpuTimeMs(pid) - before[i]!);
  for (const ms of used) expect(ms).toBeGreaterThanOrEqual(50);
});

it('answers /metrics with every worker counted, whichever worker serves the scrape', async () => {
  const before = healthCount((await getFresh(`${platform.gateway.url}/metrics`)).body);
  for (let i = 0; i < 20; i++) expect((await getFresh(`${platform.gateway.url}/health`)).status).toBe(200);
  // Each scrape lands on one worker; both must report all 20 (one worker's own count would be ~10).
  for (let i = 0; i < 4; i++) {
    const after = healthCount((await getFresh(`${platform.gateway.url}/metrics`)).body);
    expect(after - before).toBe(20);
  }
});

it('starts another worker when one dies', async () => {
  const [victim] = childPids(platform.gateway.pid);
  process.kill(victim!, 'SIGKILL');
  await waitUntil('the primary has two workers again', async () => {
    const now = childPids(platform.gateway.pid);
    return now.length === 2 && !now.includes(victim!);
  });
  for (let i = 0; i < 6; i++) expect((await getFresh(`${platform.gateway.url}/health`)).status).toBe(200);
});

it('on SIGTERM, finishes the request in flight, then the primary and both workers exit 0', async () => {
  const registered = await fetch(`${platform.registry.url}/registry/instances`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.registryToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'channels', instance_id: 'slow-channels', url: slowUrl, version: 'test' }),
  });
  expect(registered.status).toBe(201);
  await waitUntil('the gateway routes /api/channels to the stand-in', async () => {
    return (await getFresh(`${platform.gateway.url}/api/channels`, { authorization: `Bearer ${user.tokens.access_token}` })).status === 200;
  });
  const workers = childPids(platform.gateway.pid);
  const arrivalsBefore = slowArrivals;
  const inFlight = getFresh(`${platform.gateway.url}/api/channels`, { authorization: `Bearer ${user.tokens.access_token}` });
  await waitUntil('the request is at the stand-in', () => slowArrivals > arrivalsBefore, 10_000, 10);
  const exited = platform.gateway.stop('SIGTERM');

  expect((await inFlight).status).toBe(200);
  expect(await exited).toBe(0);
  for (const pid of workers) expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
});
