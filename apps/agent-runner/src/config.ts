import path from 'node:path';
import { z } from 'zod';
import { ProviderNameSchema, RUN_EVENTS_STREAM, type ProviderName } from '@platform/contracts';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';
import { SandboxSettingsShape, sandboxSettingsProblems } from '@platform/sandbox-kit';
import { DEFAULT_MODEL_PRICES, ModelPricesSchema } from './pricing';
import { USAGE_MAX_ENTRIES } from './workspace/usage';

const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** An unset variable and an empty one (`KEY=` in an env file) mean the same: not configured. */
const optionalSecret = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

/** The test commands `/tdd/validate` may run when TDD_TEST_COMMANDS is not set. */
export const DEFAULT_TEST_COMMANDS: Record<string, string[]> = {
  'npm-test': ['npm', 'test', '--silent'],
  'node-test': ['node', '--test'],
  pytest: ['python3', '-m', 'pytest', '-q'],
};

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const AgentRunnerConfigSchema = BaseConfigSchema.extend({
  PORT: env.port.default(8104),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix; sessions must enqueue under the same one. */
  QUEUE_PREFIX: z.string().min(1).default('bull'),
  /** Redis Stream the run events go to (sessions reads it). */
  EVENTS_STREAM: z.string().min(1).default(RUN_EVENTS_STREAM),
  EVENTS_MAXLEN: count(1000, 1_000_000_000).default(1_000_000),
  /** How long a run's sequence/usage ledger survives in Redis after its last event. */
  RUN_STATE_TTL_S: count(60, 90 * 86_400).default(7 * 86_400),
  /** Per-session working directories live in `<WORKDIR_ROOT>/<session_id>`; relative paths resolve against the cwd. */
  WORKDIR_ROOT: z
    .string()
    .min(1)
    .default(path.join('.data', 'workspaces'))
    .transform((p) => path.resolve(p)),
  WORKER_CONCURRENCY: count(1, 256).default(4),
  /** Attempts of a run whose failure is transient (model 429/5xx, network, sessions unavailable). */
  JOB_ATTEMPTS: count(1, 50).default(3),
  /** First retry delay; doubles per retry. */
  JOB_BACKOFF_MS: env.ms.default(1000),
  /**
   * Crash recovery (BullMQ stalled jobs): a job's lock lasts LOCK_DURATION_MS unless its runner renews
   * it (every half of it); every STALLED_INTERVAL_MS each worker re-queues jobs whose lock expired, so
   * a killed runner's run resumes elsewhere within LOCK_DURATION_MS + 2 × STALLED_INTERVAL_MS (about
   * 30–60 s with these defaults). MAX_STALLED_COUNT re-queues are allowed; the next stall fails the run.
   */
  LOCK_DURATION_MS: env.ms.default(30_000),
  STALLED_INTERVAL_MS: env.ms.default(30_000),
  MAX_STALLED_COUNT: count(0, 100).default(2),
  /** How long a person has to answer a permission request before the call is denied (and the run goes on). */
  PERMISSION_TIMEOUT_MS: env.ms.default(10 * 60_000),
  /** Longest a run waiting for an answer sleeps before it looks again (sessions wakes it at once on an answer). */
  PERMISSION_POLL_MS: env.ms.default(15_000),
  ANTHROPIC_API_KEY: optionalSecret,
  ANTHROPIC_BASE_URL: z.url().default('https://api.anthropic.com'),
  ANTHROPIC_VERSION: z.string().min(1).default('2023-06-01'),
  ANTHROPIC_DEFAULT_MODEL: z.string().min(1).default('claude-sonnet-4-5'),
  OPENAI_API_KEY: optionalSecret,
  /** Any OpenAI-compatible server (Ollama: http://127.0.0.1:11434/v1, llama.cpp: http://127.0.0.1:8080/v1). */
  OPENAI_BASE_URL: z.url().default(OPENAI_DEFAULT_BASE_URL),
  OPENAI_DEFAULT_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** OpenAI's current field; some older compatible servers only know `max_tokens`. */
  OPENAI_MAX_TOKENS_FIELD: z.enum(['max_completion_tokens', 'max_tokens']).default('max_completion_tokens'),
  OFFLINE_DEFAULT_MODEL: z.string().min(1).default('offline-echo-1'),
  /** Provider used when a session names none; offline unless a provider key (or a local OpenAI base URL) is set. */
  DEFAULT_PROVIDER: ProviderNameSchema.optional(),
  /** JSON `{ "<model or model prefix>": { "input_per_mtok": n, "output_per_mtok": n } }`, merged over the defaults. */
  MODEL_PRICES: env.json(ModelPricesSchema).optional(),
  MAX_OUTPUT_TOKENS: count(1, 200_000).default(4096),
  /**
   * Budgets (set in sessions): a turn is started only when the person's budget leaves room for its prompt and
   * at least this many output tokens (fewer would cut the answer off at once); the turn's output is capped to
   * what is left. Kept under MAX_OUTPUT_TOKENS.
   */
  BUDGET_MIN_OUTPUT_TOKENS: count(1, 200_000).default(256),
  DEFAULT_MAX_TURNS: count(1, 100).default(10),
  PROVIDER_TIMEOUT_MS: env.ms.default(300_000),
  TOOL_OUTPUT_LIMIT_BYTES: count(1024, 10 * 1024 * 1024).default(32 * 1024),
  /** Test option: the offline model waits this long before each streamed chunk. */
  OFFLINE_DELAY_MS: count(0, 60_000).default(0),
  SERVICE_CLIENT_ID: optionalSecret,
  SERVICE_CLIENT_SECRET: optionalSecret,
  SESSIONS_TIMEOUT_MS: env.ms.default(5000),
  /**
   * Test commands `POST /tdd/validate` may run in a session's working directory, by name: JSON
   * `{ "<name>": ["argv0", "arg", …] }`, run without a shell. `{}` turns validation off; unset or empty: the defaults.
   */
  TDD_TEST_COMMANDS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    env
      .json(z.record(z.string().regex(/^[\w.:-]{1,100}$/, 'names are letters, digits, ".", ":", "_" or "-"'), z.array(z.string().min(1)).min(1)))
      .default(DEFAULT_TEST_COMMANDS),
  ),
  /** Where the shell tool and /tdd/validate run commands: see the sandbox settings (apps/agent-runner/README.md). */
  ...SandboxSettingsShape,
  /** A test command still running after this is killed (with everything it started); keep it under sessions' TDD_VALIDATE_WAIT_MS. */
  TDD_TEST_TIMEOUT_MS: env.ms.default(45_000),
  TDD_TEST_OUTPUT_LIMIT_BYTES: count(1024, 10 * 1024 * 1024).default(64 * 1024),
})
  .superRefine(
    (c, ctx) => {
      if ((c.SERVICE_CLIENT_ID === undefined) !== (c.SERVICE_CLIENT_SECRET === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['SERVICE_CLIENT_SECRET'],
          message: 'SERVICE_CLIENT_ID and SERVICE_CLIENT_SECRET go together',
        });
      }
      if (c.NODE_ENV === 'production' && c.SERVICE_CLIENT_ID === undefined) {
        ctx.addIssue({ code: 'custom', path: ['SERVICE_CLIENT_ID'], message: 'is required in production' });
      }
      if (c.PERMISSION_TIMEOUT_MS >= c.RUN_STATE_TTL_S * 1000) {
        ctx.addIssue({
          code: 'custom',
          path: ['PERMISSION_TIMEOUT_MS'],
          message: 'must be shorter than RUN_STATE_TTL_S, or a waiting run would outlive its journal',
        });
      }
      for (const p of sandboxSettingsProblems(c, { workdirRoot: c.WORKDIR_ROOT, cwd: process.cwd() }))
        ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
      if (c.WORKSPACE_MAX_FILES >= USAGE_MAX_ENTRIES) {
        ctx.addIssue({
          code: 'custom',
          path: ['WORKSPACE_MAX_FILES'],
          message: `must be under ${USAGE_MAX_ENTRIES}, the most entries a working directory's usage is counted to`,
        });
      }
      if (c.DEFAULT_PROVIDER !== undefined && !providerConfigured(c, c.DEFAULT_PROVIDER)) {
        ctx.addIssue({
          code: 'custom',
          path: ['DEFAULT_PROVIDER'],
          message: `${c.DEFAULT_PROVIDER} needs ${missingSetting(c.DEFAULT_PROVIDER)}`,
        });
      }
    },
    { when: () => true },
  )
  .transform((c) => ({
    ...c,
    DEFAULT_PROVIDER: c.DEFAULT_PROVIDER ?? inferDefaultProvider(c),
    MODEL_PRICES: { ...DEFAULT_MODEL_PRICES, ...c.MODEL_PRICES },
  }));
export type AgentRunnerConfig = z.infer<typeof AgentRunnerConfigSchema>;

interface ProviderSettings {
  ANTHROPIC_API_KEY?: string | undefined;
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL: string;
}

/** Whether `name` can be called: a key, or (OpenAI-compatible) a base URL of one's own, such as a local Ollama. */
export function providerConfigured(c: ProviderSettings, name: ProviderName): boolean {
  switch (name) {
    case 'offline':
      return true;
    case 'anthropic':
      return c.ANTHROPIC_API_KEY !== undefined;
    case 'openai':
      return c.OPENAI_API_KEY !== undefined || c.OPENAI_BASE_URL !== OPENAI_DEFAULT_BASE_URL;
  }
}

function missingSetting(name: ProviderName): string {
  return name === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY (or an OPENAI_BASE_URL of your own)';
}

function inferDefaultProvider(c: ProviderSettings): ProviderName {
  if (c.ANTHROPIC_API_KEY !== undefined) return 'anthropic';
  if (c.OPENAI_API_KEY !== undefined) return 'openai';
  return 'offline';
}

export const loadAgentRunnerConfig = (source: NodeJS.ProcessEnv = process.env): AgentRunnerConfig =>
  loadConfig(AgentRunnerConfigSchema, source);
