import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  cleanupRedisPrefix,
  findRepoRoot,
  freePort,
  redisPrefix,
  startServiceProcess,
  type ServiceProcess,
} from '@platform/testing';
import type { Platform, PlatformOptions, RateRule } from '../../../tests/support/platform';
import { waitUntil } from '../../../tests/support/platform';

/** What this file uses of tools/deploy/support/haproxy.ts (declared here: tools/ is outside the Nx graph). */
interface HaproxyProcess {
  readonly url: string;
  gateways(): Promise<Array<{ status: string; address: string }>>;
  logs(): string[];
  stop(): Promise<void>;
}

/** What this file uses of tools/deploy/support/srv-dns.ts. */
interface SrvDns {
  readonly address: string;
  setSrv(name: string, targets: Array<{ target: string; port: number }>): void;
  close(): Promise<void>;
}

/**
 * The deploy tests' HAProxy runner and SRV DNS server, loaded by path (the module-boundary rule
 * cannot resolve tools/, which is no Nx project), so both suites drive HAProxy the same way.
 */
async function deploySupport(): Promise<{
  startHaproxy: (env: Record<string, string>) => Promise<HaproxyProcess>;
  startSrvDns: () => Promise<SrvDns>;
}> {
  const dir = path.join(findRepoRoot(), 'tools', 'deploy', 'support');
  const haproxy = (await import(path.join(dir, 'haproxy'))) as {
    startHaproxy: (env: Record<string, string>) => Promise<HaproxyProcess>;
  };
  const dns = (await import(path.join(dir, 'srv-dns'))) as { startSrvDns: () => Promise<SrvDns> };
  return { startHaproxy: haproxy.startHaproxy, startSrvDns: dns.startSrvDns };
}

/** The SRV name the gateways are published under (like a headless Service's). */
const GATEWAY_SRV = '_http._tcp.gateway.reliability.test';

/**
 * Settings that let a second gateway join a started platform as the first one's twin: one gateway
 * Redis prefix (shared rate-limit counters, as replicas share them) and the same rate rules.
 */
export class GatewayTwins {
  readonly redisPrefix = redisPrefix('rel-gateways');
  readonly rateLimits: RateRule[] = [
    { id: 'auth-register', prefix: '/auth/register', method: 'POST', limit: 100_000, window_s: 60 },
    { id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: 100_000, window_s: 60 },
    // The load reads channels for longer than a minute on a slow machine: past the default 100 a minute.
    { id: 'channels', prefix: '/api/channels', limit: 100_000, window_s: 60 },
  ];

  /**
   * Longer than the test platform's 2 s, as in production (k8s gives the gateway 20 s), and idle
   * keep-alive connections stay open 3 s (the services' default: half the drain, up to 5 s; the test
   * harness's is 0) so HAProxy (DOWN after two failed checks, about 1.5 s) stops using a draining
   * gateway before they close.
   */
  readonly drainEnv = { SHUTDOWN_TIMEOUT_MS: '6000', SHUTDOWN_IDLE_GRACE_MS: '3000' };

  /** startPlatform options that make its gateway use these settings. */
  platformOptions(): Pick<PlatformOptions, 'gatewayEnv' | 'rateLimits'> {
    return {
      gatewayEnv: { ...this.drainEnv, REDIS_PREFIX: this.redisPrefix, RATE_LIMIT_DEFAULT_PER_MIN: '1000000' },
      rateLimits: this.rateLimits,
    };
  }

  /** A second gateway process configured like the platform's own. */
  startTwin(platform: Platform): Promise<ServiceProcess> {
    return startServiceProcess({
      app: 'gateway',
      env: {
        NODE_ENV: 'test',
        ...this.drainEnv,
        REGISTRY_URL: platform.registry.url,
        REGISTRY_TOKEN: platform.registryToken,
        REDIS_PREFIX: this.redisPrefix,
        REVOCATIONS_PREFIX: platform.revocationsPrefix,
        RATE_LIMIT_DEFAULT_PER_MIN: '1000000',
        REGISTRY_CACHE_MS: '200',
        CORS_ORIGINS: platform.corsOrigin,
        RATE_LIMITS: JSON.stringify(this.rateLimits),
        REQUIRED_SERVICES: 'auth,channels,sessions,agent-runner',
      },
    });
  }

  cleanup(): Promise<number> {
    return cleanupRedisPrefix(this.redisPrefix);
  }
}

/** HAProxy on the repository's haproxy.cfg in front of `gateways`, found through a loopback DNS server's SRV records. */
export interface Edge {
  haproxy: HaproxyProcess;
  /** How many of the gateways HAProxy has UP. */
  upCount(): Promise<number>;
  /** Waits until HAProxy has `count` gateways UP. */
  waitUp(count: number, timeoutMs?: number): Promise<void>;
  /** Waits until HAProxy took the gateway on `port` out of rotation. */
  waitDown(port: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startEdge(gateways: ServiceProcess[]): Promise<Edge> {
  const { startHaproxy, startSrvDns } = await deploySupport();
  const dns = await startSrvDns();
  dns.setSrv(
    GATEWAY_SRV,
    gateways.map((g, i) => ({ target: `gw${i}.gateway.reliability.test`, port: g.port })),
  );
  let haproxy: HaproxyProcess;
  try {
    haproxy = await startHaproxy({
      GATEWAY_SERVICE: GATEWAY_SRV,
      HAPROXY_NAMESERVER: dns.address,
      HAPROXY_HTTP_BIND: `127.0.0.1:${await freePort()}`,
      HAPROXY_STATS_BIND: `127.0.0.1:${await freePort()}`,
      HAPROXY_STATS_PASSWORD: randomUUID(),
      HAPROXY_MAXCONN: '2000',
      // The per-IP edge limit is not under test here: every client of the test shares 127.0.0.1.
      HAPROXY_RATE_LIMIT: '1000000',
    });
  } catch (err) {
    await dns.close();
    throw err;
  }
  const upCount = async () => (await haproxy.gateways()).filter((s) => s.status.startsWith('UP')).length;
  return {
    haproxy,
    upCount,
    waitUp: (count, timeoutMs = 30_000) =>
      waitUntil(`${count} gateways UP in HAProxy`, async () => (await upCount()) >= count, timeoutMs, 100),
    waitDown: (port, timeoutMs = 30_000) =>
      waitUntil(
        `gateway on ${port} out of rotation`,
        async () => {
          const server = (await haproxy.gateways()).find((s) => s.address === `127.0.0.1:${port}`);
          return server !== undefined && !server.status.startsWith('UP');
        },
        timeoutMs,
        50,
      ),
    close: async () => {
      await haproxy.stop();
      await dns.close();
    },
  };
}
