import path from 'node:path';
import { z } from 'zod';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';
import { SandboxSettingsShape, sandboxSettingsProblems } from '@platform/sandbox-kit';

/**
 * The sandbox service holds no secret: no registry token, no database, no Redis. Its only inputs are
 * the working directories (a volume it shares with the agent-runner) and requests on a unix socket in
 * a directory only the two of them share.
 */
export const SandboxServiceConfigSchema = BaseConfigSchema.omit({ REGISTRY_URL: true, REGISTRY_TOKEN: true, REGISTER_WITH_REGISTRY: true })
  .extend({
    /** /health, /ready and /metrics only (probes and scraping); commands are taken on SANDBOX_SOCKET alone. */
    PORT: env.port.default(8106),
    ...SandboxSettingsShape,
    SANDBOX: z.literal('bwrap').default('bwrap'),
    SANDBOX_SOCKET: z.string().min(1).max(100),
    /** Mode of the socket file: the runner's group must be able to connect, nobody else. */
    SANDBOX_SOCKET_MODE: z
      .string()
      .regex(/^0?[0-7]{3}$/)
      .default('0660')
      .transform((m) => parseInt(m, 8)),
    WORKDIR_ROOT: z
      .string()
      .min(1)
      .default(path.join('.data', 'workspaces'))
      .transform((p) => path.resolve(p)),
    /** How long /ready trusts the last successful probe of bubblewrap. */
    READY_PROBE_TTL_MS: env.ms.default(10_000),
  })
  .superRefine((c, ctx) => {
    for (const p of sandboxSettingsProblems(c, { workdirRoot: c.WORKDIR_ROOT, cwd: process.cwd() })) ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
  });
export type SandboxServiceConfig = z.infer<typeof SandboxServiceConfigSchema>;

export const loadSandboxServiceConfig = (source: NodeJS.ProcessEnv = process.env): SandboxServiceConfig => loadConfig(SandboxServiceConfigSchema, source);
