import { z } from 'zod';
import { ProviderNameSchema, RunStatusSchema } from './sessions';

/**
 * The seeds' SOLO and TDD agents: built-in session templates driven through sessions' normal run
 * path (`/solo/*`, `/tdd/*`). A call that asks the model something waits (bounded) for its run: once
 * the run completed it answers 200 (201 for genesis, which creates a session) with the parsed answer;
 * while the run still goes, 202 with an `AgentRunRef` saying where to follow it; when the run ended
 * otherwise (failed, cancelled, timed out), 200 with the `AgentRunRef` and its error, as
 * `POST /api/v1/sessions/{id}/query?wait=true` does.
 */
export const SOLO_TEMPLATE_ID = 'solo-genesis';
export const TDD_TEMPLATE_ID = 'tdd';

/**
 * The task a query asks for, named on its first line as `<task>solo.genesis</task>`: real models read
 * it as part of the prompt; the offline model recognises it and answers the task deterministically.
 */
export const AgentTaskSchema = z.enum(['solo.genesis', 'solo.orchestrator', 'tdd.analyze', 'tdd.generate']);
export type AgentTask = z.infer<typeof AgentTaskSchema>;
export const agentTaskTag = (task: AgentTask): string => `<task>${task}</task>`;
/** The task tag on a message's first line, if any. */
export function agentTaskOf(text: string): AgentTask | undefined {
  const m = /^\s*<task>([a-z.]+)<\/task>/.exec(text);
  const parsed = AgentTaskSchema.safeParse(m?.[1]);
  return parsed.success ? parsed.data : undefined;
}

/** Model choice for the session a call creates (the runner's default provider otherwise). */
export const AgentModelOptionsSchema = z.strictObject({
  provider: ProviderNameSchema.optional(),
  model: z.string().min(1).max(200).optional(),
});

/** How the model's answer was read: a JSON object as asked, or plain text the fields were recovered from. */
export const AgentAnswerFormatSchema = z.enum(['json', 'text']);

/** The run a call started, how it stands, and where to follow it. */
export const AgentRunRefSchema = z.object({
  session_id: z.uuid(),
  run_id: z.uuid(),
  status: RunStatusSchema,
  /** Why the run ended without an answer (failed, cancelled, timed out); null otherwise. */
  error: z.string().nullable(),
  links: z.object({ run: z.string(), messages: z.string(), stream: z.string() }),
});
export type AgentRunRef = z.infer<typeof AgentRunRefSchema>;
const AnsweredRunSchema = z.object({ session_id: z.uuid(), run_id: z.uuid(), status: z.literal('completed') });

// ---- SOLO ----

/** `POST /solo/genesis`: starts a requirements interview about `description` in a new SOLO session. */
export const SoloGenesisRequestSchema = z.strictObject({
  description: z.string().trim().min(1).max(20_000),
  name: z.string().trim().min(1).max(200).optional(),
  channel_id: z.uuid().optional(),
  options: AgentModelOptionsSchema.optional(),
});
export type SoloGenesisRequest = z.infer<typeof SoloGenesisRequestSchema>;

export const GenesisQuestionSchema = z.object({ id: z.string(), topic: z.string(), question: z.string() });
export type GenesisQuestion = z.infer<typeof GenesisQuestionSchema>;

export const SoloGenesisResponseSchema = AnsweredRunSchema.extend({
  summary: z.string(),
  questions: z.array(GenesisQuestionSchema),
  answer_format: AgentAnswerFormatSchema,
});
export type SoloGenesisResponse = z.infer<typeof SoloGenesisResponseSchema>;

/** What drives a SOLO session after its interview: answers to its questions, a task to carry out, feedback. */
export const SoloEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('answers'),
    answers: z
      .array(z.strictObject({ question_id: z.string().min(1).max(50).optional(), question: z.string().max(2000).optional(), answer: z.string().trim().min(1).max(10_000) }))
      .min(1)
      .max(50),
  }),
  z.strictObject({ type: z.literal('task'), instruction: z.string().trim().min(1).max(20_000) }),
  z.strictObject({ type: z.literal('feedback'), message: z.string().trim().min(1).max(20_000) }),
]);
export type SoloEvent = z.infer<typeof SoloEventSchema>;

/** `POST /solo/orchestrator`: queued behind the session's active run, if any; answers 202. */
export const SoloOrchestratorRequestSchema = z.strictObject({ session_id: z.uuid(), event: SoloEventSchema });
export type SoloOrchestratorRequest = z.infer<typeof SoloOrchestratorRequestSchema>;
export const SoloOrchestratorResponseSchema = AgentRunRefSchema.extend({ event_type: z.enum(['answers', 'task', 'feedback']) });
export type SoloOrchestratorResponse = z.infer<typeof SoloOrchestratorResponseSchema>;

/** `GET /solo/status[?session_id=]`: the agent and the caller's SOLO sessions (newest first, at most 20). */
export const SoloStatusQuerySchema = z.strictObject({ session_id: z.uuid().optional() });
export const SoloSessionStatusSchema = z.object({
  session_id: z.uuid(),
  name: z.string(),
  status: z.enum(['active', 'archived']),
  created_at: z.string(),
  runs: z.number().int().nonnegative(),
  /** True while a run is queued, running or waiting for a permission answer. */
  busy: z.boolean(),
  last_run: z.object({ run_id: z.uuid(), status: RunStatusSchema, created_at: z.string(), finished_at: z.string().nullable() }).nullable(),
});
export type SoloSessionStatus = z.infer<typeof SoloSessionStatusSchema>;
export const SoloStatusResponseSchema = z.object({
  agent: z.literal('solo'),
  status: z.literal('available'),
  template_id: z.literal(SOLO_TEMPLATE_ID),
  event_types: z.array(z.string()),
  sessions: z.array(SoloSessionStatusSchema),
  timestamp: z.string(),
});
export type SoloStatusResponse = z.infer<typeof SoloStatusResponseSchema>;

// ---- TDD ----

export const TestLanguageSchema = z.enum(['javascript', 'typescript', 'python', 'go', 'java', 'rust', 'ruby', 'other']);
const TestOutputSchema = z.string().min(1).max(50_000);

/** `POST /tdd/analyze`: in `session_id` (a session of yours) or in a new TDD session. */
export const TddAnalyzeRequestSchema = z.strictObject({
  test_output: TestOutputSchema,
  language: TestLanguageSchema.optional(),
  session_id: z.uuid().optional(),
  name: z.string().trim().min(1).max(200).optional(),
  options: AgentModelOptionsSchema.optional(),
});
export type TddAnalyzeRequest = z.infer<typeof TddAnalyzeRequestSchema>;

export const TestFailureSchema = z.object({
  test: z.string(),
  file: z.string().nullable(),
  line: z.number().int().positive().nullable(),
  message: z.string(),
  expected: z.string().nullable(),
  received: z.string().nullable(),
});
export type TestFailure = z.infer<typeof TestFailureSchema>;

export const TddAnalyzeResponseSchema = AnsweredRunSchema.extend({
  framework: z.string().nullable(),
  summary: z.string(),
  failures: z.array(TestFailureSchema),
  likely_causes: z.array(z.string()),
  suggested_next_steps: z.array(z.string()),
  answer_format: AgentAnswerFormatSchema,
});
export type TddAnalyzeResponse = z.infer<typeof TddAnalyzeResponseSchema>;

/** `POST /tdd/generate`: a fix proposed as a patch against the session's working directory (never applied). */
export const TddGenerateRequestSchema = z.strictObject({
  session_id: z.uuid(),
  test_output: TestOutputSchema,
  language: TestLanguageSchema.optional(),
  instructions: z.string().trim().min(1).max(5000).optional(),
});
export type TddGenerateRequest = z.infer<typeof TddGenerateRequestSchema>;

export const TddGenerateResponseSchema = AnsweredRunSchema.extend({
  /** A unified diff (`--- a/<path>` / `+++ b/<path>`, paths relative to the working directory); empty when none was proposed. */
  patch: z.string(),
  files: z.array(z.string()),
  explanation: z.string(),
  answer_format: AgentAnswerFormatSchema,
});
export type TddGenerateResponse = z.infer<typeof TddGenerateResponseSchema>;

/** `POST /tdd/validate`: runs a test command the runner's configuration allows, by name, in the session's working directory. */
export const TddValidateRequestSchema = z.strictObject({
  session_id: z.uuid(),
  command: z.string().min(1).max(100),
});
export type TddValidateRequest = z.infer<typeof TddValidateRequestSchema>;

export const TestRunSchema = z.object({
  argv: z.array(z.string()),
  passed: z.boolean(),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  timed_out: z.boolean(),
  duration_ms: z.number().int().nonnegative(),
  /** stdout and stderr interleaved, cut to the runner's limit. */
  output: z.string(),
  output_truncated: z.boolean(),
});
export type TestRun = z.infer<typeof TestRunSchema>;
export const TddValidateResponseSchema = TestRunSchema.extend({ session_id: z.uuid(), command: z.string() });
export type TddValidateResponse = z.infer<typeof TddValidateResponseSchema>;

/** Job name `run-tests` on `agent-runs`: sessions enqueues and waits; the runner runs the named command. */
export const RUN_TESTS_JOB_NAME = 'run-tests';
export const RunTestsJobSchema = z.object({ v: z.number().int().default(1), session_id: z.uuid(), command: z.string().min(1).max(100) });
export type RunTestsJob = z.infer<typeof RunTestsJobSchema>;
/** The job's return value. */
export const RunTestsResultSchema = z.discriminatedUnion('outcome', [
  TestRunSchema.extend({ outcome: z.literal('finished') }),
  z.object({ outcome: z.literal('unknown_command'), allowed: z.array(z.string()) }),
  z.object({ outcome: z.literal('no_workdir') }),
]);
export type RunTestsResult = z.infer<typeof RunTestsResultSchema>;
