import type { Express } from 'express';
import { JwksKeyStore, AccessTokenVerifier } from '@platform/auth-middleware';
import { createServiceApp, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
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
}

/** Wires repositories and services; exposed for main.ts (bootstrap admin) and tests. */
export function buildServices(d: Pick<AuthDeps, 'config' | 'db' | 'keys'>) {
  const users = new UsersRepository(d.db);
  const refreshTokens = new RefreshTokensRepository(d.db);
  const audit = new AuditRepository(d.db);
  const passwords = new PasswordHasher({ memoryCost: d.config.ARGON2_MEMORY_KIB, timeCost: d.config.ARGON2_TIME_COST });
  const issuer = new TokenIssuer(d.keys, refreshTokens, { accessS: d.config.ACCESS_TOKEN_TTL_S, refreshS: d.config.REFRESH_TOKEN_TTL_S });
  const auth = new AuthService(d.db, users, refreshTokens, audit, passwords, issuer);
  const usersService = new UsersService(d.db, users, refreshTokens, audit, passwords, auth);
  const identity = new ServiceIdentity(d.config.SERVICE_CLIENTS, d.keys, d.config.SERVICE_TOKEN_TTL_S);
  // Auth verifies tokens with the same code as every other service, fed its own keys.
  const verifier = new AccessTokenVerifier({
    keys: new JwksKeyStore({ fetchJwks: () => Promise.resolve(d.keys.jwks()) }),
    issuer: d.config.JWT_ISSUER,
    audience: d.config.JWT_AUDIENCE,
  });
  return { users, refreshTokens, audit, passwords, auth, usersService, identity, verifier };
}

export function createApp(d: AuthDeps): Express {
  const s = buildServices(d);
  return createServiceApp({
    service: 'auth',
    version: d.config.SERVICE_VERSION,
    instanceId: d.config.INSTANCE_ID,
    logger: d.logger,
    ...(d.metrics ? { metrics: d.metrics } : {}),
    checks: [{ name: 'postgres', check: async () => void (await d.db.$queryRaw`SELECT 1`) }],
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
