import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import winston from 'winston';
import { ErrorEnvelopeSchema, type ErrorEnvelope, type RegisterInstanceRequest } from '@platform/contracts';
import { Lifecycle, closeRedis, createLogger, createRedis, serve, type Logger } from '@platform/service-kit';
import { cleanupRedisPrefix, redisPrefix, testRedisUrl, uniqueId } from '@platform/testing';
import { createApp } from '../src/app';
import { loadRegistryConfig, type RegistryConfig } from '../src/config';

export const REGISTRY_TOKEN = 'registry-test-token-0123456789';
/** Short TTL so expiry is observable quickly; instances heartbeat every third of it (200 ms). */
export const TTL_MS = 600;
export const HEARTBEAT_MS = TTL_MS / 3;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const quietLogger = (): Logger => createLogger({ service: 'registry-test', level: 'error', pretty: false });

/** A logger that keeps its lines in memory (for failure messages) instead of printing them. */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString().trimEnd());
      done();
    },
  });
  const logger = winston.createLogger({ level, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines };
}

export interface TestRegistry {
  app: ReturnType<typeof createApp>;
  config: RegistryConfig;
  redis: Redis;
  prefix: string;
  /** Deletes the file's keys and closes Redis. */
  close(): Promise<void>;
}

/** The registry app in-process on the real Redis, under a key prefix private to the calling test file. */
export function buildRegistry(name: string, env: Record<string, string> = {}): TestRegistry {
  const prefix = redisPrefix(name);
  const config = loadRegistryConfig({
    NODE_ENV: 'test',
    REGISTRY_TOKEN,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    INSTANCE_TTL_MS: String(TTL_MS),
    ...env,
  });
  const logger = quietLogger();
  const redis = createRedis(config.REDIS_URL, logger);
  const app = createApp({ config, logger, redis, lifecycle: new Lifecycle() });
  return {
    app,
    config,
    redis,
    prefix,
    close: async () => {
      await cleanupRedisPrefix(prefix, redis);
      await closeRedis(redis);
    },
  };
}

/** The registry in-process and listening on a free port, for clients that need a URL. */
export async function serveRegistry(name: string, env: Record<string, string> = {}) {
  const registry = buildRegistry(name, env);
  const lifecycle = new Lifecycle();
  const running = await serve({
    name: 'registry',
    app: registry.app,
    port: 0,
    host: '127.0.0.1',
    logger: quietLogger(),
    lifecycle,
    shutdownTimeoutMs: 2000,
    // Its clients' idle keep-alive connections are closed at once: these tests are not about draining behind a proxy.
    idleGraceMs: 0,
  });
  return { ...registry, url: running.url, shutdown: () => running.shutdown('test') };
}

/** A valid registration body for service `name` with a fresh instance id. */
export function instanceBody(name = 'echo', overrides: Partial<RegisterInstanceRequest> = {}): RegisterInstanceRequest {
  const instance_id = uniqueId(name);
  return { name, instance_id, url: `http://127.0.0.1:9/${instance_id}`, version: '1.2.3', ...overrides };
}

/** Asserts `body` is the platform's error envelope and returns it typed. */
export function envelope(body: unknown): ErrorEnvelope {
  return ErrorEnvelopeSchema.parse(body);
}

export const bearer = (token = REGISTRY_TOKEN) => ({ authorization: `Bearer ${token}` });
