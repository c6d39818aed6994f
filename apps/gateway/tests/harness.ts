import http from 'node:http';
import type net from 'node:net';
import { generateKeyPairSync, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { WebSocketServer } from 'ws';
import { AccessTokenVerifier, JwksKeyStore } from '@platform/auth-middleware';
import { BreakerRegistry, RegistryResolver, ServiceClient, StaticResolver } from '@platform/service-client';
import { Lifecycle, createLogger, createMetrics, createRedis, closeRedis, serve, type RunningService } from '@platform/service-kit';
import { cleanupRedisPrefix, freePort, redisPrefix, startServiceProcess, testRedisUrl, type ServiceProcess } from '@platform/testing';
import { createApp } from '../src/app';
import { loadGatewayConfig } from '../src/config';
import { ROUTES } from '../src/route-table';

export const ISSUER = 'agent-platform';
export const AUDIENCE = 'agent-platform';

/** A local upstream standing in for a platform service: JSON, SSE, WebSocket echo, and a switch to go down. */
export class Upstream {
  readonly seenHeaders: http.IncomingHttpHeaders[] = [];
  /** Resolved by the test once it has read the first SSE event, so the stream proves it is not buffered. */
  releaseSse: () => void = () => undefined;
  private server: http.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    const wss = new WebSocketServer({ server, path: '/echo/ws' });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m.toString()}`)));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.seenHeaders.push(req.headers);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/echo/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('id: 1\nevent: tick\ndata: {"n":1}\n\n');
      const released = new Promise<void>((resolve) => (this.releaseSse = resolve));
      void released.then(() => {
        res.write('id: 2\nevent: tick\ndata: {"n":2}\n\n');
        res.end();
      });
      return;
    }
    if (path === '/echo/fail') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom","error_code":"INTERNAL_ERROR","request_id":"x","timestamp":"t"}');
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path, body }));
    });
  }
}

export interface GatewayHarness {
  gateway: RunningService;
  registry: ServiceProcess;
  upstream: Upstream;
  token: (sub?: string, role?: string) => string;
  close: () => Promise<void>;
}

/** Real registry and gateway in-process, a local upstream registered as service `echo`, and a signing key. */
export async function startGateway(env: Record<string, string> = {}): Promise<GatewayHarness> {
  const logger = createLogger({ service: 'gateway-test', level: 'error', pretty: false });
  const registryToken = `test-${randomUUID()}`;
  const registryPrefix = redisPrefix('gw-registry');
  const gatewayPrefix = redisPrefix('gw');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'test-key';
  const jwk = { ...(createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>), kid, alg: 'ES256', use: 'sig' };

  const registry = await startServiceProcess({
    app: 'registry',
    // The echo instance below never heartbeats: it must outlive the file however slowly it runs (a 3 s TTL
    // expired mid-file on a loaded machine: 'no live instance registered' instead of the breaker's answer).
    env: { REGISTRY_TOKEN: registryToken, REDIS_PREFIX: registryPrefix, INSTANCE_TTL_MS: '600000', REDIS_URL: testRedisUrl(), SHUTDOWN_TIMEOUT_MS: '1000' },
  });

  const upstream = new Upstream(await freePort());
  await upstream.start();
  const reg = await fetch(`${registry.url}/registry/instances`, {
    method: 'POST',
    headers: { authorization: `Bearer ${registryToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'echo', instance_id: 'echo-1', url: upstream.url, version: '1' }),
  });
  if (reg.status !== 201) throw new Error(`registering echo failed: ${reg.status}`);

  const config = loadGatewayConfig({
    REGISTRY_TOKEN: registryToken,
    REGISTRY_URL: registry.url,
    REDIS_PREFIX: gatewayPrefix,
    CORS_ORIGINS: 'https://app.example.com',
    BODY_LIMIT: '1kb',
    BREAKER_RESET_MS: '500',
    BREAKER_VOLUME_THRESHOLD: '3',
    ...env,
  });
  const metrics = createMetrics('gateway', { collectDefaults: false });
  const redis = createRedis(testRedisUrl(), logger);
  const breakers = new BreakerRegistry(logger, metrics.registry, {
    errorThresholdPercentage: 50,
    volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
    resetTimeoutMs: config.BREAKER_RESET_MS,
    rollingCountTimeoutMs: 10_000,
  });
  const resolver = new RegistryResolver({ registryUrl: registry.url, token: registryToken, logger, cacheTtlMs: 100 });
  const registryClient = new ServiceClient({
    target: 'registry',
    resolver: new StaticResolver({ registry: [registry.url] }),
    breakers,
    logger,
    token: () => Promise.resolve(registryToken),
  });
  const verifier = new AccessTokenVerifier({
    keys: new JwksKeyStore({ fetchJwks: () => Promise.resolve({ keys: [jwk as unknown as { kty: string; kid: string }] }) }),
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  const lifecycle = new Lifecycle();
  const { app, upgrade } = createApp({
    config,
    logger,
    redis,
    lifecycle,
    resolver,
    breakers,
    verifier,
    registry: registryClient,
    metrics,
    routes: [...ROUTES, { prefix: '/echo', service: 'echo', publicPaths: ['/echo/public'] }],
  });
  const gateway = await serve({
    name: 'gateway',
    app,
    port: 0,
    host: '127.0.0.1',
    logger,
    lifecycle,
    shutdownTimeoutMs: 1000,
    onServer: (s) => s.on('upgrade', upgrade),
  });

  const token = (sub: string = randomUUID(), role = 'user') =>
    jwt.sign({ role }, privateKey as KeyObject, { algorithm: 'ES256', keyid: kid, issuer: ISSUER, audience: AUDIENCE, subject: sub, jwtid: randomUUID(), expiresIn: 300 });

  return {
    gateway,
    registry,
    upstream,
    token,
    close: async () => {
      await gateway.shutdown();
      await registry.stop();
      await upstream.stop();
      breakers.shutdown();
      await cleanupRedisPrefix(registryPrefix, redis);
      await cleanupRedisPrefix(gatewayPrefix, redis);
      await closeRedis(redis);
    },
  };
}
