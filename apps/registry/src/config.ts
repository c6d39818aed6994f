import { z } from 'zod';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';

export const RegistryConfigSchema = BaseConfigSchema.extend({
  PORT: env.port.default(8100),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().default('registry:'),
  /** An instance that has not heartbeaten for this long is gone; instances heartbeat every third of it. */
  INSTANCE_TTL_MS: env.ms.min(300).default(6000),
  REGISTER_WITH_REGISTRY: z.literal(false).default(false),
});
export type RegistryConfig = z.infer<typeof RegistryConfigSchema>;

export const loadRegistryConfig = (source: NodeJS.ProcessEnv = process.env): RegistryConfig =>
  loadConfig(RegistryConfigSchema, source);
