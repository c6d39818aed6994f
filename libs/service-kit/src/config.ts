import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Raised when the environment does not satisfy a service's config schema; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A variable holding JSON that must match `schema`; each mismatch is reported with its path. */
function json<S extends z.ZodType>(schema: S) {
  return z.string().transform((s, ctx): z.infer<S> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
    const r = schema.safeParse(parsed);
    if (!r.success) {
      for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: `${i.path.join('.')}: ${i.message}` });
      return z.NEVER;
    }
    return r.data;
  });
}

/** Env helpers: booleans from strings, comma-separated lists, JSON values. */
export const env = {
  json,
  bool,
  list: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  port: z.coerce.number().int().min(0).max(65535),
  ms: z.coerce.number().int().min(1),
};

/** Settings every service shares: where it listens, how it logs, how it finds the registry and shuts down. */
export const BaseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'debug']).default('info'),
  SERVICE_VERSION: z.string().default(process.env.npm_package_version ?? '0.1.0'),
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._:-]+$/).default(`${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`),
  PUBLIC_URL: z.url().optional(),
  REGISTRY_URL: z.url().default('http://127.0.0.1:8100'),
  REGISTRY_TOKEN: z.string().min(16, 'REGISTRY_TOKEN must be at least 16 characters'),
  REGISTER_WITH_REGISTRY: bool.default(true),
  BODY_LIMIT: z.string().default('100kb'),
  SHUTDOWN_TIMEOUT_MS: env.ms.default(10_000),
  /**
   * How long idle keep-alive connections stay open once draining starts (time for a load balancer to
   * stop using the instance); default half of SHUTDOWN_TIMEOUT_MS, at most 5 s. Tests set 0.
   */
  SHUTDOWN_IDLE_GRACE_MS: z.coerce.number().int().min(0).optional(),
  /**
   * Which hops in front may speak for the client in X-Forwarded-For (Express's `trust proxy`): `false`
   * (none: clients connect directly), `true` (any: never on a public port), a hop count (`1`), or
   * addresses, CIDRs and named ranges (`loopback`, `uniquelocal`, `10.0.0.0/8`, comma-separated).
   */
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((v): string | number | boolean => (v === 'false' ? false : v === 'true' ? true : /^\d{1,2}$/.test(v) ? Number(v) : v)),
});
export type BaseConfig = z.infer<typeof BaseConfigSchema>;

/** Parses `source` against `schema` once at start; throws ConfigError listing every problem. */
export function loadConfig<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  return result.data;
}
