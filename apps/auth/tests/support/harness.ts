import { generateKeyPairSync } from 'node:crypto';
import type { Express } from 'express';
import { Lifecycle, createLogger, type Logger } from '@platform/service-kit';
import { createTestDatabase } from '@platform/testing';
import { buildServices, createApp } from '../../src/app';
import { loadAuthConfig, type AuthConfig } from '../../src/config';
import { createDb, type Db } from '../../src/db';
import { SigningKeys } from '../../src/services/signing-keys';

export const SERVICE_CLIENT = { id: 'sessions', secret: 'sessions-secret-0123456789' } as const;

/** Env every test app starts from: cheap argon2, no registry, one known service client. */
export const baseEnv = (): Record<string, string> => ({
  NODE_ENV: 'test',
  LOG_LEVEL: 'error',
  REGISTRY_TOKEN: 'registry-test-token-0123456789',
  REGISTER_WITH_REGISTRY: 'false',
  ARGON2_MEMORY_KIB: '4096',
  ARGON2_TIME_COST: '1',
  SERVICE_CLIENTS: `${SERVICE_CLIENT.id}:${SERVICE_CLIENT.secret}`,
});

export const quietLogger = (): Logger => createLogger({ service: 'auth-test', level: 'error', pretty: false });

export const newPrivateKeyPem = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

export interface AppParts {
  app: Express;
  config: AuthConfig;
  db: Db;
  keys: SigningKeys;
}

/** The auth app in-process over `DATABASE_URL` (which may point nowhere: outage tests). */
export function buildAuthApp(env: Record<string, string>): AppParts {
  const config = loadAuthConfig({ ...baseEnv(), JWT_PRIVATE_KEY: newPrivateKeyPem(), ...env });
  const db = createDb(config.DATABASE_URL);
  const keys = new SigningKeys(config.JWT_PRIVATE_KEY, config.JWT_ISSUER, config.JWT_AUDIENCE);
  const app = createApp({ config, logger: quietLogger(), db, keys, lifecycle: new Lifecycle() });
  return { app, config, db, keys };
}

export interface AuthHarness extends AppParts {
  services: ReturnType<typeof buildServices>;
  /** Disconnects Prisma and drops the file's database. */
  close(): Promise<void>;
}

/** The auth app in-process on a fresh, migrated database private to the calling test file. */
export async function startAuth(env: Record<string, string> = {}): Promise<AuthHarness> {
  const database = await createTestDatabase('auth');
  const parts = buildAuthApp({ DATABASE_URL: database.url, ...env });
  return {
    ...parts,
    services: buildServices({ ...parts, logger: quietLogger() }),
    close: async () => {
      await parts.db.$disconnect();
      await database.drop();
    },
  };
}
