import { z } from 'zod';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';
import { RevocationConfigShape } from '@platform/auth-middleware';

export const ChannelsConfigSchema = BaseConfigSchema.extend({
  PORT: env.port.default(8102),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  /** Access tokens are verified locally against auth's JWKS; these must match what auth signs. */
  JWT_ISSUER: z.string().min(1).default('agent-platform'),
  JWT_AUDIENCE: z.string().min(1).default('agent-platform'),
  /** Where the platform's access-token revocations are read from (auth writes them). */
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  ...RevocationConfigShape,
});
export type ChannelsConfig = z.infer<typeof ChannelsConfigSchema>;

export const loadChannelsConfig = (source: NodeJS.ProcessEnv = process.env): ChannelsConfig =>
  loadConfig(ChannelsConfigSchema, source);
