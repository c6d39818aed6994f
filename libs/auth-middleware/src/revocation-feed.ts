import { z } from 'zod';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis, env, type Lifecycle, type Logger, type ReadinessCheck } from '@platform/service-kit';
import type { TokenVerifier } from './token-cache';
import { RevocationList } from './revocations';

/** Settings of the revocation feed, the same in every service that verifies access tokens. */
export const RevocationConfigShape = {
  /** Prefix of the revocation keys and channel in Redis: one value for the whole platform (auth writes, everyone reads). */
  REVOCATIONS_PREFIX: z.string().default('auth:'),
  /** How long a service may go on trusting its copy of the revocations without proof it is current; then it refuses tokens (503). */
  REVOCATION_MAX_STALENESS_MS: env.ms.default(1000),
};

/**
 * The revocation list of one service instance: its own subscriber connection to `redisUrl`, loads
 * through `redis`, started now (it fails closed until loaded) and stopped with the service.
 */
export function startRevocationFeed(o: {
  redisUrl: string;
  redis: Redis;
  prefix: string;
  maxStalenessMs: number;
  logger: Logger;
  lifecycle: Lifecycle;
}): RevocationList {
  // No offline queue on the subscriber: a PING sent while it is down must fail, not wait.
  const subscriber = createRedis(o.redisUrl, o.logger, { enableOfflineQueue: false });
  const list = new RevocationList({ redis: o.redis, subscriber, prefix: o.prefix, logger: o.logger, maxStalenessMs: o.maxStalenessMs });
  o.lifecycle.onShutdown('revocation feed', async () => {
    list.stop();
    await closeRedis(subscriber);
  });
  list.start().catch((err: unknown) => o.logger.warn('revocation feed failed to start', { error: String(err) }));
  return list;
}

/** The readiness checks a verifier brings (its revocation feed must be current), for a service's `/ready`. */
export function verifierChecks(verifier: TokenVerifier): ReadinessCheck[] {
  return verifier.revocations ? [verifier.revocations.readinessCheck()] : [];
}
