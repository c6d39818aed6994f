import type { Express } from 'express';
import { Lifecycle, createLogger } from '@platform/service-kit';
import { createTestDatabase } from '@platform/testing';
import { createApp } from '../../src/app';
import { loadChannelsConfig, type ChannelsConfig } from '../../src/config';
import { createDb, type Db } from '../../src/db';
import { TestSigner } from './tokens';

/** Env every test app starts from: no registry, quiet logs. */
export const baseEnv = (): Record<string, string> => ({
  NODE_ENV: 'test',
  LOG_LEVEL: 'error',
  REGISTRY_TOKEN: 'registry-test-token-0123456789',
  REGISTER_WITH_REGISTRY: 'false',
});

export interface AppParts {
  app: Express;
  config: ChannelsConfig;
  db: Db;
  signer: TestSigner;
}

/** The channels app in-process over `DATABASE_URL` (which may point nowhere: outage tests), verifying a local test key. */
export function buildChannelsApp(env: Record<string, string>): AppParts {
  const config = loadChannelsConfig({ ...baseEnv(), ...env });
  const db = createDb(config.DATABASE_URL);
  const signer = new TestSigner();
  const logger = createLogger({ service: 'channels-test', level: 'error', pretty: false });
  const app = createApp({ config, logger, db, verifier: signer.verifier(), lifecycle: new Lifecycle() });
  return { app, config, db, signer };
}

export interface ChannelsHarness extends AppParts {
  /** Disconnects Prisma and drops the file's database. */
  close(): Promise<void>;
}

/** The channels app in-process on a fresh, migrated database private to the calling test file. */
export async function startChannels(env: Record<string, string> = {}): Promise<ChannelsHarness> {
  const database = await createTestDatabase('channels');
  const parts = buildChannelsApp({ DATABASE_URL: database.url, ...env });
  return {
    ...parts,
    close: async () => {
      await parts.db.$disconnect();
      await database.drop();
    },
  };
}
