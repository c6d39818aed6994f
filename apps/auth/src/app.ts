import type { Express } from 'express';
import { JwksKeyStore, AccessTokenVerifier, VerifiedTokenCache, type RevocationList } from '@platform/auth-middleware';
import { createServiceApp, redisCheck, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import type { Redis } from 'ioredis';
import type { AuthConfig } from './config';
import { databaseErrors } from '@platform/db-kit';
import type { Db } from './db';
import { UsersRepository } from './repositories/users.repository';
import { RefreshTokensRepository } from './repositories/refresh-tokens.repository';
import { AuditRepository } from './repositories/audit.repository';
import { PasswordHasher } from './services/passwords';
import type { SigningKeys } from './services/signing-keys';
import { TokenIssuer } from './services/token-issuer';
import { AuthService } from './services/auth.service';
import { RevocationsRepository } from './repositories/revocations.repository';
import { RevocationOutbox, type PublishRevocation } from './services/revocation-outbox';
import { Revoker } from './services/revoker';
import { UsersService } from './services/users.service';
import { ServiceIdentity } from './services/service-identity';
import { authRoutes } from './routes/auth.routes';
import { internalRoutes, usersRoutes } from './routes/users.routes';
import { AUTH_OPERATIONS } from './routes/endpoints';

export interface AuthDeps {
  config: AuthConfig;
  logger: Logger;
  db: Db;
  keys: SigningKeys;
  lifecycle: Lifecycle;
  metrics?: Metrics;
  /** The revocation feed and its Redis (main.ts); without them revocations stay in the outbox and tokens are not checked against any. */
  revocations?: { list: RevocationList; redis: Redis; publish: PublishRevocation };
}

/** Wires repositories and services; exposed for main.ts (bootstrap admin) and tests. */
export function buildServices(d: Pick<AuthDeps, 'config' | 'db' | 'keys' | 'revocations' | 'logger'>) {
  const users = new UsersRepository(d.db);
  const refreshTokens = new RefreshTokensRepository(d.db);
  const audit = new AuditRepository(d.db);
  const passwords = new PasswordHasher({ memoryCost: d.config.ARGON2_MEMORY_KIB, timeCost: d.config.ARGON2_TIME_COST });
  const issuer = new TokenIssuer(d.keys, refreshTokens, { accessS: d.config.ACCESS_TOKEN_TTL_S, refreshS: d.config.REFRESH_TOKEN_TTL_S });
  const revocations = new RevocationsRepository(d.db);
  const outbox = new RevocationOutbox({
    db: d.db,
    repository: revocations,
    publish: d.revocations?.publish,
    logger: d.logger,
    keepMs: 7 * 86_400_000,
  });
  const revoker = new Revoker(users, revocations, outbox);
  const auth = new AuthService(d.db, users, refreshTokens, audit, passwords, issuer, revoker);
  const usersService = new UsersService(d.db, users, refreshTokens, audit, passwords, auth, revoker);
  const identity = new ServiceIdentity(d.config.SERVICE_CLIENTS, d.keys, d.config.SERVICE_TOKEN_TTL_S);
  // Auth verifies tokens with the same code as every other service, fed its own keys.
  const verifier = new VerifiedTokenCache(
    new AccessTokenVerifier({
      keys: new JwksKeyStore({ fetchJwks: () => Promise.resolve(d.keys.jwks()) }),
      issuer: d.config.JWT_ISSUER,
      audience: d.config.JWT_AUDIENCE,
    }),
    undefined,
    undefined,
    d.revocations?.list,
  );
  return { users, refreshTokens, audit, passwords, auth, usersService, identity, verifier, outbox };
}

export function createApp(d: AuthDeps): Express {
  const s = buildServices(d);
  if (d.revocations) {
    s.outbox.startSweep(d.config.REVOCATION_SWEEP_MS);
    d.lifecycle.onShutdown('revocation sweep', () => s.outbox.stopSweep());
  }
  return createServiceApp({
    service: 'auth',
    version: d.config.SERVICE_VERSION,
    instanceId: d.config.INSTANCE_ID,
    logger: d.logger,
    ...(d.metrics ? { metrics: d.metrics } : {}),
    checks: [
      { name: 'postgres', check: async () => void (await d.db.$queryRaw`SELECT 1`) },
      ...(d.revocations ? [redisCheck(d.revocations.redis), d.revocations.list.readinessCheck()] : []),
    ],
    bodyLimit: d.config.BODY_LIMIT,
    trustProxy: d.config.TRUST_PROXY,
    isAccepting: d.lifecycle.isAccepting,
    openapi: { title: 'auth', version: d.config.SERVICE_VERSION, operations: AUTH_OPERATIONS },
    routes: (app) => {
      app.use(authRoutes({ auth: s.auth, identity: s.identity, keys: d.keys, verifier: s.verifier }));
      app.use(usersRoutes({ users: s.usersService, verifier: s.verifier }));
      app.use(internalRoutes({ users: s.usersService, verifier: s.verifier }));
      app.use(databaseErrors());
    },
  });
}
