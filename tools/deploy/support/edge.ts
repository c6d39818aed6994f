import { randomUUID } from 'node:crypto';
import {
  cleanupRedisPrefix,
  freePort,
  redisPrefix,
  startServiceProcess,
  testRedisUrl,
  type ServiceProcess,
} from '@platform/testing';
import { FakeUpstream } from './fake-upstream';
import { startHaproxy, type HaproxyProcess, type ServerStats } from './haproxy';
import { waitFor } from './wait';
import { startSrvDns, type SrvDns } from './srv-dns';

/** The SRV name the gateways are published under (like `_http._tcp.gateway-headless.<ns>.svc.cluster.local`). */
export const GATEWAY_SRV = '_http._tcp.gateway.deploy.test';

/**
 * What runs behind HAProxy in the live tests: a real registry, two real gateway processes, a fake
 * upstream registered as auth and sessions, and a DNS server publishing the gateways' SRV records.
 */
export interface Edge {
  registry: ServiceProcess;
  gateways: [ServiceProcess, ServiceProcess];
  upstream: FakeUpstream;
  dns: SrvDns;
  /** Starts HAProxy on haproxy.cfg with free loopback ports, this DNS server and `extra` settings. */
  haproxy(extra?: Record<string, string>): Promise<HaproxyProcess>;
  close(): Promise<void>;
}

export const upServers = async (h: HaproxyProcess): Promise<ServerStats[]> =>
  (await h.gateways()).filter((s) => s.status.startsWith('UP'));

/** Waits until HAProxy has `count` gateway servers UP. */
export const waitUp = (h: HaproxyProcess, count: number, timeoutMs = 15_000): Promise<true> =>
  waitFor(
    `${count} gateway(s) UP in HAProxy`,
    async () => ((await upServers(h)).length >= count ? true : undefined),
    timeoutMs,
  );

async function register(registry: ServiceProcess, token: string, name: string, url: string): Promise<void> {
  const res = await fetch(`${registry.url}/registry/instances`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, instance_id: `${name}-fake`, url, version: '1' }),
  });
  if (res.status !== 201) throw new Error(`registering ${name} failed: ${res.status} ${await res.text()}`);
}

export async function startEdge(): Promise<Edge> {
  const token = `deploy-${randomUUID()}`;
  const registryPrefix = redisPrefix('deploy-registry');
  const gatewayPrefix = redisPrefix('deploy-gateway');
  const statsPassword = randomUUID();
  const upstream = new FakeUpstream();
  await upstream.start();
  const registry = await startServiceProcess({
    app: 'registry',
    env: { REGISTRY_TOKEN: token, REDIS_URL: testRedisUrl(), REDIS_PREFIX: registryPrefix, INSTANCE_TTL_MS: '600000' },
  });
  for (const name of ['auth', 'sessions']) await register(registry, token, name, upstream.url);
  const env = {
    REGISTRY_URL: registry.url,
    REGISTRY_TOKEN: token,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: gatewayPrefix,
    // The edge limit is HAProxy's here; the gateways' own per-client limit stays out of the way.
    RATE_LIMIT_DEFAULT_PER_MIN: '1000000',
    SHUTDOWN_TIMEOUT_MS: '3000',
    // Idle keep-alive connections stay open this long once draining starts, so HAProxy stops using them first.
    SHUTDOWN_IDLE_GRACE_MS: '1500',
  };
  const start = () => startServiceProcess({ app: 'gateway', env, stopTimeoutMs: 5000 });
  const gateways = (await Promise.all([start(), start()])) as [ServiceProcess, ServiceProcess];
  const dns = await startSrvDns();
  dns.setSrv(
    GATEWAY_SRV,
    gateways.map((g, i) => ({ target: `gw${i}.gateway.deploy.test`, port: g.port })),
  );
  const started: HaproxyProcess[] = [];
  return {
    registry,
    gateways,
    upstream,
    dns,
    haproxy: async (extra = {}) => {
      const h = await startHaproxy({
        GATEWAY_SERVICE: GATEWAY_SRV,
        HAPROXY_NAMESERVER: dns.address,
        HAPROXY_HTTP_BIND: `127.0.0.1:${await freePort()}`,
        HAPROXY_STATS_BIND: `127.0.0.1:${await freePort()}`,
        HAPROXY_STATS_PASSWORD: statsPassword,
        HAPROXY_MAXCONN: '2000',
        ...extra,
      });
      started.push(h);
      return h;
    },
    close: async () => {
      await Promise.all(started.map((h) => h.stop()));
      await Promise.all(gateways.map((g) => g.stop()));
      await registry.stop();
      await dns.close();
      await upstream.stop();
      await cleanupRedisPrefix(registryPrefix);
      await cleanupRedisPrefix(gatewayPrefix);
    },
  };
}
