import { z } from 'zod';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';
import { RevocationConfigShape } from '@platform/auth-middleware';
import { EmailSchema, PasswordSchema, UsernameSchema } from '@platform/contracts';

const ServiceClientsSchema = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const out = new Map<string, string>();
    let bad = false;
    for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
      const idx = pair.indexOf(':');
      const id = idx > 0 ? pair.slice(0, idx) : '';
      const secret = pair.slice(idx + 1);
      if (idx <= 0 || secret.length < 16) {
        ctx.addIssue({ code: 'custom', message: `entry "${id || pair.slice(0, 10)}" must be client_id:secret with a secret of 16+ characters` });
        bad = true;
        continue;
      }
      out.set(id, secret);
    }
    return bad ? z.NEVER : out;
  });

export const AuthConfigSchema = BaseConfigSchema.extend({
  PORT: env.port.default(8101),
  /** Where access-token revocations are written and announced (every service reads them from the same Redis). */
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  ...RevocationConfigShape,
  /** How often revocations a failed publish left behind are published again. */
  REVOCATION_SWEEP_MS: env.ms.default(1000),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  /** ES256 private key (PKCS8 PEM). Required in production; generated per process in development when absent. */
  JWT_PRIVATE_KEY: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }).optional(),
  JWT_ISSUER: z.string().min(1).default('agent-platform'),
  JWT_AUDIENCE: z.string().min(1).default('agent-platform'),
  ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(10).max(86_400).default(900),
  REFRESH_TOKEN_TTL_S: z.coerce.number().int().min(60).default(30 * 86_400),
  SERVICE_TOKEN_TTL_S: z.coerce.number().int().min(10).max(3600).default(300),
  ADMIN_EMAIL: EmailSchema.optional(),
  ADMIN_PASSWORD: PasswordSchema.optional(),
  ADMIN_USERNAME: UsernameSchema.default('admin'),
  /** Service identities allowed to obtain service tokens: `client_id:secret,client_id:secret`. */
  SERVICE_CLIENTS: ServiceClientsSchema,
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).default(2),
}).superRefine((c, ctx) => {
  if (c.NODE_ENV === 'production' && !c.JWT_PRIVATE_KEY) {
    ctx.addIssue({ code: 'custom', path: ['JWT_PRIVATE_KEY'], message: 'is required in production' });
  }
  if ((c.ADMIN_EMAIL === undefined) !== (c.ADMIN_PASSWORD === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together' });
  }
}, { when: () => true }); // run even when fields failed (zod skips refinements then), so every problem is listed
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

export const loadAuthConfig = (source: NodeJS.ProcessEnv = process.env): AuthConfig => loadConfig(AuthConfigSchema, source);
